// Streaming, mergeable statistics: count, mean, M2 (Welford), min, max, absmax, sum of squares,
// sum of |x|, and a count of non-finite values (which are kept out of every other field).
//
// The same code runs on the host (double) and in the CUDA kernels (per-thread float, merged in
// double), so it uses no std library calls that device code lacks. Merging uses Chan et al.'s
// pairwise update, so merging N partials equals one pass over the concatenation up to rounding.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>

#include "vitals/detail/hd.hpp"

namespace vitals::inline VITALS_ABI {
template <class T>
struct basic_accumulator {
  std::uint64_t count = 0;     // finite values seen
  std::uint64_t nonfinite = 0; // NaN or +-Inf values seen (excluded from the rest)
  T mean = 0;
  T m2 = 0;                    // sum of squared deviations from the mean
  T sum_sq = 0;                // sum of x^2 (the L2 norm's square), kept exactly as summed
  T sum_abs = 0;               // sum of |x|
  T min = __builtin_huge_val();
  T max = -__builtin_huge_val();
  T absmax = 0;

  VITALS_HD static constexpr bool is_finite(T x) { return x == x && x - x == 0; }

  VITALS_HD constexpr void add(T x) {
    if (!is_finite(x)) {
      ++nonfinite;
      return;
    }
    ++count;
    T delta = x - mean;
    mean += delta / static_cast<T>(count);
    m2 += delta * (x - mean);
    sum_sq += x * x;
    T ax = x < 0 ? -x : x;
    sum_abs += ax;
    if (x < min) min = x;
    if (x > max) max = x;
    if (ax > absmax) absmax = ax;
  }

  template <class U>
  VITALS_HD constexpr void merge(const basic_accumulator<U>& o) {
    nonfinite += o.nonfinite;
    if (o.count == 0) return;
    if (count == 0) {
      count = o.count;
      mean = static_cast<T>(o.mean);
      m2 = static_cast<T>(o.m2);
      sum_sq = static_cast<T>(o.sum_sq);
      sum_abs = static_cast<T>(o.sum_abs);
      min = static_cast<T>(o.min);
      max = static_cast<T>(o.max);
      absmax = static_cast<T>(o.absmax);
      return;
    }
    T n_a = static_cast<T>(count), n_b = static_cast<T>(o.count), n = n_a + n_b;
    T delta = static_cast<T>(o.mean) - mean;
    mean += delta * (n_b / n);
    m2 += static_cast<T>(o.m2) + delta * delta * (n_a * n_b / n);
    count += o.count;
    sum_sq += static_cast<T>(o.sum_sq);
    sum_abs += static_cast<T>(o.sum_abs);
    if (static_cast<T>(o.min) < min) min = static_cast<T>(o.min);
    if (static_cast<T>(o.max) > max) max = static_cast<T>(o.max);
    if (static_cast<T>(o.absmax) > absmax) absmax = static_cast<T>(o.absmax);
  }

  /// Population variance (numpy's default, ddof=0); 0 for fewer than two values.
  VITALS_HD constexpr T variance() const { return count > 1 ? m2 / static_cast<T>(count) : T(0); }
  /// Sample variance (ddof=1); 0 for fewer than two values.
  VITALS_HD constexpr T sample_variance() const { return count > 1 ? m2 / static_cast<T>(count - 1) : T(0); }
  VITALS_HD constexpr T mean_abs() const { return count ? sum_abs / static_cast<T>(count) : T(0); }
};

/// Host-side statistics accumulate in double.
using accumulator = basic_accumulator<double>;

}  // namespace vitals
