// One program, several files that include vitals with different flags (-mavx2, nvcc): each file
// computes the same statistics through its own copy of vitals' inline code; main.cpp checks that all
// copies agree to the bit. Built from the same source in every file (the name is set per file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "vitals/health/array_stats.hpp"

namespace odr {

inline constexpr std::size_t sizes[] = {1, 7, 8, 9, 31, 2047, 2048, 2049, 10007};
inline constexpr std::size_t n_sizes = sizeof(sizes) / sizeof(sizes[0]);
inline constexpr int n_kinds = 4;  // f32, f64, bf16, f16

// Deterministic data with a large offset (the shifted sums must not cancel) and a spread of scales.
inline std::vector<double> values(std::size_t n) {
  std::vector<double> v(n);
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v[i] = 1000.0 + static_cast<double>(x % 100000) / 977.0 - 51.0;
  }
  return v;
}

inline std::uint16_t to_bf16(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return static_cast<std::uint16_t>(b >> 16);
}

// Statistics of sizes[i] values stored as kind k, computed with this file's copy of vitals. Internal
// linkage: the linker must not merge the files' copies of this function, or the test would compare
// one copy with itself.
[[maybe_unused]] static vitals::accumulator compute(std::size_t i, int k) {
  auto v = values(sizes[i]);
  std::vector<float> f(v.begin(), v.end());
  std::vector<std::uint16_t> h(v.size());
  switch (k) {
    case 0: return vitals::accumulate(std::span<const float>(f));
    case 1: return vitals::accumulate(std::span<const double>(v));
    case 2:
      for (std::size_t j = 0; j < v.size(); ++j) h[j] = to_bf16(f[j]);
      return vitals::accumulate(h.data(), h.size(), vitals::dtype::bf16);
    default:
      for (std::size_t j = 0; j < v.size(); ++j) h[j] = static_cast<std::uint16_t>(0x3c00 + j % 1000);  // fp16 1..2
      return vitals::accumulate(h.data(), h.size(), vitals::dtype::f16);
  }
}

using compute_fn = vitals::accumulator (*)(std::size_t, int);

}  // namespace odr
