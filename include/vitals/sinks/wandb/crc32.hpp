// CRC-32 (IEEE 802.3 / zlib polynomial 0xEDB88320, reflected, init and final xor 0xFFFFFFFF).
//
// W&B's log chunks are checksummed with zlib.crc32 — plain CRC-32, not LevelDB's masked CRC-32C —
// so this is the checksum the `.wandb` reader verifies. A slice-by-1 table is enough: checksumming
// is a few percent of the cost of encoding a record.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vitals::detail {

inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    t[i] = c;
  }
  return t;
}();

/// Continues a CRC-32 over more bytes: crc32_update(crc32_update(0, a), b) == crc32(a + b),
/// the same contract as zlib.crc32(data, start).
constexpr std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* data, std::size_t n) {
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = crc32_table[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

constexpr std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) {
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  for (char ch : bytes) c = crc32_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

constexpr std::uint32_t crc32(std::string_view bytes) { return crc32_update(0, bytes); }

static_assert(crc32("123456789") == 0xCBF43926u, "CRC-32/IEEE check value");

}  // namespace vitals::detail
