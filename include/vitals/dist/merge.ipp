// Bodies of vitals/dist/merge.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/dist/merge.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitals::inline VITALS_ABI::dist {
namespace detail {
VITALS_INLINE std::uint64_t shape_word(std::uint64_t tag, std::uint64_t a, std::uint64_t b) {
  return (tag << 56) ^ (a << 20) ^ b;
}

VITALS_INLINE void check_shapes(std::span<const std::uint64_t> all, std::size_t slot, int world, const char* what) {
  for (int r = 1; r < world; ++r)
    if (all[static_cast<std::size_t>(r) * slot] != all[0])
      throw std::invalid_argument(std::string("vitals::dist::merge(") + what + "): rank " + std::to_string(r) +
                                  " packed a different shape than rank 0 (every rank must pass the same number of "
                                  "statistics, tensors and histogram bins)");
}

VITALS_INLINE bool close(double a, double b, double tol) {
  if (a != a || b != b) return a != a && b != b;
  if (a == b) return true;
  return std::fabs(a - b) <= tol * std::fmax(std::fabs(a), std::fabs(b));
}

VITALS_INLINE bool same_stats(const tensor_stats& a, const tensor_stats& b, double tol) {
  return a.grad.count == b.grad.count && a.grad.nonfinite == b.grad.nonfinite && close(a.grad.sum_sq, b.grad.sum_sq, tol) &&
         close(a.grad.sum_abs, b.grad.sum_abs, tol) && close(a.grad.absmax, b.grad.absmax, tol) &&
         a.weight.count == b.weight.count && a.weight.nonfinite == b.weight.nonfinite &&
         close(a.weight.mean, b.weight.mean, tol) && close(a.weight.m2, b.weight.m2, tol) &&
         close(a.weight.min, b.weight.min, tol) && close(a.weight.max, b.weight.max, tol) &&
         close(a.weight.sum_abs, b.weight.sum_abs, tol) && a.ema_diff.count == b.ema_diff.count &&
         close(a.ema_diff.sum_sq, b.ema_diff.sum_sq, tol) && close(a.ema_diff.sum_abs, b.ema_diff.sum_abs, tol);
}

VITALS_INLINE tensor_stats as_stats(const accumulator& a) {
  tensor_stats s;
  s.weight = a;
  return s;
}
}  // namespace detail

VITALS_INLINE void merge(communicator& comm, std::span<accumulator> partials) {
  const int world = comm.size();
  if (world == 1) return;
  const std::size_t slot = 1 + partials.size() * detail::accumulator_words;
  std::vector<std::uint64_t> mine(slot);
  mine[0] = detail::shape_word(1, partials.size());
  std::memcpy(mine.data() + 1, partials.data(), partials.size_bytes());
  const auto all = all_gather(comm, mine);
  detail::check_shapes(all, slot, world, "accumulators");
  for (std::size_t i = 0; i < partials.size(); ++i) {
    accumulator merged;
    for (int r = 0; r < world; ++r)
      merged.merge(detail::get<accumulator>(all.data() + static_cast<std::size_t>(r) * slot + 1 + i * detail::accumulator_words));
    partials[i] = merged;
  }
}

VITALS_INLINE void sum(communicator& comm, std::span<double> values) {
  const int world = comm.size();
  if (world == 1) return;
  const std::size_t slot = 1 + values.size();
  std::vector<std::uint64_t> mine(slot);
  mine[0] = detail::shape_word(2, values.size());
  std::memcpy(mine.data() + 1, values.data(), values.size_bytes());
  const auto all = all_gather(comm, mine);
  detail::check_shapes(all, slot, world, "sum");
  for (std::size_t i = 0; i < values.size(); ++i) {
    double s = 0;
    for (int r = 0; r < world; ++r) s += detail::get<double>(all.data() + static_cast<std::size_t>(r) * slot + 1 + i);
    values[i] = s;
  }
}

VITALS_INLINE double mean(communicator& comm, double value, double weight) {
  double v[2] = {value * weight, weight};
  sum(comm, v);
  return v[1] != 0 ? v[0] / v[1] : std::nan("");
}

VITALS_INLINE void merge(communicator& comm, data_stats& stats) {
  std::vector<accumulator> parts;
  stats.for_each_partial([&](accumulator& a) { parts.push_back(a); });
  merge(comm, parts);
  std::size_t i = 0;
  stats.for_each_partial([&](accumulator& a) { a = parts[i++]; });
}

VITALS_INLINE void merge(communicator& comm, epoch_step_stats& stats, const merge_options& opt) {
  if (comm.size() == 1) return;
  accumulator parts[2] = {stats.batch_loss(), stats.grad_norm()};
  if (opt.check_replicas) {
    const std::size_t slot = 1 + detail::accumulator_words;
    std::vector<std::uint64_t> mine(slot);
    mine[0] = detail::shape_word(3, 1);
    detail::put(mine.data() + 1, parts[1]);
    const auto all = all_gather(comm, mine);
    detail::check_shapes(all, slot, comm.size(), "epoch_step_stats");
    const auto zero = detail::as_stats(detail::get<accumulator>(all.data() + 1));
    for (int r = 1; r < comm.size(); ++r)
      if (!detail::same_stats(zero, detail::as_stats(detail::get<accumulator>(all.data() + r * slot + 1)),
                              opt.replica_tolerance))
        throw replica_mismatch("vitals::dist: the grad-norm series of rank " + std::to_string(r) +
                               " differs from rank 0's: the ranks' gradients have diverged");
  }
  merge(comm, std::span<accumulator>(parts, 1));
  stats.set_batch_loss(parts[0]);
}

