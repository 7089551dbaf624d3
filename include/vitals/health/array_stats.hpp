// Statistics of a whole contiguous array in one call, fast enough to run on every epoch's data:
// the CPU reference for the GPU kernels and the host path for data/generation/parameter stats.
//
// accumulator::add() is exact-order Welford with a division per element, which no compiler can
// vectorise. Here the array is cut into small blocks that stay in L1: a first pass takes sum, sum
// of squares, sum of |x|, min and max in several independent lanes (so the compiler can keep them
// in SIMD registers without -ffast-math), a second pass the squared deviations from the block mean
// (two-pass: no cancellation when |mean| >> std). Each block is then Chan-merged into the result,
// which is the same accumulator one add() per element would give, up to rounding.
// A block holding NaN/Inf shows up as a non-finite block sum and is redone element by element, so
// non-finite values are counted and kept out of every other field, exactly as add() does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "vitals/health/accumulator.hpp"
#include "vitals/health/dtype.hpp"

namespace vitals {

namespace detail {

inline constexpr std::size_t stats_block_size = 2048;  // 8-16 KiB of input: stays in L1
inline constexpr std::size_t stats_lanes = 8;

struct identity_load {
  template <class T>
  constexpr double operator()(T v) const { return static_cast<double>(v); }
};

// One block (n <= stats_block_size, n > 0) -> its accumulator.
template <class T, class Load>
accumulator block_stats(const T* p, std::size_t n, Load load) {
  constexpr std::size_t L = stats_lanes;
  double s[L] = {}, sq[L] = {}, sa[L] = {};
  double mn[L], mx[L];
  for (std::size_t j = 0; j < L; ++j) {
    mn[j] = __builtin_huge_val();
    mx[j] = -__builtin_huge_val();
  }
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    for (std::size_t j = 0; j < L; ++j) {
      double v = load(p[i + j]);
      s[j] += v;
      sq[j] += v * v;
      sa[j] += v < 0 ? -v : v;
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
    }
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    double v = load(p[i]);
    s[j] += v;
    sq[j] += v * v;
    sa[j] += v < 0 ? -v : v;
    mn[j] = v < mn[j] ? v : mn[j];
    mx[j] = v > mx[j] ? v : mx[j];
  }
  double sum = 0, sum_sq = 0, sum_abs = 0, lo = mn[0], hi = mx[0];
  for (std::size_t j = 0; j < L; ++j) {
    sum += s[j];
    sum_sq += sq[j];
    sum_abs += sa[j];
    lo = mn[j] < lo ? mn[j] : lo;
    hi = mx[j] > hi ? mx[j] : hi;
  }
  accumulator a;
  // NaN/Inf anywhere makes the sum non-finite (float and half inputs cannot overflow a double sum
  // of one block; a double input that does is still handled correctly by the slow path).
  if (!accumulator::is_finite(sum) || !accumulator::is_finite(sum_sq)) {
    for (std::size_t k = 0; k < n; ++k) a.add(load(p[k]));
    return a;
  }
  const double mean = sum / static_cast<double>(n);
  double d2[L] = {};
  i = 0;
  for (; i + L <= n; i += L) {
    for (std::size_t j = 0; j < L; ++j) {
      double d = load(p[i + j]) - mean;
      d2[j] += d * d;
    }
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    double d = load(p[i]) - mean;
    d2[j] += d * d;
  }
  double m2 = 0;
  for (std::size_t j = 0; j < L; ++j) m2 += d2[j];
  a.count = n;
  a.mean = mean;
  a.m2 = m2;
  a.sum_sq = sum_sq;
  a.sum_abs = sum_abs;
  a.min = lo;
  a.max = hi;
  a.absmax = -lo > hi ? -lo : hi;
  return a;
}

}  // namespace detail

/// Statistics of n values read through `load` (element -> double); `load` lets fp16/bf16 or any
/// other storage type use the same fast path (see vitals/health/dtype.hpp for the converters).
template <class T, class Load>
  requires std::is_invocable_r_v<double, Load, const T&>
accumulator accumulate(const T* data, std::size_t n, Load load) {
  accumulator total;
  for (std::size_t off = 0; off < n; off += detail::stats_block_size) {
    std::size_t len = n - off < detail::stats_block_size ? n - off : detail::stats_block_size;
    total.merge(detail::block_stats(data + off, len, load));
  }
  return total;
}

/// Statistics of a float array (accumulated in double).
inline accumulator accumulate(std::span<const float> data) {
  return accumulate(data.data(), data.size(), detail::identity_load{});
}

/// Statistics of a double array.
inline accumulator accumulate(std::span<const double> data) {
  return accumulate(data.data(), data.size(), detail::identity_load{});
}

/// Statistics of n elements of type `t` (fp32/fp16/bf16) stored at `data`; half types are decoded
/// exactly (vitals/health/dtype.hpp) and accumulated in double like float input.
inline accumulator accumulate(const void* data, std::size_t n, dtype t) {
  switch (t) {
    case dtype::f32: return accumulate(static_cast<const float*>(data), n, detail::identity_load{});
    case dtype::f16:
      return accumulate(static_cast<const std::uint16_t*>(data), n,
                        [](std::uint16_t h) { return static_cast<double>(f16_to_float(h)); });
    case dtype::bf16:
      return accumulate(static_cast<const std::uint16_t*>(data), n,
                        [](std::uint16_t h) { return static_cast<double>(bf16_to_float(h)); });
  }
  return {};
}

}  // namespace vitals
