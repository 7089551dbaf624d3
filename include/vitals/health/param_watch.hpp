// vitals::param_watch: what wandb.watch(model, log="all", log_freq=N) does for Python, for a
// tensor_table. Registered once; one call per step, after backward() and before clipping and
// optimizer.step() (where wandb.watch's hooks see the gradients):
//
//   vitals::tensor_table table = ...;                          // host pointers (CPU reference)
//   vitals::param_watch watch(table, {.log_freq = 100, .histogram_freq = 1000});
//   for (step ...) {
//     loss.backward();
//     auto gn = watch.step(run, step);   // due steps: statistics and histograms into step's row
//     ...
//   }
//
// What a step logs (into the row of `step`, left open with commit=false, so the loop's own
// run.log(..., step) lands in the same row):
//  - every log_freq steps: the statistics S (param_stats_result::to_metrics: train/grad_norm,
//    train/grad_absmax, train/grad_nonfinite, model/weight_{mean,std,max,min,nonfinite},
//    model/ema_diff{,_l2,_rel}), and with per_tensor grad_norm/<name>, weight_absmax/<name>,
//    ema_diff/<name>;
//  - every histogram_freq steps: W&B histograms `parameters/<name>` and `gradients/<name>` (as
//    wandb.watch names them: the table's parameter names, e.g. "fc1.weight"; 64 bins over the
//    tensor's finite [min, max], numpy.histogram's binning), chosen by `histograms`;
//  - with grad_norm_every_step: train/grad_norm on every step (one gradient-only pass on the steps
//    in between), so the health monitor's epoch statistics see every step.
// Gradients are divided by the loss scale (set_loss_scale, for mixed precision) in the gradient
// statistics and histograms. step() returns the global gradient L2 norm (unscaled; what
// clip_grad_norm_ returns) on the steps it computes it: due steps, or every step with
// grad_norm_every_step; std::nullopt otherwise.
//
// The CUDA path, cuda/vitals/param_watch.cuh (device_param_watch), takes the same options and
// logs the same keys.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vitals/health/dtype.hpp"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/stat_set.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/wandb/histogram.hpp"

namespace vitals::inline VITALS_ABI {
/// Which per-parameter histograms a watch logs (wandb.watch's `log` argument).
enum class watch_log { none, gradients, parameters, all };

struct watch_options {
  std::int64_t log_freq = 100;       // statistics on steps where step % log_freq == 0
  std::int64_t histogram_freq = 0;   // histograms on steps where step % histogram_freq == 0; 0: log_freq
  watch_log histograms = watch_log::all;
  int histogram_bins = 64;           // wandb.watch's 64
  double loss_scale = 1;             // gradients are divided by it (set_loss_scale() changes it)
  bool grad_norm_every_step = false; // also compute, return and log train/grad_norm on other steps
  bool per_tensor = false;           // grad_norm/<name>, weight_absmax/<name>, ema_diff/<name>
};

namespace detail {

VITALS_INLINE void check_loss_scale(double s);

VITALS_INLINE void check_watch_options(const watch_options& o, bool has_grad);

/// The one constraint on the statistics of a watch (param_watch and the CUDA device_param_watch):
/// at least one statistic, and no param_stat::weight_histogram (a watch logs per-parameter
/// histograms instead). Use as `static_assert(detail::check_watch_stats<S>());`.
template <stat_set S>
constexpr bool check_watch_stats() {
  static_assert(!S.contains(param_stat::weight_histogram),
                "a parameter watch logs per-parameter histograms (watch_options::histograms); leave "
                "param_stat::weight_histogram out of its statistics");
  static_assert(!S.empty(), "a parameter watch needs at least one statistic");
  return true;
}

/// The cadence and the logging, shared by the CPU and CUDA watches; how a tensor's values reach
/// the host is the caller's.
class watch_core {
 public:
  watch_core(watch_options o, bool has_grad) : opt_(o) { check_watch_options(opt_, has_grad); }

  bool stats_due(std::int64_t step) const { return step % opt_.log_freq == 0; }
  bool histograms_due(std::int64_t step) const {
    const std::int64_t every = opt_.histogram_freq ? opt_.histogram_freq : opt_.log_freq;
    return opt_.histograms != watch_log::none && step % every == 0;
  }
  bool wants(bool gradients) const {
    return opt_.histograms == watch_log::all ||
           opt_.histograms == (gradients ? watch_log::gradients : watch_log::parameters);
  }
  const watch_options& options() const { return opt_; }
  void set_loss_scale(double s) {
    check_loss_scale(s);
    opt_.loss_scale = s;
  }

