// Optional LibTorch adapter (needs LibTorch; nothing else in vitals includes this header). Guide:
// docs/torch.md; a complete trainer: examples/torch_trainer.
//
//   vitals::torch_watch watch(*model, {.ema_decay = 0.999f});   // parameters registered once, EMA kept
//   auto c = vitals::count_params(*model);                      // model_params/*
//   ... loss.backward();
//   double gn = watch.gradients(run, step);                     // before clipping: train/grad_norm, ...
//   torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
//   optimizer.step();
//   watch.after_step(run, step);                                // EMA update + model/weight_*, model/ema_diff*
//   vitals::data_stats ds = vitals::make_data_stats(x, 1); ds.add(x);   // tensors directly
//
// The lower layer is still there: make_tensor_table(module, ema), make_ema, param_stats,
// log_param_stats.
//
// For CUDA tensors build the table with make_tensor_table() and use vitals::device_param_stats
// from cuda/vitals/param_stats.cuh in a .cu file (it needs nvcc); param_stats() refuses CUDA tensors
// rather than copying them to the host behind the user's back.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/health/data_stats.hpp"
#include "vitals/health/dtype.hpp"
#include "vitals/health/generation_stats.hpp"
#include "vitals/health/model_params.hpp"
#include "vitals/health/tensor_values.hpp"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals {

namespace detail {

inline dtype torch_dtype(const torch::Tensor& t, const std::string& name) {
  switch (t.scalar_type()) {
    case torch::kFloat: return dtype::f32;
    case torch::kHalf: return dtype::f16;
    case torch::kBFloat16: return dtype::bf16;
    default: break;
  }
  throw std::invalid_argument("vitals: parameter '" + name + "' has dtype " +
                              std::string(c10::toString(t.scalar_type())) +
                              "; the statistics take float32, float16 or bfloat16 tensors");
}

inline void check_torch_tensor(const torch::Tensor& t, const std::string& name, const char* what) {
  if (!t.is_contiguous())
    throw std::invalid_argument("vitals: the " + std::string(what) + " of parameter '" + name +
                                "' is not contiguous; make it contiguous (tensor.contiguous()) before "
                                "building the tensor table");
}

}  // namespace detail

/// A table of the module's parameters (named as named_parameters() names them): each one's grad
/// when defined, its weight, and `ema[i]` when given (same order as named_parameters()). The table
/// holds raw pointers: rebuild it when tensors are reallocated (e.g. grads set to None and back).
inline tensor_table make_tensor_table(const torch::nn::Module& module, const std::vector<torch::Tensor>& ema = {}) {
  const auto params = module.named_parameters(/*recurse=*/true);
  if (!ema.empty() && ema.size() != params.size())
    throw std::invalid_argument("vitals::make_tensor_table: the module has " + std::to_string(params.size()) +
                                " parameters but " + std::to_string(ema.size()) +
                                " EMA tensors were given; build them with vitals::make_ema(module)");
  tensor_table table;
  std::size_t i = 0;
  for (const auto& item : params) {
    const std::string& name = item.key();
    const torch::Tensor& w = item.value();
    detail::check_torch_tensor(w, name, "weight");
    param_tensor p;
    p.name = name;
    p.numel = static_cast<std::uint64_t>(w.numel());
    p.weight = {w.data_ptr(), detail::torch_dtype(w, name)};
    const torch::Tensor& g = w.grad();
    if (g.defined()) {
      detail::check_torch_tensor(g, name, "grad");
      p.grad = {g.data_ptr(), detail::torch_dtype(g, name)};
    }
    if (!ema.empty()) {
      const torch::Tensor& e = ema[i];
      if (e.numel() != w.numel() || e.device() != w.device())
        throw std::invalid_argument("vitals::make_tensor_table: EMA tensor " + std::to_string(i) + " does not match parameter '" +
                                    name + "' (numel or device differ)");
      detail::check_torch_tensor(e, name, "EMA");
      p.ema = {e.data_ptr(), detail::torch_dtype(e, name)};
    }
    table.add(std::move(p));
    ++i;
  }
  return table;
}

/// Detached copies of the module's parameters, to serve as EMA buffers.
inline std::vector<torch::Tensor> make_ema(const torch::nn::Module& module) {
  std::vector<torch::Tensor> ema;
  for (const auto& p : module.parameters(/*recurse=*/true)) ema.push_back(p.detach().clone().contiguous());
  return ema;
}