VITALS_INLINE std::vector<std::uint64_t> pack(const param_stats_result& res, tensor_kind kind) {
  const std::size_t n = res.per_tensor.size(), bins = res.histogram.counts.size();
  std::vector<std::uint64_t> mine(5 + n * detail::tensor_stats_words + bins, 0);
  mine[0] = detail::shape_word(kind == tensor_kind::sharded ? 4 : 5, n, bins);
  mine[1] = res.computed.bits_;
  std::uint32_t lo = 0, hi = 0;
  std::memcpy(&lo, &res.histogram.lo, 4);
  std::memcpy(&hi, &res.histogram.hi, 4);
  mine[2] = (std::uint64_t{lo} << 32) | hi;
  mine[3] = res.histogram.underflow;
  mine[4] = res.histogram.overflow;
  if (n) std::memcpy(mine.data() + 5, static_cast<const void*>(res.per_tensor.data()), n * sizeof(tensor_stats));
  for (std::size_t b = 0; b < bins; ++b) mine[5 + n * detail::tensor_stats_words + b] = res.histogram.counts[b];
  return mine;
}

VITALS_INLINE void merge_gathered(std::span<const std::uint64_t> all, int world, param_stats_result& res, tensor_kind kind,
                           const merge_options& opt) {
  const std::size_t n = res.per_tensor.size(), bins = res.histogram.counts.size();
  const std::size_t head = 5, slot = head + n * detail::tensor_stats_words + bins;
  if (all.size() != slot * static_cast<std::size_t>(world))
    throw std::invalid_argument("vitals::dist::merge_gathered: " + std::to_string(all.size()) + " words for " +
                                std::to_string(world) + " slots of " + std::to_string(slot));
  detail::check_shapes(all, slot, world, "param_stats_result");
  auto tensor_of = [&](int r, std::size_t t) {
    return detail::get<tensor_stats>(all.data() + static_cast<std::size_t>(r) * slot + head + t * detail::tensor_stats_words);
  };
  auto word = [&](int r, std::size_t i) { return all[static_cast<std::size_t>(r) * slot + i]; };
  for (int r = 1; r < world; ++r)
    if (word(r, 1) != word(0, 1))
      throw std::invalid_argument("vitals::dist::merge(param_stats_result): rank " + std::to_string(r) +
                                  " computed other statistics than rank 0 (" +
                                  vitals::detail::stats_of_plan(static_cast<unsigned>(word(r, 1))).to_string() + " against " +
                                  vitals::detail::stats_of_plan(static_cast<unsigned>(word(0, 1))).to_string() + ")");

  if (kind == tensor_kind::replicated) {
    for (int r = 1; r < world; ++r)
      for (std::size_t t = 0; t < n; ++t)
        if (!detail::same_stats(tensor_of(0, t), tensor_of(r, t), opt.replica_tolerance))
          throw replica_mismatch("vitals::dist: replicated tensor #" + std::to_string(t) + " has other statistics on rank " +
                                 std::to_string(r) + " than on rank 0: the ranks' parameters have diverged (or the "
                                 "tensors are sharded: say tensor_kind::sharded)");
    return;
  }

  res.total = tensor_stats{};
  for (std::size_t t = 0; t < n; ++t) {
    tensor_stats merged;
    for (int r = 0; r < world; ++r) merged.merge(tensor_of(r, t));
    res.per_tensor[t] = merged;
    res.total.merge(merged);
  }
  if (bins) {
    bool same_range = true;
    for (int r = 1; r < world; ++r) same_range = same_range && word(r, 2) == word(0, 2);
    if (!same_range) {
      res.histogram.counts.clear();
      res.histogram.underflow = res.histogram.overflow = 0;
      return;
    }
    res.histogram.underflow = res.histogram.overflow = 0;
    for (int r = 0; r < world; ++r) {
      res.histogram.underflow += word(r, 3);
      res.histogram.overflow += word(r, 4);
    }
    for (std::size_t b = 0; b < bins; ++b) {
      std::uint64_t c = 0;
      for (int r = 0; r < world; ++r) c += word(r, head + n * detail::tensor_stats_words + b);
      res.histogram.counts[b] = c;
    }
  }
}

VITALS_INLINE void merge(communicator& comm, param_stats_result& res, tensor_kind kind, const merge_options& opt) {
  if (comm.size() == 1) return;
  if (kind == tensor_kind::replicated && !opt.check_replicas) return;
  merge_gathered(all_gather(comm, pack(res, kind)), comm.size(), res, kind, opt);
}

}  // namespace vitals::dist
