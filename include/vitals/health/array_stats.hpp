// Statistics of a whole contiguous array in one call, fast enough to run on every epoch's data:
// the CPU reference for the GPU kernels and the host path for data/generation/parameter stats.
//
// accumulator::add() is exact-order Welford with a division per element, which no compiler can
// vectorise. Here the array is cut into blocks of 2048 elements; each block's sums are taken in
// SIMD lanes and the block is Chan-merged into the result, which is the accumulator one add() per
// element would give, up to rounding.
//
// Inside a block, one pass sums d = x - K, d^2, x^2 and |x| (double lanes) and takes min and max,
// where K is the block's first element: m2 = sum(d^2) - sum(d)^2 / n. The shift bounds the
// cancellation: K is one of the block's values, so (K - mean)^2 <= n * variance, and m2 loses at
// most log10(n) ~ 3.3 digits (relative error <~ n * 2^-53 ~ 3e-13), however large |mean| / std.
// With GCC/Clang vector extensions (not under nvcc) fp32, bf16 and fp64 loads are explicit 128-bit
// vectors (whatever -m flags a file has); other element types, and every type under nvcc, use the
// same pass in scalar lanes laid out and summed as the vector lanes are: every path gives the same bits.
// A block holding NaN/Inf shows up as a non-finite sum and is redone element by element, so
// non-finite values are counted and kept out of every other field, exactly as add() does.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "vitals/health/accumulator.hpp"
#include "vitals/health/dtype.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

inline constexpr std::size_t stats_block_size = 2048;  // 8-16 KiB of input: stays in L1
inline constexpr std::size_t stats_lanes = 4;

struct identity_load {
  template <class T>
  constexpr double operator()(T v) const { return static_cast<double>(v); }
};

// Finishes a block from its shifted sums; returns false if the block holds NaN/Inf.
inline bool finish_block(accumulator& a, std::size_t n, double k, double s, double q, double sq, double sa,
                         double lo, double hi) {
  if (!accumulator::is_finite(s) || !accumulator::is_finite(q) || !accumulator::is_finite(sq)) return false;
  const double dn = static_cast<double>(n);
  const double m2 = q - s * s / dn;
  a.count = n;
  a.mean = k + s / dn;
  a.m2 = m2 > 0 ? m2 : 0;
  a.sum_sq = sq;
  a.sum_abs = sa;
  a.min = lo;
  a.max = hi;
  a.absmax = -lo > hi ? -lo : hi;
  return true;
}

template <class T, class Load>
accumulator block_slow(const T* p, std::size_t n, Load load) {
  accumulator a;
  for (std::size_t k = 0; k < n; ++k) a.add(load(p[k]));
  return a;
}

