// Writing files that survive crashes and full disks: buffered append of whole records, atomic
// replacement, and the POSIX details both need. Every file vitals writes goes through here (the
// JSONL, CSV and TensorBoard sinks through append_file, the `.wandb` log through
// cut_back_to_whole_records, the run directory's JSON files through atomic_write_file).
//
// Sinks write with write(2) on a raw descriptor, whole records at a time, so that after kill -9 a
// file holds every complete record up to the last flush (stdio buffers would hold partial lines).
// Files that are replaced as a whole (config.json, summary.json, a widened metrics.csv) are written
// to a temporary name and renamed over the target, so a reader sees the old or the new file.
//
// Full disks and file-size limits. A write that fails (ENOSPC, EFBIG, EIO) or stops short never
// leaves a torn record behind: append_file::write_records() remembers where the batch started and
// cuts the file back (ftruncate) to the end of the last record that reached the file whole, then
// throws; the file is then closed and every later write throws again. Bytes still buffered are
// lost, never half-written. atomic_write_file() leaves the old file in place and no temporary
// behind when anything fails.
//
// SIGXFSZ: a write past RLIMIT_FSIZE (`ulimit -f`) raises SIGXFSZ, whose default action kills the
// process. Whenever vitals opens or creates a file it sets SIGXFSZ to SIG_IGN if, and only if, it
// is still at SIG_DFL, so that a file-size limit is an ordinary write error (EFBIG) that one sink
// reports while training goes on. A handler the program installed itself is left alone.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <sys/types.h>  // off_t
#include <unistd.h>     // close, unlink (inline members)

#include <cstddef>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vitals::inline VITALS_ABI::detail {
[[noreturn]] VITALS_INLINE void throw_file_error(std::string_view what, const std::filesystem::path& p, int err);

/// Sets SIGXFSZ to SIG_IGN when it is at its default action (which kills the process): a write
/// past RLIMIT_FSIZE then fails with EFBIG instead. Runs once per process; a program's own
/// disposition (a handler, or SIG_IGN) is kept.
VITALS_INLINE void ignore_sigxfsz_once() noexcept;

/// Writes data to fd, retrying on EINTR and short writes. Returns 0 when all of it was written,
/// else the errno that stopped it; `written` says how many bytes reached the file either way.
VITALS_INLINE int write_fully(int fd, std::string_view data, std::size_t& written) noexcept;

/// Writes all of data to fd, retrying on EINTR and short writes; throws on failure (ENOSPC, EIO).
/// Does not undo a partial write: callers that append records use append_file::write_records.
VITALS_INLINE void write_all(int fd, std::string_view data, const std::filesystem::path& p);

/// What cut_back_to_whole_records did: the bytes of the batch the file keeps, how many records
/// they are, and the errno of a failed cut (0 when the file ends at a record end).
struct whole_records_cut {
  std::size_t keep = 0;
  std::size_t kept_records = 0;
  int cut_errno = 0;
};

/// After a write of a batch of whole records that started at file offset `start` stopped after
/// `written` bytes: cuts the file (ftruncate) back to the end of the last record wholly inside
/// those bytes. `ends`: the offset in the batch just past each record, ascending. The one place
/// that decides what a torn write leaves behind, for every appending writer (append_file here,
/// the `.wandb` log writer in format/leveldb_log.hpp).
VITALS_INLINE whole_records_cut cut_back_to_whole_records(int fd, off_t start, std::size_t written,
                                                          std::span<const std::size_t> ends) noexcept;