  /// Logs one step's row: `stats` (when non-null), the grad norm alone (when `grad_norm_only`),
  /// and the histograms when due. `values(i, gradients)` returns tensor i's gradient or weight
  /// values as host floats (empty when it has none).
  template <class Logger, class Values>
  void log(Logger& run, std::int64_t step, const param_stats_result* stats, std::optional<double> grad_norm_only,
           const std::vector<std::string>& names, Values&& values) const {
    std::vector<metric> m;
    owned_metrics per_tensor;
    if (stats) {
      m = stats->to_metrics();
      if (opt_.per_tensor) {
        per_tensor = stats->per_tensor_metrics(names);
        m.insert(m.end(), per_tensor.metrics.begin(), per_tensor.metrics.end());
      }
    } else if (grad_norm_only) {
      m.push_back({"train/grad_norm", *grad_norm_only});
    }
    std::vector<std::string> keys, texts;  // the histograms' keys and JSON, alive until run.log returns
    if (histograms_due(step)) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        for (bool gradients : {false, true}) {
          if (!wants(gradients)) continue;
          std::vector<float> v = values(i, gradients);
          if (v.empty()) continue;
          if (gradients && opt_.loss_scale != 1.0)
            for (float& x : v) x = static_cast<float>(x / opt_.loss_scale);
          keys.push_back((gradients ? "gradients/" : "parameters/") + names[i]);
          texts.push_back(wandb_histogram::from_samples(std::span<const float>(v), opt_.histogram_bins).json());
        }
      }
    }
    for (std::size_t k = 0; k < keys.size(); ++k) m.push_back({keys[k], std::string_view(texts[k])});
    if (!m.empty()) run.log(std::span<const metric>(m), std::optional<std::int64_t>(step), std::optional<bool>(false));
  }

 private:
  watch_options opt_;
};

/// A host buffer's values as floats (empty for a null buffer).
VITALS_INLINE std::vector<float> host_values(const tensor_ref& r, std::uint64_t numel);

}  // namespace detail

/// The CPU reference watch over a table of host pointers. The table is referenced, not copied: it
/// must outlive the watch (rebind moved buffers with tensor_table::set_buffers).
template <stat_set S = param_stat::grad | param_stat::weight>
class param_watch {
  static_assert(detail::check_watch_stats<S>());

 public:
  explicit param_watch(const tensor_table& table, watch_options opt = {})
      : table_(&table), core_(opt, S.contains(param_stat::grad)) {}
  param_watch(tensor_table&&, watch_options = {}) = delete;  // the table must outlive the watch

  /// Computes and logs what is due at `step` (see the file comment); returns the global gradient
  /// norm when computed this step.
  template <class Logger>
  std::optional<double> step(Logger& run, std::int64_t step) {
    std::optional<double> norm;
    const bool due = core_.stats_due(step);
    if (due) {
      last_ = compute_param_stats<S>(*table_);
      last_.unscale_gradients(core_.options().loss_scale);
      if constexpr (S.contains(param_stat::grad)) norm = last_.grad_norm();
    } else if (core_.options().grad_norm_every_step) {
      auto g = compute_param_stats<param_stat::grad>(*table_);
      g.unscale_gradients(core_.options().loss_scale);
      norm = g.grad_norm();
    }
    if (due || norm || core_.histograms_due(step)) {
      names_.resize(table_->size());
      for (std::size_t i = 0; i < names_.size(); ++i) names_[i] = (*table_)[i].name;
      core_.log(run, step, due ? &last_ : nullptr, due ? std::nullopt : norm, names_,
                [this](std::size_t i, bool gradients) {
                  const auto& p = (*table_)[i];
                  return detail::host_values(gradients ? p.grad : p.weight, p.numel);
                });
    }
    return norm;
  }

  /// The loss scale the gradients are multiplied by now (dynamic loss scaling changes it).
  void set_loss_scale(double s) { core_.set_loss_scale(s); }
  bool stats_due(std::int64_t step) const { return core_.stats_due(step); }
  bool histograms_due(std::int64_t step) const { return core_.histograms_due(step); }
  /// The statistics of the last due step.
  const param_stats_result& last() const { return last_; }
  const watch_options& options() const { return core_.options(); }
  const tensor_table& table() const { return *table_; }

 private:
  const tensor_table* table_;
  detail::watch_core core_;
  param_stats_result last_;
  std::vector<std::string> names_;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/param_watch.ipp"
#endif