/// The statistics of a module whose parameters live on the CPU (the reference path). With
/// stats::ema_update in Stats, `ema` is updated in place.
template <unsigned Stats = stats::grad | stats::weight | stats::ema_diff>
param_stats_result param_stats(const torch::nn::Module& module, const std::vector<torch::Tensor>& ema = {},
                               const param_stats_options& opt = {}) {
  for (const auto& p : module.parameters(true))
    if (!p.device().is_cpu())
      throw std::invalid_argument("vitals::param_stats: parameters are on " + p.device().str() +
                                  "; for GPU tensors use vitals::device_param_stats (cuda/vitals/param_stats.cuh) "
                                  "with make_tensor_table() from a .cu file");
  torch::NoGradGuard no_grad;
  return compute_param_stats<Stats>(make_tensor_table(module, ema), opt);
}

/// Logs the global metrics (train/grad_norm, model/weight_{mean,std,max}, model/ema_diff...) and,
/// when `per_tensor`, grad_norm/<param> etc., through anything with
/// `log(std::span<const metric>, std::optional<std::int64_t> step)` (vitals::run does).
template <class Logger>
void log_param_stats(Logger& logger, const param_stats_result& r, const tensor_table& table, std::int64_t step,
                     bool per_tensor = false) {
  std::vector<metric> m = r.to_metrics();
  owned_metrics pt;
  if (per_tensor) {
    pt = r.per_tensor_metrics(table);
    m.insert(m.end(), pt.metrics.begin(), pt.metrics.end());
  }
  logger.log(std::span<const metric>(m), std::optional<std::int64_t>(step));
}

/// model_params/{total_params, trainable_params, model_size_mb} of a module: every parameter
/// counted once, trainable when it requires a gradient, each at its own element size.
///   auto c = vitals::count_params(*model);  run.log_model_params(c.total, c.trainable, c.bytes_per_param());
inline model_param_counts count_params(const torch::nn::Module& module) {
  model_param_counts c;
  for (const auto& p : module.parameters(/*recurse=*/true)) {
    const auto n = static_cast<std::uint64_t>(p.numel());
    c.total += n;
    if (p.requires_grad()) c.trainable += n;
    c.bytes += n * static_cast<std::uint64_t>(p.element_size());
  }
  return c;
}

/// A tensor's values as float32 on the CPU (a copy only when the dtype, device or layout needs
/// one), for data_stats::add(tensor) and generation_stats::add(tensor).
template <>
struct tensor_values<at::Tensor> {
  struct holder {
    torch::Tensor t;
    const float* data() const { return t.data_ptr<float>(); }
    std::size_t size() const { return static_cast<std::size_t>(t.numel()); }
  };
  static holder get(const at::Tensor& x) {
    return {x.detach().to(torch::kCPU, torch::kFloat).contiguous()};
  }
};

/// data_stats laid out like `batch`: the channels are along `channel_dim` (1 for [N, C, ...] such
/// as images or [N, features]; -1 for channels-last [N, ..., C]), named `names` (default
/// "ch0", "ch1", ...). Then data_stats::add(tensor) takes batches of that shape.
inline data_stats make_data_stats(const torch::Tensor& batch, std::int64_t channel_dim = 1,
                                  std::vector<std::string> names = {}) {
  const std::int64_t dims = batch.dim();
  if (dims < 2) throw std::invalid_argument("vitals::make_data_stats: a batch needs at least 2 dimensions [N, C, ...]");
  const std::int64_t d = channel_dim < 0 ? channel_dim + dims : channel_dim;
  if (d < 1 || d >= dims)
    throw std::invalid_argument("vitals::make_data_stats: channel_dim " + std::to_string(channel_dim) + " is not a non-batch dimension of a " +
                                std::to_string(dims) + "-d batch");
  const auto channels = static_cast<std::size_t>(batch.size(d));
  std::size_t inner = 1;
  for (std::int64_t i = d + 1; i < dims; ++i) inner *= static_cast<std::size_t>(batch.size(i));
  if (names.empty())
    for (std::size_t i = 0; i < channels; ++i) names.push_back("ch" + std::to_string(i));
  if (names.size() != channels)
    throw std::invalid_argument("vitals::make_data_stats: " + std::to_string(names.size()) + " channel names for " +
                                std::to_string(channels) + " channels");
  return data_stats(std::move(names), inner);
}

struct torch_watch_options {
  /// Keep an EMA copy of the parameters (model/ema_diff*); updated by after_step().
  bool ema = true;
  /// e <- d*e + (1-d)*w.
  float ema_decay = 0.999f;
  /// Log (and compute the weight statistics) on steps where step % every == 0; the gradient norm
  /// is computed every step (gradients() returns it) and the EMA updated every step.
  std::int64_t every = 1;
  /// Also per parameter: grad_norm/<name>, weight_absmax/<name>, ema_diff/<name>.
  bool per_tensor = false;
};