/// An owned append-only descriptor (move-only) that only ever holds whole records.
class append_file {
 public:
  append_file() = default;
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  append_file(append_file&& o) noexcept
      : fd_(o.fd_), path_(std::move(o.path_)), broken_(std::move(o.broken_)) {
    o.fd_ = -1;
  }
  append_file& operator=(append_file&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = o.fd_;
      path_ = std::move(o.path_);
      broken_ = std::move(o.broken_);
      o.fd_ = -1;
    }
    return *this;
  }
  ~append_file() { close(); }

  VITALS_INLINE void open(const std::filesystem::path& p, bool truncate = false);

  /// Appends one record (or any bytes that must reach the file whole).
  void write(std::string_view data) {
    const std::size_t end = data.size();
    write_records(data, std::span<const std::size_t>(&end, 1));
  }

  /// Writes the records buffered in `buf` (`ends`: the offset just past each) with write_records()
  /// and empties both whatever happens: on a full disk the bytes are lost either way, and a retry
  /// must not grow the buffer without bound. Shared by the JSONL, CSV and TensorBoard sinks.
  template <class Buffer>
  void write_records_and_clear(Buffer& buf, std::vector<std::size_t>& ends) {
    struct clear_on_exit {
      Buffer& b;
      std::vector<std::size_t>& e;
      ~clear_on_exit() {
        b.clear();
        e.clear();
      }
    } guard{buf, ends};
    write_records(std::string_view(buf.data(), buf.size()), std::span<const std::size_t>(ends));
  }

  /// Appends a batch of whole records: `ends` holds the offset in `data` just past each record,
  /// ascending, the last one data.size(). If the write fails or stops short, the file is cut back
  /// to the end of the last record that reached it whole, closed, and the error thrown; the
  /// message says how many of the batch's records were kept.
  VITALS_INLINE void write_records(std::string_view data, std::span<const std::size_t> ends);

  bool is_open() const { return fd_ >= 0; }
  /// True after a failed write: the file was closed and later writes throw.
  bool broken() const { return !broken_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::string broken_;  // the error that closed the file
};

/// Cuts a line-oriented file (JSONL, CSV) back to just after its last '\n', so that appending
/// to it - a resumed run continuing its files - never glues a new line to a torn one. Returns the
/// bytes removed; a missing file is left missing. Throws when the file cannot be cut.
VITALS_INLINE std::size_t cut_to_last_newline(const std::filesystem::path& p);

/// Appends `line` to the file at `p` whole or not at all (a short write is cut back). Never
/// throws: for logs of last resort such as vitals.log. False when nothing was added.
VITALS_INLINE bool append_whole_noexcept(const std::filesystem::path& p, std::string_view line) noexcept;

/// Space set aside on a run's filesystem for the run's last small files (summary.json, the final
/// metadata.json): a file of `bytes` allocated when the run starts and removed just before those
/// writes, so that a disk that filled up during the run (and stopped the sinks) still has room for
/// them. Best effort and noexcept: when the space cannot be had there is simply no reserve. A
/// process killed before release() leaves the file behind (its name says what it is).
class disk_reserve {
 public:
  static constexpr std::size_t default_bytes = 64 * 1024;
  disk_reserve() = default;
  disk_reserve(const disk_reserve&) = delete;
  disk_reserve& operator=(const disk_reserve&) = delete;
  ~disk_reserve() { release(); }

  /// Allocates `bytes` at `p` (which must not exist). True when the space is held.
  VITALS_INLINE bool create(const std::filesystem::path& p, std::size_t bytes = default_bytes) noexcept;
  /// Frees the space (removes the file). Idempotent.
  void release() noexcept {
    if (held_) ::unlink(path_.c_str());
    held_ = false;
  }
  bool held() const { return held_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool held_ = false;
};

/// Replaces `target` with `content` atomically: write target.tmp.<pid>, fdatasync (when `sync`),
/// close, then rename(2). On any failure (a full disk, a file-size limit, a failing close) the
/// temporary file is removed, the old target is left as it was, and the error is thrown with the
/// path and the system's reason. So a reader, or a crash, sees the old file or the new one whole.
VITALS_INLINE void atomic_write_file(const std::filesystem::path& target, std::string_view content, bool sync = true);

}  // namespace vitals::detail

#if VITALS_HEADER_BODIES
#include "vitals/format/file.ipp"
#endif
