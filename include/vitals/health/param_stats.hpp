// Fused parameter statistics — grad norms, weight statistics, EMA diff and weight histogram — over
// every tensor of a tensor_table, computed on the CPU; and the EMA update, an operation of its own
// (update_ema) that reports the EMA diff it costs nothing to add.
//
// This is the CPU reference of the CUDA kernels in cuda/vitals/param_stats.cuh and the
// specification of their behaviour: both walk the same chunks (tensor_table.hpp) with the same
// per-thread partials and the same VITALS_HD functors defined here; only the load instructions and
// the order of the final (double) merges differ. Per-thread partials accumulate in float (as the
// kernel does, one thread sees at most 64 elements per chunk), chunk/tensor/global merges in
// double. Non-finite values are counted and kept out of every other statistic.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/detail/hd.hpp"
#include "vitals/health/accumulator.hpp"
#include "vitals/health/dtype.hpp"
#include "vitals/health/stat_set.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
/// The kernels' plan as bits: a stat_set's bits plus the EMA update, which is not a statistic but
/// shares the statistics' pass over the weights when both are wanted.
namespace plan {
inline constexpr unsigned grad = 1u << static_cast<unsigned>(param_stat::grad);
inline constexpr unsigned weight = 1u << static_cast<unsigned>(param_stat::weight);
inline constexpr unsigned ema_diff = 1u << static_cast<unsigned>(param_stat::ema_diff);
inline constexpr unsigned weight_histogram = 1u << static_cast<unsigned>(param_stat::weight_histogram);
inline constexpr unsigned ema_update = 1u << 16;  // e <- d*e + (1-d)*w, before the diff is taken
inline constexpr unsigned all = grad | weight | ema_diff | weight_histogram | ema_update;
}  // namespace plan

/// The set of statistics a plan computes (without the EMA update).
constexpr stat_set stats_of_plan(unsigned p) {
  stat_set s;
  s.bits_ = p & ~plan::ema_update;
  return s;
}
}  // namespace detail

/// Mergeable norm statistics of one buffer (or of a difference of two): count, non-finite count,
/// sum of squares, sum of |x|, max |x|. `ref_sum_sq` is the sum of squares of the reference the
/// difference is relative to (the weights, for the EMA diff); 0 otherwise.
struct norm_stats {
  std::uint64_t count = 0;
  std::uint64_t nonfinite = 0;
  double sum_sq = 0;
  double sum_abs = 0;
  double absmax = 0;
  double ref_sum_sq = 0;

  VITALS_HD constexpr void merge(const norm_stats& o) {
    count += o.count;
    nonfinite += o.nonfinite;
    sum_sq += o.sum_sq;
    sum_abs += o.sum_abs;
    if (o.absmax > absmax) absmax = o.absmax;
    ref_sum_sq += o.ref_sum_sq;
  }
  double l2() const { return std::sqrt(sum_sq); }
  double mean_abs() const { return count ? sum_abs / static_cast<double>(count) : 0.0; }
};

/// Everything computed for one tensor (or, merged, for all of them).
struct tensor_stats {
  norm_stats grad;
  accumulator weight;
  norm_stats ema_diff;

  VITALS_HD constexpr void merge(const tensor_stats& o) {
    grad.merge(o.grad);
    weight.merge(o.weight);
    ema_diff.merge(o.ema_diff);
  }
};

/// Options shared by the CPU reference and the CUDA path.
struct param_stats_options {
  float ema_decay = 0.999f;            // d in e <- d*e + (1-d)*w
  std::uint32_t histogram_bins = 64;   // at most max_histogram_bins
  /// Histogram range. When lo < hi the range is fixed. Otherwise the CUDA path uses the weights'
  /// [min, max] of the previous call (so one pass suffices; the first call has no histogram) and
  /// the CPU reference uses none.
  float histogram_lo = 0;
  float histogram_hi = 0;

  static constexpr std::uint32_t max_histogram_bins = 1024;
};

/// Counts of weights per bin over [lo, hi]; values outside go to underflow / overflow.
struct weight_histogram {
  float lo = 0;
  float hi = 0;
  std::vector<std::uint64_t> counts;  // empty: no histogram this step
  std::uint64_t underflow = 0;
  std::uint64_t overflow = 0;
  bool valid() const { return !counts.empty(); }
};

/// Metrics with owned keys (per-tensor names such as "grad_norm/layer1.weight"). Move-only: the
/// metrics' keys view the strings it owns.
struct owned_metrics {
  std::vector<std::string> keys;
  std::vector<metric> metrics;
  owned_metrics() = default;
  owned_metrics(owned_metrics&&) = default;
  owned_metrics& operator=(owned_metrics&&) = default;
  owned_metrics(const owned_metrics&) = delete;
  owned_metrics& operator=(const owned_metrics&) = delete;
};

