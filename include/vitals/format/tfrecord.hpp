// TFRecord framing, the container of TensorBoard event files (one Event proto a record):
//   u64 length (little-endian) | u32 masked CRC-32C of those 8 bytes | data | u32 masked CRC-32C of data
// plus a reader that checks both checksums (for vitals' own tests and tools; the oracle for what
// TensorBoard accepts is TensorBoard's reader).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "vitals/format/crc32.hpp"

namespace vitals::inline VITALS_ABI::detail {
inline void append_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

inline std::uint64_t read_le(std::string_view s, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(s[static_cast<std::size_t>(i)])} << (8 * i);
  return v;
}

/// Appends one framed record holding `data` to `out`.
inline void append_tfrecord(std::string& out, std::string_view data) {
  const std::size_t start = out.size();
  append_le(out, data.size(), 8);
  append_le(out, masked_crc32c(std::string_view(out).substr(start, 8)), 4);
  out.append(data.data(), data.size());
  append_le(out, masked_crc32c(data), 4);
}

/// Walks the records of a TFRecord byte string. next() returns the next record's data, nullopt at
/// a clean end; a truncated tail (a crash mid-write) or a checksum mismatch throws.
class tfrecord_reader {
 public:
  explicit tfrecord_reader(std::string_view data) : data_(data) {}

  std::optional<std::string_view> next() {
    if (pos_ == data_.size()) return std::nullopt;
    if (data_.size() - pos_ < 12) throw std::runtime_error("tfrecord: truncated header");
    const std::string_view len_bytes = data_.substr(pos_, 8);
    if (read_le(data_.substr(pos_ + 8, 4), 4) != masked_crc32c(len_bytes))
      throw std::runtime_error("tfrecord: length checksum mismatch");
    const std::uint64_t len = read_le(len_bytes, 8);
    pos_ += 12;
    if (len > data_.size() - pos_ || data_.size() - pos_ - len < 4) throw std::runtime_error("tfrecord: truncated record");
    const std::string_view rec = data_.substr(pos_, static_cast<std::size_t>(len));
    pos_ += static_cast<std::size_t>(len);
    if (read_le(data_.substr(pos_, 4), 4) != masked_crc32c(rec)) throw std::runtime_error("tfrecord: data checksum mismatch");
    pos_ += 4;
    return rec;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace vitals::detail
