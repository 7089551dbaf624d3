// device_param_watch<S>: vitals::param_watch (vitals/health/param_watch.hpp) for a table of device
// pointers: the same options, cadence, keys and returned grad norm, computed by the fused kernels.
//
//   vitals::device_param_watch watch(table, {.log_freq = 100, .histogram_freq = 1000});
//   auto gn = watch.step(run, step, stream);   // after backward(), on the training stream
//
// Host synchronisation: none on steps where nothing is due. On a due step the host waits for the
// statistics' event (the two kernels and a copy of a few hundred bytes, queued behind the work
// already on `stream`); with grad_norm_every_step it waits every step, for the norm it returns.
// On a histogram step every watched tensor is copied to the host (cudaMemcpy, synchronous) and
// binned there: histograms cost a full copy of the weights and gradients, so give them a cadence
// of hundreds or thousands of steps, as wandb.watch users do.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cuda_runtime.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vitals/cuda_check.cuh"
#include "vitals/health/param_watch.hpp"
#include "vitals/param_stats.cuh"

namespace vitals::inline VITALS_ABI {
template <stat_set S = param_stat::grad | param_stat::weight>
class device_param_watch {
  static_assert(detail::check_watch_stats<S>());

 public:
  /// Uploads the table (device pointers; it must outlive the watch). After tensor_table::
  /// set_buffers, call reupload().
  explicit device_param_watch(const tensor_table& table, watch_options opt = {})
      : table_(&table), core_(opt, S.contains(param_stat::grad)), stats_(table), grads_(grad_table(table)) {
    for (const auto& p : table.params()) names_.push_back(p.name);
  }
  device_param_watch(tensor_table&&, watch_options = {}) = delete;

  void reupload() {
    stats_.upload(*table_);
    grads_.upload(grad_table(*table_));
  }

  template <class Logger>
  std::optional<double> step(Logger& run, std::int64_t step, cudaStream_t stream = nullptr) {
    std::optional<double> norm;
    const bool due = core_.stats_due(step);
    if (due) {
      stats_.launch(stream);
      last_ = stats_.result();  // waits for this launch's event
      last_.unscale_gradients(core_.options().loss_scale);
      if constexpr (S.contains(param_stat::grad)) norm = last_.grad_norm();
    } else if (core_.options().grad_norm_every_step) {
      grads_.launch(stream);
      auto g = grads_.result();
      g.unscale_gradients(core_.options().loss_scale);
      norm = g.grad_norm();
    }
    const bool hist = core_.histograms_due(step);
    if (hist) detail::cuda_check(cudaStreamSynchronize(stream), "cudaStreamSynchronize(vitals histograms)");
    if (due || norm || hist)
      core_.log(run, step, due ? &last_ : nullptr, due ? std::nullopt : norm, names_,
                [this](std::size_t i, bool gradients) { return copy_to_host((*table_)[i], gradients); });
    return norm;
  }

  void set_loss_scale(double s) { core_.set_loss_scale(s); }
  const param_stats_result& last() const { return last_; }
  const watch_options& options() const { return core_.options(); }

 private:
  /// The gradients alone, for the grad-norm-only launches between due steps.
  static tensor_table grad_table(const tensor_table& t) {
    tensor_table g;
    for (const auto& p : t.params())
      if (p.grad.data) g.add(param_tensor{p.name, p.numel, p.grad, {}, {}});
    return g;
  }

  static std::vector<float> copy_to_host(const param_tensor& p, bool gradients) {
    const tensor_ref& r = gradients ? p.grad : p.weight;
    if (!r.data || p.numel == 0) return {};
    std::vector<unsigned char> raw(p.numel * dtype_size(r.type));
    const std::string what = "cudaMemcpy(vitals watch histogram of '" + p.name + "')";
    detail::cuda_check(cudaMemcpy(raw.data(), r.data, raw.size(), cudaMemcpyDeviceToHost), what.c_str());
    return detail::host_values(tensor_ref{raw.data(), r.type}, p.numel);
  }

  const tensor_table* table_;
  detail::watch_core core_;
  device_param_stats<S> stats_;
  device_param_stats<param_stat::grad> grads_;
  std::vector<std::string> names_;
  param_stats_result last_;
};

}  // namespace vitals