/// The results of one call: global (`total`) and per tensor, in table order.
struct param_stats_result {
  stat_set computed;  // the statistics these results hold
  tensor_stats total;
  std::vector<tensor_stats> per_tensor;
  weight_histogram histogram;

  /// Global L2 norm of all gradients (the total norm clip_grad_norm_ returns).
  double grad_norm() const { return total.grad.l2(); }
  double grad_absmax() const { return total.grad.absmax; }
  /// mean |w| over all parameters (DESIGN.md: a signed mean is ~0 for every healthy model).
  double weight_mean() const { return total.weight.mean_abs(); }
  /// Population standard deviation of w (ddof = 0, numpy's default).
  double weight_std() const { return std::sqrt(total.weight.variance()); }
  double weight_min() const { return total.weight.count ? total.weight.min : 0.0; }
  /// max |w| (the "exploding weights" threshold applies to it).
  double weight_max() const { return total.weight.absmax; }
  /// mean |e - w|.
  double ema_diff() const { return total.ema_diff.mean_abs(); }
  double ema_diff_l2() const { return total.ema_diff.l2(); }
  /// ||e - w||_2 / ||w||_2 over the parameters that have an EMA; 0 when ||w|| is 0.
  double ema_diff_rel() const {
    return total.ema_diff.ref_sum_sq > 0 ? total.ema_diff.l2() / std::sqrt(total.ema_diff.ref_sum_sq) : 0.0;
  }

  /// Divides the gradient statistics (norms, |g| sums and maxima, global and per tensor) by the
  /// mixed-precision loss scale the gradients were multiplied by, so they describe the gradients the
  /// optimizer will apply. Exact up to one rounding per value; non-finite counts are kept (an
  /// overflow in the scaled gradients is what a loss scaler looks for).
  VITALS_INLINE void unscale_gradients(double loss_scale);

  /// The global metrics, named per DESIGN.md: train/grad_norm, model/weight_{mean,std,max},
  /// model/ema_diff{,_l2,_rel}, plus max |g|, min w and non-finite counts. Only computed ones.
  VITALS_INLINE std::vector<metric> to_metrics() const;

  /// Per-tensor metrics named after the table's parameters: grad_norm/<name>,
  /// weight_absmax/<name>, ema_diff/<name> (only computed ones).
  VITALS_INLINE owned_metrics per_tensor_metrics(const tensor_table& table) const;

  /// The same with the names given in table order (device_param_stats::names() keeps them).
  VITALS_INLINE owned_metrics per_tensor_metrics(const std::vector<std::string>& names) const;
};

namespace detail {

/// The weight moments are also needed for the histogram's next range (the previous call's min/max).
VITALS_HD constexpr bool computes_moments(unsigned s) { return (s & (plan::weight | plan::weight_histogram)) != 0; }

VITALS_HD constexpr bool finite_f(float x) { return x == x && x - x == 0.0f; }
VITALS_HD constexpr float abs_f(float x) { return x < 0.0f ? -x : x; }

/// Per-thread norm partial, in float.
struct thread_norm {
  float sum_sq = 0, sum_abs = 0, absmax = 0, ref_sum_sq = 0;
  std::uint32_t count = 0, nonfinite = 0;

  VITALS_HD void add(float x) {
    if (!finite_f(x)) {
      ++nonfinite;
      return;
    }
    ++count;
    sum_sq += x * x;
    const float ax = abs_f(x);
    sum_abs += ax;
    if (ax > absmax) absmax = ax;
  }
  VITALS_HD norm_stats to_double() const {
    norm_stats s;
    s.count = count;
    s.nonfinite = nonfinite;
    s.sum_sq = sum_sq;
    s.sum_abs = sum_abs;
    s.absmax = absmax;
    s.ref_sum_sq = ref_sum_sq;
    return s;
  }
};

/// Per-thread moments partial, in float, shifted by the thread's first finite value so the
/// variance does not cancel catastrophically when |mean| >> std.
struct thread_moments {
  float shift = 0, sum_d = 0, sum_d2 = 0, sum_sq = 0, sum_abs = 0;
  float min = __builtin_huge_valf(), max = -__builtin_huge_valf();
  std::uint32_t count = 0, nonfinite = 0;

