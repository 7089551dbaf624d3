// The two CRCs the sinks' file formats checksum with:
//  - CRC-32 (IEEE 802.3 / zlib, reflected polynomial 0xEDB88320): W&B's `.wandb` log chunks are
//    checksummed with zlib.crc32 - plain CRC-32, not LevelDB's masked CRC-32C (format/leveldb_log.hpp).
//  - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masked form TFRecord files
//    (TensorBoard event files, format/tfrecord.hpp) store.
// Both: init and final xor 0xFFFFFFFF; crc*_update continues over more bytes, as zlib.crc32(data, start).
//
// CRC-32 is slice-by-8 because W&B records can be large (histograms, tables) and checksumming must
// stay a few percent of encoding them; TensorBoard records are one step of scalars, so CRC-32C
// keeps the one-table loop.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vitals::inline VITALS_ABI::detail {
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

/// Continues a CRC-32 over more bytes: crc32_update(crc32_update(0, a), b) == crc32(a + b).
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

static_assert(crc32c("123456789") == 0xE3069283u, "CRC-32C check value");

/// TFRecord's (and LevelDB's) mask: rotate right by 15 bits and add a constant, so that a CRC
/// stored inside checksummed data does not checksum to a fixed value.
constexpr std::uint32_t mask_crc32c(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
constexpr std::uint32_t unmask_crc32c(std::uint32_t masked) {
  const std::uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

constexpr std::uint32_t masked_crc32c(std::string_view data) { return mask_crc32c(crc32c(data)); }

}  // namespace vitals::detail
