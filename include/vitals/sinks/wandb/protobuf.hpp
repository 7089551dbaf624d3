// A protobuf wire-format encoder (and a small decoder) for the few messages vitals writes to a
// `.wandb` file — no libprotobuf, no generated code.
//
// Proto3 rules that matter for byte-compatibility with what wandb writes: scalar fields equal to
// their default (0, "", false) are omitted; a present sub-message is written even when empty
// (`step {}` on a history record at step 0); lengths are minimal varints. Negative int32/int64 are
// sign-extended to 10-byte varints (no zigzag: W&B uses no sint types).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vitals::detail {

enum class wire_type : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

/// Appends protobuf fields to a byte string. Sub-messages are written in place: begin_message()
/// reserves one length byte and end_message() widens it when the body turned out longer than 127
/// bytes, so nothing is encoded twice.
class pb_writer {
 public:
  explicit pb_writer(std::string& out) : out_(&out) {}

  std::string& bytes() { return *out_; }

  void varint(std::uint64_t v) {
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->append(buf, static_cast<std::size_t>(n));
  }

  void tag(std::uint32_t field, wire_type t) { varint((std::uint64_t{field} << 3) | static_cast<std::uint8_t>(t)); }

  // Scalar fields: omitted when equal to the proto3 default, as protobuf's own serializer does.
  void int64_field(std::uint32_t field, std::int64_t v) {
    if (v == 0) return;
    tag(field, wire_type::varint);
    varint(static_cast<std::uint64_t>(v));
  }
  void int32_field(std::uint32_t field, std::int32_t v) { int64_field(field, v); }  // sign-extends
  void bool_field(std::uint32_t field, bool v) {
    if (!v) return;
    tag(field, wire_type::varint);
    varint(1);
  }
  void enum_field(std::uint32_t field, int v) { int64_field(field, v); }
  void double_field(std::uint32_t field, double v) {
    if (v == 0.0 && !std::signbit(v)) return;
    tag(field, wire_type::fixed64);
    char buf[8];
    std::memcpy(buf, &v, 8);  // protobuf is little-endian; so is every target vitals supports
    out_->append(buf, 8);
  }
  void string_field(std::uint32_t field, std::string_view s) {
    if (s.empty()) return;
    bytes_field(field, s);
  }
  /// A length-delimited field written even when empty (repeated strings, present sub-messages).
  void bytes_field(std::uint32_t field, std::string_view s) {
    tag(field, wire_type::length_delimited);
    varint(s.size());
    out_->append(s.data(), s.size());
  }

  /// Starts a sub-message; returns the token end_message() needs.
  std::size_t begin_message(std::uint32_t field) {
    tag(field, wire_type::length_delimited);
    out_->push_back('\0');
    return out_->size();
  }
  void end_message(std::size_t body_start) {
    const std::size_t len = out_->size() - body_start;
    if (len < 0x80) {
      (*out_)[body_start - 1] = static_cast<char>(len);
      return;
    }
    char buf[10];
    int n = 0;
    std::uint64_t v = len;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->replace(body_start - 1, 1, buf, static_cast<std::size_t>(n));
  }

 private:
  std::string* out_;
};

/// One field read back by pb_reader: the varint/fixed value or the length-delimited bytes.
struct pb_field {
  std::uint32_t number = 0;
  wire_type type = wire_type::varint;
  std::uint64_t value = 0;  // varint, fixed32, fixed64 (bit pattern)
  std::string_view bytes;   // length_delimited
};

/// Walks the fields of one serialized message. Used by vitals' own tests and tools; the oracle for
/// what wandb accepts is wandb's reader, not this.
class pb_reader {
 public:
  explicit pb_reader(std::string_view data) : data_(data) {}

  /// The next field, or nullopt at the end. Throws std::runtime_error on malformed input.
  std::optional<pb_field> next() {
    if (pos_ >= data_.size()) return std::nullopt;
    pb_field f;
    const std::uint64_t key = read_varint();
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.type = static_cast<wire_type>(key & 7);
    switch (f.type) {
      case wire_type::varint: f.value = read_varint(); break;
      case wire_type::fixed64: f.value = read_fixed(8); break;
      case wire_type::fixed32: f.value = read_fixed(4); break;
      case wire_type::length_delimited: {
        const std::uint64_t n = read_varint();
        if (n > data_.size() - pos_) throw std::runtime_error("protobuf: length-delimited field overruns the message");
        f.bytes = data_.substr(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        break;
      }
      default: throw std::runtime_error("protobuf: unsupported wire type " + std::to_string(key & 7));
    }
    return f;
  }

 private:
  std::uint64_t read_varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw std::runtime_error("protobuf: truncated varint");
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= std::uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("protobuf: varint longer than 10 bytes");
  }
  std::uint64_t read_fixed(int n) {
    if (data_.size() - pos_ < static_cast<std::size_t>(n)) throw std::runtime_error("protobuf: truncated fixed field");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(data_[pos_ + i])} << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace vitals::detail