  VITALS_HD void add(float x) {
    if (!finite_f(x)) {
      ++nonfinite;
      return;
    }
    if (count == 0) shift = x;
    ++count;
    const float d = x - shift;
    sum_d += d;
    sum_d2 += d * d;
    sum_sq += x * x;
    sum_abs += abs_f(x);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  VITALS_HD accumulator to_double() const {
    accumulator a;
    a.nonfinite = nonfinite;
    if (count == 0) return a;
    const double n = count, sd = sum_d;
    a.count = count;
    a.mean = static_cast<double>(shift) + sd / n;
    const double m2 = static_cast<double>(sum_d2) - sd * sd / n;
    a.m2 = m2 > 0 ? m2 : 0.0;
    a.sum_sq = sum_sq;
    a.sum_abs = sum_abs;
    a.min = min;
    a.max = max;
    a.absmax = -min > max ? -static_cast<double>(min) : static_cast<double>(max);
    return a;
  }
};

template <unsigned Stats>
struct thread_partial {
  thread_norm grad;
  thread_moments weight;
  thread_norm diff;

  VITALS_HD tensor_stats to_stats() const {
    tensor_stats s;
    if constexpr ((Stats & plan::grad) != 0) s.grad = grad.to_double();
    if constexpr (computes_moments(Stats)) s.weight = weight.to_double();
    if constexpr ((Stats & plan::ema_diff) != 0) s.ema_diff = diff.to_double();
    return s;
  }
};

/// The histogram slot of x: 0 underflow, 1..bins the bins over [lo, hi] (hi inclusive), bins + 1
/// overflow; -1 for non-finite x (not counted).
VITALS_HD inline int histogram_slot(float x, float lo, float hi, float inv_width, std::uint32_t bins) {
  if (!finite_f(x)) return -1;
  if (x < lo) return 0;
  if (x > hi) return static_cast<int>(bins) + 1;
  int b = static_cast<int>((x - lo) * inv_width);
  if (b >= static_cast<int>(bins)) b = static_cast<int>(bins) - 1;
  if (b < 0) b = 0;
  return b + 1;
}

/// The per-element math, shared by the kernel and the CPU reference.
template <unsigned Stats>
struct element_op {
  float decay = 0.999f;
  float hist_lo = 0, hist_hi = 0, hist_inv_width = 0;
  std::uint32_t hist_bins = 0;  // 0: no histogram this call

  VITALS_HD void grad(thread_partial<Stats>& p, float g) const { p.grad.add(g); }

  /// Weight (and EMA) statistics of one element; returns the (possibly updated) EMA value, already
  /// rounded to the EMA's dtype, so the diff is the one a later look at the buffers would see.
  template <class Hist>
  VITALS_HD float weight(thread_partial<Stats>& p, float w, float e, bool has_ema, dtype ema_type, Hist& hist) const {
    if constexpr (computes_moments(Stats)) p.weight.add(w);
    if constexpr ((Stats & plan::weight_histogram) != 0) {
      if (hist_bins) {
        const int s = histogram_slot(w, hist_lo, hist_hi, hist_inv_width, hist_bins);
        if (s >= 0) hist.add(s);
      }
    }
    if constexpr ((Stats & (plan::ema_update | plan::ema_diff)) != 0) {
      if (has_ema) {
        if constexpr ((Stats & plan::ema_update) != 0) e = round_to(ema_type, detail::mul_add_mul_rn(decay, e, 1.0f - decay, w));
        if constexpr ((Stats & plan::ema_diff) != 0) {
          const float d = e - w;
          p.diff.add(d);
          if (finite_f(d)) p.diff.ref_sum_sq += w * w;
        }
      }
    }
    return e;
  }

