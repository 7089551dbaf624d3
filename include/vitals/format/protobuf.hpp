// The protobuf wire format, written and read without libprotobuf or generated code: the one
// encoder behind both the `.wandb` records (wandb_internal.Record) and TensorBoard's
// Event/Summary/HistogramProto.
//
// Proto3 rules that matter for byte-compatibility with what wandb and TensorFlow write: scalar
// fields equal to their default (0, "", false) are omitted; a present sub-message is written even
// when empty (`step {}` on a history record at step 0); a field inside a oneof is written even when
// 0 (its presence counts: TensorBoard's simple_value); lengths are minimal varints. Negative
// int32/int64 are sign-extended to 10-byte varints; zigzag (sint32/sint64) is there for messages
// that use it (neither format does today).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vitals::inline VITALS_ABI::detail {
enum class wire_type : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

/// sint64's zigzag mapping (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...), so small negative numbers stay short.
constexpr std::uint64_t zigzag_encode(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
constexpr std::int64_t zigzag_decode(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }
static_assert(zigzag_encode(-1) == 1 && zigzag_encode(1) == 2 && zigzag_decode(3) == -2);

/// Appends protobuf fields to a byte string. Sub-messages are written in place: begin_message()
/// reserves one length byte and end_message() widens it when the body turned out longer than 127
/// bytes, so nothing is encoded twice.
class pb_writer {
 public:
  explicit pb_writer(std::string& out) : out_(&out) {}

  std::string& bytes() { return *out_; }

  /// Writes v as a base-128 varint into buf (10 bytes suffice for 64 bits); returns its length.
  static std::size_t encode_varint(std::uint64_t v, char* buf) {
    std::size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    return n;
  }

  void varint(std::uint64_t v) {
    char buf[10];
    out_->append(buf, encode_varint(v, buf));
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

  /// A float field written even when 0: a oneof member, whose presence counts (TensorBoard's
  /// Summary.Value.simple_value).
  void float_field_always(std::uint32_t field, float v) {
    tag(field, wire_type::fixed32);
    char buf[4];
    std::memcpy(buf, &v, 4);  // little-endian, as above
    out_->append(buf, 4);
  }
  /// A packed repeated double field (proto3's default for repeated scalars); omitted when empty.
  void packed_doubles_field(std::uint32_t field, const double* v, std::size_t n) {
    if (n == 0) return;
    tag(field, wire_type::length_delimited);
    varint(n * 8);
    for (std::size_t i = 0; i < n; ++i) {
      char buf[8];
      std::memcpy(buf, &v[i], 8);
      out_->append(buf, 8);
    }
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
    out_->replace(body_start - 1, 1, buf, encode_varint(len, buf));
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
