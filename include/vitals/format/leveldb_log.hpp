// The LevelDB-style record log that a `.wandb` file is: W&B's 7-byte file header, then 32 KiB
// blocks of chunks (u32 CRC-32 LE over type byte + payload, u16 length LE, u8 type, payload).
//
// Crash safety is by construction: the writer buffers whole records and hands the kernel only
// whole records (flush boundaries are record boundaries), and it writes a block's zero trailer as
// soon as a record leaves fewer than 7 bytes in the block. So after `kill -9` the file ends exactly
// after the last flushed record and wandb's own reader (which asserts on a short trailer at EOF)
// reads every flushed record. The bytes are otherwise identical to wandb's DataStore writer, which
// writes the same trailer lazily, before the next record.
//
// Full disks and file-size limits: when a write fails or stops short, the writer cuts the file back
// (ftruncate, format/file.hpp's cut_back_to_whole_records) to the end of the last record that reached it whole - the log is block-structured
// from offset 0, so a file that ends at a record end is a whole, readable log - closes it and
// throws; every later append or flush throws the same error. Buffered records are lost, never
// half-written. A file that could not even take its 7-byte header is removed.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "vitals/format/crc32.hpp"
#include "vitals/format/file.hpp"

namespace vitals::inline VITALS_ABI::detail {
inline constexpr std::size_t log_block_size = 32768;
inline constexpr std::size_t log_chunk_header_size = 7;
inline constexpr std::uint8_t log_chunk_full = 1;
inline constexpr std::uint8_t log_chunk_first = 2;
inline constexpr std::uint8_t log_chunk_middle = 3;
inline constexpr std::uint8_t log_chunk_last = 4;
/// ":W&B", magic 0xBEE1 little-endian, version 0.
inline constexpr std::string_view wandb_log_file_header{":W&B\xE1\xBE\x00", 7};

/// Appends one record's chunks to `out`, where `offset` is the file offset `out`'s end stands for;
/// advances `offset`. Pure framing, no I/O: the writer and the tests share it.
inline void frame_log_record(std::string& out, std::uint64_t& offset, std::string_view payload) {
  auto emit = [&](std::uint8_t type, std::string_view part) {
    unsigned char h[7];
    const std::uint32_t crc = crc32_update(crc32_update(0, &type, 1), part);
    h[0] = static_cast<unsigned char>(crc);
    h[1] = static_cast<unsigned char>(crc >> 8);
    h[2] = static_cast<unsigned char>(crc >> 16);
    h[3] = static_cast<unsigned char>(crc >> 24);
    h[4] = static_cast<unsigned char>(part.size());
    h[5] = static_cast<unsigned char>(part.size() >> 8);
    h[6] = type;
    out.append(reinterpret_cast<const char*>(h), 7);
    out.append(part.data(), part.size());
    offset += 7 + part.size();
  };
  std::size_t left_in_block = log_block_size - offset % log_block_size;
  if (left_in_block < log_chunk_header_size) {  // only if the previous writer did not pad eagerly
    out.append(left_in_block, '\0');
    offset += left_in_block;
    left_in_block = log_block_size;
  }
  if (payload.size() + log_chunk_header_size <= left_in_block) {
    emit(log_chunk_full, payload);
  } else {
    // The first chunk fills the rest of this block, even when that leaves it empty (exactly 7 bytes
    // left): that is what wandb's writer does, and readers accept an empty FIRST.
    std::size_t room = left_in_block - log_chunk_header_size;
    emit(log_chunk_first, payload.substr(0, room));
    payload.remove_prefix(room);
    constexpr std::size_t data_per_block = log_block_size - log_chunk_header_size;
    while (payload.size() > data_per_block) {
      emit(log_chunk_middle, payload.substr(0, data_per_block));
      payload.remove_prefix(data_per_block);
    }
    emit(log_chunk_last, payload);
  }
  left_in_block = log_block_size - offset % log_block_size;
  if (left_in_block < log_chunk_header_size) {  // eager block trailer: see the file comment
    out.append(left_in_block, '\0');
    offset += left_in_block;
  }
}

/// Writes a `.wandb` log file. Not thread-safe (a sink is driven from one thread).
class leveldb_log_writer {
 public:
  /// Bytes buffered before a write(2); a flush() writes earlier. Whole records only, always.
  static constexpr std::size_t default_buffer_bytes = 256 * 1024;

