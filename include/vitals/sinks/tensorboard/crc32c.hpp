// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF) and the
// masked form TFRecord files (TensorBoard event files) store.
//
// Not the zlib CRC-32 of vitals/sinks/wandb/crc32.hpp: another polynomial. A slice-by-1 table is
// enough here: TensorBoard records are small (one step of scalars).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vitals::detail {

inline constexpr std::array<std::uint32_t, 256> crc32c_table = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (0x82F63B78u ^ (c >> 1)) : (c >> 1);
    t[i] = c;
  }
  return t;
}();

/// Continues a CRC-32C over more bytes: crc32c_update(crc32c_update(0, a), b) == crc32c(a + b).
constexpr std::uint32_t crc32c_update(std::uint32_t crc, std::string_view data) {
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  for (char ch : data) c = crc32c_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

constexpr std::uint32_t crc32c(std::string_view data) { return crc32c_update(0, data); }

/// TFRecord's (and LevelDB's) mask: rotate right by 15 bits and add a constant, so that a CRC
/// stored inside checksummed data does not checksum to a fixed value.
constexpr std::uint32_t mask_crc32c(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
constexpr std::uint32_t unmask_crc32c(std::uint32_t masked) {
  const std::uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

constexpr std::uint32_t masked_crc32c(std::string_view data) { return mask_crc32c(crc32c(data)); }

static_assert(crc32c("123456789") == 0xE3069283u);

}  // namespace vitals::detail
