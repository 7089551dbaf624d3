// CRC-32 (IEEE 802.3 / zlib polynomial 0xEDB88320, reflected, init and final xor 0xFFFFFFFF).
//
// W&B's log chunks are checksummed with zlib.crc32 — plain CRC-32, not LevelDB's masked CRC-32C —
// so this is the checksum the `.wandb` reader verifies. A slice-by-1 table is enough: checksumming
// is a few percent of the cost of encoding a record at run time; slice-by-8 keeps it so for big
// records (histograms) too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vitals::detail {

inline constexpr std::array<std::array<std::uint32_t, 256>, 8> crc32_tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
  return t;
}();

/// Continues a CRC-32 over more bytes: crc32_update(crc32_update(0, a), b) == crc32(a + b),
/// the same contract as zlib.crc32(data, start).
template <class Byte>
constexpr std::uint32_t crc32_update(std::uint32_t crc, const Byte* data, std::size_t n) {
  const auto& t = crc32_tables;
  std::uint32_t c = crc ^ 0xFFFFFFFFu;
  auto at = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])); };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {  // slice-by-8: eight table lookups per 8 bytes, no loop-carried shifts
    const std::uint32_t lo = c ^ (at(i) | at(i + 1) << 8 | at(i + 2) << 16 | at(i + 3) << 24);
    c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^ t[3][at(i + 4)] ^
        t[2][at(i + 5)] ^ t[1][at(i + 6)] ^ t[0][at(i + 7)];
  }
  for (; i < n; ++i) c = t[0][(c ^ at(i)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

constexpr std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) {
  return crc32_update(crc, bytes.data(), bytes.size());
}

constexpr std::uint32_t crc32(std::string_view bytes) { return crc32_update(0, bytes); }

static_assert(crc32("123456789") == 0xCBF43926u, "CRC-32/IEEE check value");

}  // namespace vitals::detail