  leveldb_log_writer() = default;
  leveldb_log_writer(const leveldb_log_writer&) = delete;
  leveldb_log_writer& operator=(const leveldb_log_writer&) = delete;
  leveldb_log_writer(leveldb_log_writer&& o) noexcept { *this = std::move(o); }
  leveldb_log_writer& operator=(leveldb_log_writer&& o) noexcept {
    if (this != &o) {
      close_noexcept();
      fd_ = o.fd_;
      o.fd_ = -1;
      buffer_ = std::move(o.buffer_);
      ends_ = std::move(o.ends_);
      broken_ = std::move(o.broken_);
      offset_ = o.offset_;
      flushed_ = o.flushed_;
      buffer_bytes_ = o.buffer_bytes_;
      path_ = std::move(o.path_);
    }
    return *this;
  }
  ~leveldb_log_writer() { close_noexcept(); }

  /// Creates the file (it must not exist: two runs never share a log) and writes the header.
  void open(const std::filesystem::path& path, std::size_t buffer_bytes = default_buffer_bytes) {
    if (fd_ >= 0) throw std::logic_error("leveldb_log_writer: already open");
    ignore_sigxfsz_once();
    broken_.clear();
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "vitals: cannot create W&B log " + path.string());
    path_ = path;
    buffer_bytes_ = buffer_bytes;
    buffer_.clear();
    buffer_.reserve(buffer_bytes_ + log_block_size);
    buffer_.append(wandb_log_file_header);
    offset_ = wandb_log_file_header.size();
    flushed_ = 0;
    ends_.clear();
    ends_.push_back(buffer_.size());  // the header is the first thing that must reach the file whole
    flush();
  }

  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }

  /// Appends one record (a serialized protobuf); writes the buffer out when it is full.
  void append(std::string_view payload) {
    if (fd_ < 0) {
      if (!broken_.empty()) throw std::runtime_error(broken_);
      throw std::logic_error("leveldb_log_writer: append() on a closed log");
    }
    frame_log_record(buffer_, offset_, payload);
    ends_.push_back(buffer_.size());  // after the record and any block trailer it left
    if (buffer_.size() >= buffer_bytes_) flush();
  }

  /// Hands every buffered record to the kernel: they survive the process being killed.
  /// On a failed or short write the file is cut back to its last whole record (see the file
  /// comment), closed, and the error thrown.
  void flush() {
    if (fd_ < 0) {
      if (!broken_.empty()) throw std::runtime_error(broken_);
      return;
    }
    std::size_t written = 0;
    const int err = write_fully(fd_, buffer_, written);
    if (err != 0) fail(err, written);
    buffer_.clear();
    ends_.clear();
    flushed_ = offset_;
  }

  /// Flushes, asks the disk to persist (fdatasync), closes.
  void close() {
    if (fd_ < 0) return;
    flush();
    (void)::fdatasync(fd_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw std::system_error(errno, std::generic_category(), "vitals: closing W&B log " + path_.string());
  }

  std::uint64_t offset() const { return offset_; }
  std::uint64_t flushed_offset() const { return flushed_; }
  /// True after a failed write: the file was cut back to its last whole record and closed.
  bool broken() const { return !broken_.empty(); }

 private:
  [[noreturn]] void fail(int err, std::size_t written) {
    // The file holds flushed_ + written bytes; keep the records that are wholly inside them.
    const whole_records_cut cut = cut_back_to_whole_records(fd_, static_cast<off_t>(flushed_), written, ends_);
    const std::uint64_t keep = flushed_ + cut.keep;
    std::string msg = "vitals: cannot write W&B log '" + path_.string() + "' (";
    if (keep < wandb_log_file_header.size()) {
      // Not even the header: no log at all is better than a file no reader accepts.
      ::close(fd_);
      fd_ = -1;
      ::unlink(path_.c_str());
      msg += "removed: it could not hold its header)";
    } else {
      if (cut.cut_errno != 0)
        msg += "cutting the torn record off failed too: " + std::generic_category().message(cut.cut_errno) + "; ";
      else
        msg += "the log ends at its last whole record; ";
      ::close(fd_);
      fd_ = -1;
      msg += std::to_string(cut.kept_records) + " of " + std::to_string(ends_.size()) +
             " records of this write kept, the rest and later ones lost)";
    }
    buffer_.clear();
    ends_.clear();
    offset_ = flushed_ = keep;
    std::system_error e(err, std::generic_category(), msg);
    broken_ = e.what();
    throw e;
  }

  void close_noexcept() noexcept {
    try {
      close();
    } catch (...) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
  }

  int fd_ = -1;
  std::string buffer_;
  std::vector<std::size_t> ends_;  // offset in buffer_ (which starts at flushed_) just past each record and its trailer
  std::string broken_;               // the error that closed the file
  std::uint64_t offset_ = 0;
  std::uint64_t flushed_ = 0;
  std::size_t buffer_bytes_ = default_buffer_bytes;
  std::filesystem::path path_;
};