  VITALS_HD static constexpr bool needs_grad() { return (Stats & plan::grad) != 0; }
  VITALS_HD static constexpr bool needs_weight() {
    return (Stats & (plan::weight | plan::weight_histogram | plan::ema_diff | plan::ema_update)) != 0;
  }
  VITALS_HD static constexpr bool writes_ema() { return (Stats & plan::ema_update) != 0; }
};

/// Decodes one unit (8 elements) from the 32-bit words of its 16-byte vector loads: 8 words for
/// f32, 4 for f16/bf16 (element 2k in the low half of word k: little-endian, as the GPU loads it).
VITALS_HD inline void decode_unit(const std::uint32_t* w, dtype t, float (&v)[stats_unit]) {
  if (t == dtype::f32) {
    for (std::uint32_t k = 0; k < stats_unit; ++k) v[k] = bits_to_float(w[k]);
    return;
  }
  for (std::uint32_t k = 0; k < stats_unit / 2; ++k) {
    const auto lo = static_cast<std::uint16_t>(w[k] & 0xffffu), hi = static_cast<std::uint16_t>(w[k] >> 16);
    v[2 * k] = t == dtype::f16 ? f16_to_float(lo) : bf16_to_float(lo);
    v[2 * k + 1] = t == dtype::f16 ? f16_to_float(hi) : bf16_to_float(hi);
  }
}

/// The inverse of decode_unit, rounding to nearest even.
VITALS_HD inline void encode_unit(const float (&v)[stats_unit], dtype t, std::uint32_t* w) {
  if (t == dtype::f32) {
    for (std::uint32_t k = 0; k < stats_unit; ++k) w[k] = float_to_bits(v[k]);
    return;
  }
  for (std::uint32_t k = 0; k < stats_unit / 2; ++k) {
    const std::uint16_t lo = t == dtype::f16 ? float_to_f16(v[2 * k]) : float_to_bf16(v[2 * k]);
    const std::uint16_t hi = t == dtype::f16 ? float_to_f16(v[2 * k + 1]) : float_to_bf16(v[2 * k + 1]);
    w[k] = static_cast<std::uint32_t>(lo) | (static_cast<std::uint32_t>(hi) << 16);
  }
}

/// Index of the tensor that owns global chunk `c`: the last entry with first_chunk <= c (empty
/// tensors share their first_chunk with the next one and come before it, so are never chosen).
VITALS_HD inline std::uint32_t tensor_of_chunk(const table_entry* table, std::uint32_t n, std::uint64_t c) {
  std::uint32_t lo = 0, hi = n;  // the first index with first_chunk > c lies in [lo, hi]
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (table[mid].first_chunk <= c) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

/// Scalar loads and stores through dtype.hpp; the kernel's loader adds 16-byte vector loads.
struct scalar_loader {
  VITALS_HD float load1(const void* p, dtype t, std::uint64_t i) const { return load_as_float(p, i, t); }
  VITALS_HD void store1(void* p, dtype t, std::uint64_t i, float v) const { store_from_float(p, i, t, v); }
  VITALS_HD void load8(const void* p, dtype t, std::uint64_t i, float (&v)[stats_unit], bool) const {
    for (std::uint32_t k = 0; k < stats_unit; ++k) v[k] = load_as_float(p, i + k, t);
  }
  VITALS_HD void store8(void* p, dtype t, std::uint64_t i, const float (&v)[stats_unit], bool) const {
    for (std::uint32_t k = 0; k < stats_unit; ++k) store_from_float(p, i + k, t, v[k]);
  }
};

template <unsigned Stats, class Loader, class Hist>
VITALS_HD void process_scalar(const table_entry& e, std::uint64_t i, const element_op<Stats>& op,
                              thread_partial<Stats>& p, const Loader& ld, Hist& hist) {
  if constexpr (element_op<Stats>::needs_grad())
    if (e.grad) op.grad(p, ld.load1(e.grad, e.grad_type, i));
  if constexpr (element_op<Stats>::needs_weight()) {
    if (e.weight) {
      const float w = ld.load1(e.weight, e.weight_type, i);
      const float em = e.ema ? ld.load1(e.ema, e.ema_type, i) : 0.0f;
      const float en = op.weight(p, w, em, e.ema != nullptr, e.ema_type, hist);
      if constexpr (element_op<Stats>::writes_ema())
        if (e.ema) ld.store1(e.ema, e.ema_type, i, en);
    }
  }
}

template <unsigned Stats, class Loader, class Hist>
VITALS_HD void process_unit(const table_entry& e, std::uint64_t i, const element_op<Stats>& op,
                            thread_partial<Stats>& p, const Loader& ld, Hist& hist) {
  if constexpr (element_op<Stats>::needs_grad()) {
    if (e.grad) {
      float g[stats_unit];
      ld.load8(e.grad, e.grad_type, i, g, e.vector);
      for (std::uint32_t k = 0; k < stats_unit; ++k) op.grad(p, g[k]);
    }
  }
  if constexpr (element_op<Stats>::needs_weight()) {
    if (e.weight) {
      float w[stats_unit], em[stats_unit];
      ld.load8(e.weight, e.weight_type, i, w, e.vector);
      if (e.ema) {
        ld.load8(e.ema, e.ema_type, i, em, e.vector);
      } else {
        for (std::uint32_t k = 0; k < stats_unit; ++k) em[k] = 0.0f;
      }
      for (std::uint32_t k = 0; k < stats_unit; ++k) em[k] = op.weight(p, w[k], em[k], e.ema != nullptr, e.ema_type, hist);
      if constexpr (element_op<Stats>::writes_ema())
        if (e.ema) ld.store8(e.ema, e.ema_type, i, em, e.vector);
    }
  }
}

/// What thread `tid` of `nthreads` does for one chunk of one tensor: one head element, a strided
/// run of units, one tail element. 64-bit element indices throughout.
template <unsigned Stats, class Loader, class Hist>
VITALS_HD void walk_chunk(const table_entry& e, std::uint64_t local_chunk, std::uint32_t tid,
                          std::uint32_t nthreads, const element_op<Stats>& op,
                          thread_partial<Stats>& p, const Loader& ld, Hist& hist) {
  const chunk_range r = chunk_of(e, local_chunk);
  if (r.has_head && tid < e.head) process_scalar(e, tid, op, p, ld, hist);
  for (std::uint64_t u = r.unit_begin + tid; u < r.unit_end; u += nthreads)
    process_unit(e, e.head + u * stats_unit, op, p, ld, hist);
  if (r.has_tail) {
    const std::uint64_t i = e.head + e.body + tid;
    if (i < e.numel) process_scalar(e, i, op, p, ld, hist);
  }
}

/// The op for one call: the histogram's range resolved (no bins when lo >= hi).
template <unsigned Stats>
VITALS_HD element_op<Stats> make_element_op(float decay, std::uint32_t bins, float lo, float hi) {
  element_op<Stats> op;
  op.decay = decay;
  if ((Stats & plan::weight_histogram) != 0 && bins > 0 && lo < hi) {
    op.hist_bins = bins;
    op.hist_lo = lo;
    op.hist_hi = hi;
    op.hist_inv_width = static_cast<float>(bins) / (hi - lo);
  }
  return op;
}

struct host_histogram {
  std::uint64_t* slots;
  VITALS_HD void add(int s) const { ++slots[s]; }
};

VITALS_INLINE void check_options(const param_stats_options& o);

}  // namespace detail

namespace detail {

/// The CPU reference of one kernel plan: computes the plan's statistics for every tensor of `table`
/// (host pointers), updating the EMA buffers in place when the plan has plan::ema_update. Simulates
/// the kernel's blocks of stats_block_threads threads chunk by chunk.
template <unsigned Stats>
param_stats_result run_plan(const tensor_table& table, const param_stats_options& opt = {}) {
  check_options(opt);
  const auto op = detail::make_element_op<Stats>(opt.ema_decay, opt.histogram_bins, opt.histogram_lo,
                                                 opt.histogram_hi);
  param_stats_result res;
  res.computed = stats_of_plan(Stats);
  res.per_tensor.resize(table.size());
  std::vector<std::uint64_t> slots(op.hist_bins ? op.hist_bins + 2 : 1, 0);
  detail::host_histogram hist{slots.data()};
  const detail::scalar_loader ld;
  const auto& entries = table.entries();
  for (std::size_t t = 0; t < entries.size(); ++t) {
    tensor_stats ts;
    for (std::uint64_t c = 0; c < entries[t].chunks; ++c) {
      tensor_stats chunk;
      for (std::uint32_t tid = 0; tid < detail::stats_block_threads; ++tid) {
        detail::thread_partial<Stats> p;
        detail::walk_chunk(entries[t], c, tid, detail::stats_block_threads, op, p, ld, hist);
        chunk.merge(p.to_stats());
      }
      ts.merge(chunk);
    }
    res.per_tensor[t] = ts;
    res.total.merge(ts);
  }
  if (op.hist_bins) {
    res.histogram.lo = op.hist_lo;
    res.histogram.hi = op.hist_hi;
    res.histogram.underflow = slots.front();
    res.histogram.overflow = slots.back();
    res.histogram.counts.assign(slots.begin() + 1, slots.end() - 1);
  }
  return res;
}

}  // namespace detail

/// The CPU reference: the statistics `S` of every tensor of `table` (host pointers). Reads only.
template <stat_set S>
param_stats_result compute_param_stats(const tensor_table& table, const param_stats_options& opt = {}) {
  return detail::run_plan<S.bits_>(table, opt);
}

/// The EMA update e <- d*e + (1-d)*w of every parameter with an EMA buffer (d = opt.ema_decay), in
/// place, in one pass that also yields the EMA diff after the update (model/ema_diff*), and the
/// statistics `S` of the same pass (the weights are read anyway).
template <stat_set S = param_stat::ema_diff>
param_stats_result update_ema(const tensor_table& table, const param_stats_options& opt = {}) {
  return detail::run_plan<(S | param_stat::ema_diff).bits_ | detail::plan::ema_update>(table, opt);
}

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/param_stats.ipp"
#endif