// One block (0 < n <= stats_block_size) in scalar lanes (any element type). The lanes, the order
// in which they are summed and the tail loop are those of simd::block_stats below, so both paths
// give the same bits: which one a file compiles (nvcc cannot parse the vector code) never changes a
// statistic.
template <class T, class Load>
accumulator block_stats(const T* p, std::size_t n, Load load) {
  constexpr std::size_t L = stats_lanes, H = L / 2;
  const double k = load(p[0]);
  double s[L] = {}, q[L] = {}, sq[L] = {}, sa[L] = {}, mn[L], mx[L];
  for (std::size_t j = 0; j < L; ++j) mn[j] = mx[j] = k;
  const std::size_t body = n - n % L;
  for (std::size_t i = 0; i < body; i += L) {
    for (std::size_t j = 0; j < L; ++j) {
      double v = load(p[i + j]), d = v - k;
      s[j] += d;
      q[j] += d * d;
      sq[j] += v * v;
      sa[j] += v < 0 ? -v : v;
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
    }
  }
  double ts = 0, tq = 0, tsq = 0, tsa = 0, lo = k, hi = k;
  for (std::size_t j = 0; j < H; ++j) {  // lane j and lane j + H are one vector lane's two halves
    ts += s[j] + s[j + H];
    tq += q[j] + q[j + H];
    tsq += sq[j] + sq[j + H];
    tsa += sa[j] + sa[j + H];
    lo = mn[j] < lo ? mn[j] : lo;
    lo = mn[j + H] < lo ? mn[j + H] : lo;
    hi = mx[j] > hi ? mx[j] : hi;
    hi = mx[j + H] > hi ? mx[j + H] : hi;
  }
  for (std::size_t i = body; i < n; ++i) {
    double v = load(p[i]), d = v - k;
    ts += d;
    tq += d * d;
    tsq += v * v;
    tsa += v < 0 ? -v : v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  accumulator a;
  if (!finish_block(a, n, k, ts, tq, tsq, tsa, lo, hi)) return block_slow(p, n, load);
  return a;
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define VITALS_DETAIL_VECTOR_STATS 1
namespace simd {
// 128-bit vectors (SSE2, the x86-64 baseline) whatever the target flags: files built with -mavx2 and
// without compute the same lanes and the same bits (an inline body must not depend on flags that
// differ between the files of one program). Two vectors per step, x = lanes 0-1 and y = lanes 2-3:
// the layout of the scalar lanes above. (256-bit vectors measured no faster on the bench VM, and
// without AVX the compiler splits them badly: 0.2 GB/s.)
inline constexpr std::size_t width = stats_lanes / 2;  // doubles per vector
typedef double vd __attribute__((vector_size(width * 8)));
typedef double vd_u __attribute__((vector_size(width * 8), aligned(8)));
typedef float vf __attribute__((vector_size(width * 8)));  // 2 * width floats
typedef float vf_u __attribute__((vector_size(width * 8), aligned(4)));
typedef std::uint32_t vu __attribute__((vector_size(width * 8)));
typedef std::uint16_t vh_u __attribute__((vector_size(width * 4), aligned(2)));

inline void split(const vf& w, vd& lo, vd& hi) {
  lo = __builtin_convertvector(__builtin_shufflevector(w, w, 0, 1), vd);
  hi = __builtin_convertvector(__builtin_shufflevector(w, w, 2, 3), vd);
}

// Loaders: 2 * width elements -> two vectors of doubles, and one element -> double.
struct f32_loader {
  using element = float;
  static void load(const float* p, vd& lo, vd& hi) {
    vf w = *reinterpret_cast<const vf_u*>(p);  // an unaligned load into an aligned register value
    split(w, lo, hi);
  }
  static double scalar(float v) { return v; }
};
struct bf16_loader {
  using element = std::uint16_t;
  static void load(const std::uint16_t* p, vd& lo, vd& hi) {
    vu bits = __builtin_convertvector(*reinterpret_cast<const vh_u*>(p), vu) << 16;
    vf w;
    __builtin_memcpy(&w, &bits, sizeof w);
    split(w, lo, hi);
  }
  static double scalar(std::uint16_t h) { return bf16_to_float(h); }
};
struct f64_loader {
  using element = double;
  static void load(const double* p, vd& lo, vd& hi) {
    lo = *reinterpret_cast<const vd_u*>(p);
    hi = *reinterpret_cast<const vd_u*>(p + width);
  }
  static double scalar(double v) { return v; }
};

inline double hsum(const vd& v) {
  double t = 0;
  for (std::size_t j = 0; j < width; ++j) t += v[j];
  return t;
}

template <class Loader>
accumulator block_stats(const typename Loader::element* p, std::size_t n) {
  constexpr std::size_t step = 2 * width;
  const double k = Loader::scalar(p[0]);
  const vd K = k + vd{};
  vd s0{}, s1{}, q0{}, q1{}, sq0{}, sq1{}, a0{}, a1{}, mn0 = K, mn1 = K, mx0 = K, mx1 = K;
  const std::size_t body = n - n % step;
  for (std::size_t i = 0; i < body; i += step) {
    vd x, y;
    // Software prefetch 4 KiB ahead: the loop body is long enough that out-of-order execution
    // alone keeps too few cache misses in flight (measured: 1.2 -> 3.1 GB/s on the bench VM).
    // A prefetch past the end of the array is harmless (it never faults).
    __builtin_prefetch(reinterpret_cast<const char*>(p + i) + 4096);
    Loader::load(p + i, x, y);
    vd d = x - K, e = y - K;
    s0 += d;
    s1 += e;
    q0 += d * d;
    q1 += e * e;
    sq0 += x * x;
    sq1 += y * y;
    a0 += x < 0 ? -x : x;
    a1 += y < 0 ? -y : y;
    mn0 = x < mn0 ? x : mn0;
    mn1 = y < mn1 ? y : mn1;
    mx0 = x > mx0 ? x : mx0;
    mx1 = y > mx1 ? y : mx1;
  }
  double s = hsum(s0 + s1), q = hsum(q0 + q1), sq = hsum(sq0 + sq1), sa = hsum(a0 + a1), lo = k, hi = k;
  for (std::size_t j = 0; j < width; ++j) {
    lo = mn0[j] < lo ? mn0[j] : lo;
    lo = mn1[j] < lo ? mn1[j] : lo;
    hi = mx0[j] > hi ? mx0[j] : hi;
    hi = mx1[j] > hi ? mx1[j] : hi;
  }
  for (std::size_t i = body; i < n; ++i) {
    double v = Loader::scalar(p[i]), d = v - k;
    s += d;
    q += d * d;
    sq += v * v;
    sa += v < 0 ? -v : v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  accumulator a;
  if (!finish_block(a, n, k, s, q, sq, sa, lo, hi))
    return block_slow(p, n, [](typename Loader::element v) { return Loader::scalar(v); });
  return a;
}

template <class Loader>
accumulator accumulate(const typename Loader::element* data, std::size_t n) {
  accumulator total;
  for (std::size_t off = 0; off < n; off += stats_block_size) {
    std::size_t len = n - off < stats_block_size ? n - off : stats_block_size;
    total.merge(block_stats<Loader>(data + off, len));
  }
  return total;
}
}  // namespace simd
#endif

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

// The overloads below compile the vector path or (under nvcc) the scalar lanes. Both give the same
// bits, but their bodies differ, so each form gets its own name: a program linking .cu and .cpp files
// never has two different definitions of one inline function (the ODR).
#if defined(VITALS_DETAIL_VECTOR_STATS)
#define VITALS_DETAIL_STATS_ABI stats_vector
#else
#define VITALS_DETAIL_STATS_ABI stats_scalar
#endif
inline namespace VITALS_DETAIL_STATS_ABI {

/// Statistics of a float array (accumulated in double).
inline accumulator accumulate(std::span<const float> data) {
#if defined(VITALS_DETAIL_VECTOR_STATS)
  return detail::simd::accumulate<detail::simd::f32_loader>(data.data(), data.size());
#else
  return vitals::accumulate(data.data(), data.size(), detail::identity_load{});
#endif
}

/// Statistics of a double array.
inline accumulator accumulate(std::span<const double> data) {
#if defined(VITALS_DETAIL_VECTOR_STATS)
  return detail::simd::accumulate<detail::simd::f64_loader>(data.data(), data.size());
#else
  return vitals::accumulate(data.data(), data.size(), detail::identity_load{});
#endif
}

/// Statistics of n elements of type `t` (fp32/fp16/bf16) stored at `data`; half types are decoded
/// exactly (vitals/health/dtype.hpp) and accumulated in double like float input.
inline accumulator accumulate(const void* data, std::size_t n, dtype t) {
  switch (t) {
    case dtype::f32: return accumulate(std::span<const float>(static_cast<const float*>(data), n));
    case dtype::f16:
      return vitals::accumulate(static_cast<const std::uint16_t*>(data), n,
                        [](std::uint16_t h) { return static_cast<double>(f16_to_float(h)); });
    case dtype::bf16:
#if defined(VITALS_DETAIL_VECTOR_STATS)
      return detail::simd::accumulate<detail::simd::bf16_loader>(static_cast<const std::uint16_t*>(data), n);
#endif
      return vitals::accumulate(static_cast<const std::uint16_t*>(data), n,
                        [](std::uint16_t h) { return static_cast<double>(bf16_to_float(h)); });
  }
  return {};
}

}  // namespace VITALS_DETAIL_STATS_ABI
}  // namespace vitals