/// What reading a log gives: every complete record, and why reading stopped if not at a clean end.
struct leveldb_log_contents {
  std::vector<std::string> records;
  bool clean = true;         // false: a torn or corrupt tail was skipped
  std::string error;         // why, when !clean
  std::uint64_t valid_end = 0;  // file offset just after the last complete record
};

/// Reads a whole log from memory. A torn tail (short chunk, bad CRC, a record missing its LAST) ends
/// the read with clean = false; the records before it are returned.
inline leveldb_log_contents read_leveldb_log(std::string_view file) {
  leveldb_log_contents r;
  if (file.size() < wandb_log_file_header.size() || file.substr(0, 7) != wandb_log_file_header) {
    r.clean = false;
    r.error = "not a W&B log: missing the :W&B header";
    return r;
  }
  std::size_t pos = 7;
  r.valid_end = pos;
  std::string pending;
  bool in_record = false;
  auto fail = [&](std::string why) {
    r.clean = false;
    r.error = std::move(why) + " at offset " + std::to_string(pos);
    return r;
  };
  while (pos < file.size()) {
    const std::size_t left_in_block = log_block_size - pos % log_block_size;
    if (left_in_block < log_chunk_header_size) {
      const std::size_t n = std::min(left_in_block, file.size() - pos);
      for (std::size_t i = 0; i < n; ++i)
        if (file[pos + i] != '\0') return fail("non-zero block trailer");
      pos += n;
      if (!in_record) r.valid_end = pos;
      continue;
    }
    if (file.size() - pos < log_chunk_header_size) return fail("torn chunk header");
    const auto* h = reinterpret_cast<const unsigned char*>(file.data() + pos);
    const std::uint32_t crc = std::uint32_t{h[0]} | std::uint32_t{h[1]} << 8 | std::uint32_t{h[2]} << 16 | std::uint32_t{h[3]} << 24;
    const std::size_t len = std::size_t{h[4]} | std::size_t{h[5]} << 8;
    const std::uint8_t type = h[6];
    if (len > left_in_block - log_chunk_header_size) return fail("chunk crosses a block boundary");
    if (file.size() - pos - log_chunk_header_size < len) return fail("torn chunk payload");
    const std::string_view part = file.substr(pos + log_chunk_header_size, len);
    if (crc32_update(crc32_update(0, &type, 1), part) != crc) return fail("chunk checksum mismatch");
    switch (type) {
      case log_chunk_full:
        if (in_record) return fail("FULL chunk inside a record");
        r.records.emplace_back(part);
        break;
      case log_chunk_first:
        if (in_record) return fail("FIRST chunk inside a record");
        pending.assign(part);
        in_record = true;
        break;
      case log_chunk_middle:
        if (!in_record) return fail("MIDDLE chunk outside a record");
        pending.append(part);
        break;
      case log_chunk_last:
        if (!in_record) return fail("LAST chunk outside a record");
        pending.append(part);
        r.records.push_back(std::move(pending));
        pending.clear();
        in_record = false;
        break;
      default: return fail("unknown chunk type " + std::to_string(type));
    }
    pos += log_chunk_header_size + len;
    if (!in_record) r.valid_end = pos;
  }
  if (in_record) return fail("record missing its LAST chunk");
  return r;
}

}  // namespace vitals::detail