/// A module's parameters, registered once, with their EMA: one call per step after backward()
/// (gradient statistics, before any clipping) and one after optimizer.step() (EMA update, then
/// weight and EMA statistics). CPU parameters (the reference path); for CUDA modules build a table
/// with make_tensor_table() and use device_param_stats in a .cu file.
class torch_watch {
 public:
  explicit torch_watch(const torch::nn::Module& module, torch_watch_options opts = {})
      : module_(module), opts_(opts) {
    if (opts_.every < 1) throw std::invalid_argument("vitals::torch_watch: every must be >= 1");
    if (!(opts_.ema_decay >= 0 && opts_.ema_decay <= 1)) throw std::invalid_argument("vitals::torch_watch: ema_decay must be in [0, 1]");
    for (const auto& p : module_.get().parameters(true)) check_cpu(p);
    if (opts_.ema) ema_ = make_ema(module_.get());
    counts_ = count_params(module_.get());
  }

  /// After loss.backward(), before clipping: train/grad_norm (the global L2 norm, what
  /// clip_grad_norm_ returns), train/grad_absmax, train/grad_nonfinite; logged into `run`'s row at
  /// `step` (left open) when step % every == 0. Returns the global norm.
  template <class Logger>
  double gradients(Logger& run, std::int64_t step) {
    double norm = gradients();
    if (step % opts_.every == 0) log(run, last_grads_, step);
    return norm;
  }
  double gradients() {
    torch::NoGradGuard no_grad;
    auto table = make_tensor_table(module_.get());
    last_grads_ = compute_param_stats<stats::grad>(table);
    return last_grads_.grad_norm();
  }

  /// After optimizer.step(): updates the EMA (when one is kept), then, when step % every == 0,
  /// logs model/weight_{mean,std,max,min,nonfinite} and model/ema_diff{,_l2,_rel} at `step`.
  template <class Logger>
  void after_step(Logger& run, std::int64_t step) {
    if (step % opts_.every == 0) log(run, after_step(true), step);
    else after_step(false);
  }
  /// The same without logging; with `measure` the weight/EMA statistics are returned.
  const param_stats_result& after_step(bool measure = true) {
    torch::NoGradGuard no_grad;
    auto table = make_tensor_table(module_.get(), ema_);
    const param_stats_options o{.ema_decay = opts_.ema_decay};
    if (!measure) {
      if (opts_.ema) compute_param_stats<stats::ema_update>(table, o);
      return last_weights_;
    }
    if (opts_.ema) last_weights_ = compute_param_stats<stats::weight | stats::ema_diff | stats::ema_update>(table, o);
    else last_weights_ = compute_param_stats<stats::weight>(table, o);
    return last_weights_;
  }

  /// Weight and EMA statistics now, without touching the EMA (e.g. at the end of an epoch, for
  /// the health rules).
  param_stats_result weights() const {
    torch::NoGradGuard no_grad;
    auto table = make_tensor_table(module_.get(), ema_);
    return opts_.ema ? compute_param_stats<stats::weight | stats::ema_diff>(table) : compute_param_stats<stats::weight>(table);
  }

  /// The EMA tensors (named_parameters() order): evaluate or save them like the weights.
  const std::vector<torch::Tensor>& ema() const { return ema_; }
  const model_param_counts& counts() const { return counts_; }
  const param_stats_result& last_gradients() const { return last_grads_; }
  const param_stats_result& last_weights() const { return last_weights_; }
  const torch_watch_options& options() const { return opts_; }

 private:
  static void check_cpu(const torch::Tensor& p) {
    if (!p.device().is_cpu())
      throw std::invalid_argument("vitals::torch_watch: parameters are on " + p.device().str() +
                                  "; for GPU tensors use vitals::device_param_stats (cuda/vitals/param_stats.cuh) "
                                  "with make_tensor_table() from a .cu file");
  }
  template <class Logger>
  void log(Logger& run, const param_stats_result& r, std::int64_t step) {
    std::vector<metric> m = r.to_metrics();
    owned_metrics pt;
    if (opts_.per_tensor) {
      pt = r.per_tensor_metrics(make_tensor_table(module_.get(), ema_));
      m.insert(m.end(), pt.metrics.begin(), pt.metrics.end());
    }
    run.log(std::span<const metric>(m), std::optional<std::int64_t>(step), std::optional<bool>(false));
  }

  std::reference_wrapper<const torch::nn::Module> module_;
  torch_watch_options opts_;
  std::vector<torch::Tensor> ema_;
  model_param_counts counts_;
  param_stats_result last_grads_, last_weights_;
};

}  // namespace vitals
