// Optional LibTorch adapter (needs LibTorch; nothing else in vitals includes this header). Guide:
// docs/torch.md; a complete trainer: examples/torch_trainer.
//
//   vitals::torch_watch<> watch(*model, {.log_freq = 10, .histogram_freq = 100,
//                                        .grad_norm_every_step = true});   // registered once
//   vitals::log_model_params(run, watch.counts());              // model_params/* in config + summary
//   ... loss.backward();
//   double gn = *watch.step(run, step);     // before clipping: train/grad_norm, model/weight_*,
//                                           // parameters/<name>, gradients/<name> when due
//   torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
//   optimizer.step();
//   vitals::data_stats ds = vitals::make_data_stats(x, 1); ds.add(x);   // tensors directly
//
// The lower layer is still there: torch_params (the kept table), make_tensor_table(module, ema),
// make_ema, param_stats, log_param_stats.
//
// For CUDA tensors build the table with make_tensor_table() and use vitals::device_param_watch
// (cuda/vitals/param_watch.cuh) in a .cu file (it needs nvcc); param_stats() and torch_watch
// refuse CUDA tensors rather than copying them to the host behind the user's back.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

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
#include "vitals/health/param_watch.hpp"
#include "vitals/health/stat_set.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
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

/// The statistics of a module whose parameters live on the CPU (the reference path), taken once
/// (build a torch_params or torch_watch to keep the table across steps).
template <stat_set Stats = param_stat::grad | param_stat::weight | param_stat::ema_diff>
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
///   vitals::log_model_params(run, vitals::count_params(*model));   // config and summary
inline model_params count_params(const torch::nn::Module& module) {
  std::uint64_t total = 0, trainable = 0, bytes = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) {
    const auto n = static_cast<std::uint64_t>(p.numel());
    total += n;
    if (p.requires_grad()) trainable += n;
    bytes += n * static_cast<std::uint64_t>(p.element_size());
  }
  return detail::model_params_of(total, trainable, bytes);
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

/// A module's parameters registered once as a tensor_table (named as named_parameters() names
/// them), with an optional EMA copy. The table is kept: refresh() rebinds only the buffers LibTorch
/// moved (a gradient set to None by zero_grad() and allocated again by backward()), and rebuilds it
/// only when the parameter set, a size or a dtype changed.
class torch_params {
 public:
  explicit torch_params(const torch::nn::Module& module, bool keep_ema = false) : module_(module) {
    if (keep_ema) ema_ = make_ema(module);
    table_ = make_tensor_table(module, ema_);
    counts_ = count_params(module);
  }

  /// The table with every buffer where LibTorch holds it now. Cheap when nothing moved.
  const tensor_table& refresh() {
    const auto params = module_.get().named_parameters(/*recurse=*/true);
    bool rebuild = params.size() != table_.size();
    for (std::size_t i = 0; i < params.size() && !rebuild; ++i) {
      const torch::Tensor& w = params[i].value();
      const torch::Tensor& g = w.grad();
      const param_tensor& p = table_[i];
      if (static_cast<std::uint64_t>(w.numel()) != p.numel || params[i].key() != p.name ||
          detail::torch_dtype(w, p.name) != p.weight.type || (g.defined() && detail::torch_dtype(g, p.name) != p.grad.type) ||
          (g.defined() && !g.is_contiguous()) || !w.is_contiguous()) {
        rebuild = true;
        break;
      }
      const void* gp = g.defined() ? g.data_ptr() : nullptr;
      if (gp != p.grad.data || w.data_ptr() != p.weight.data) table_.set_buffers(i, gp, w.data_ptr(), p.ema.data);
    }
    if (rebuild) table_ = make_tensor_table(module_.get(), ema_);
    return table_;
  }

  const tensor_table& table() const { return table_; }
  /// The EMA tensors (named_parameters() order; empty without keep_ema): evaluate or save them.
  const std::vector<torch::Tensor>& ema() const { return ema_; }
  bool has_ema() const { return !ema_.empty(); }
  const model_params& counts() const { return counts_; }
  const torch::nn::Module& module() const { return module_.get(); }

 private:
  std::reference_wrapper<const torch::nn::Module> module_;
  std::vector<torch::Tensor> ema_;
  tensor_table table_;
  model_params counts_;
};

/// wandb.watch(model, log="all", log_freq=N) for a LibTorch module on the CPU (the reference
/// path): vitals::param_watch over the module's kept table. For CUDA modules build the table with
/// make_tensor_table() and use vitals::device_param_watch (cuda/vitals/param_watch.cuh) in a .cu
/// file.
///
///   vitals::torch_watch<> watch(*model, {.log_freq = 10, .histogram_freq = 100, .grad_norm_every_step = true});
///   loss.backward();
///   double gn = *watch.step(run, step);     // before clipping: what clip_grad_norm_ returns
///   optimizer.step();
///   watch.update_ema(run, step);            // with an EMA (ema_decay > 0): its own operation
template <stat_set S = param_stat::grad | param_stat::weight>
class torch_watch {
 public:
  /// `ema_decay` > 0 keeps an EMA copy of the parameters, updated by update_ema(); then S may hold
  /// param_stat::ema_diff (model/ema_diff*, taken at step()).
  explicit torch_watch(const torch::nn::Module& module, watch_options opts = {}, float ema_decay = 0)
      : params_((check_cpu(module), module), ema_decay > 0), watch_(params_.table(), opts), ema_decay_(ema_decay) {
    if (!(ema_decay >= 0 && ema_decay <= 1))
      throw std::invalid_argument("vitals::torch_watch: ema_decay must be in [0, 1] (0: no EMA), got " +
                                  std::to_string(ema_decay));
    if (S.contains(param_stat::ema_diff) && !params_.has_ema())
      throw std::invalid_argument("vitals::torch_watch: param_stat::ema_diff needs an EMA; pass ema_decay > 0");
  }

  // The watch points into params_' table: a copy or a move would leave it pointing at the old one.
  torch_watch(const torch_watch&) = delete;
  torch_watch& operator=(const torch_watch&) = delete;

  /// After loss.backward(), before clipping and optimizer.step(): logs what is due at `step` (see
  /// vitals/health/param_watch.hpp) and returns the global gradient norm when computed.
  template <class Logger>
  std::optional<double> step(Logger& run, std::int64_t step) {
    torch::NoGradGuard no_grad;
    params_.refresh();
    return watch_.step(run, step);
  }

  /// After optimizer.step(): e <- d*e + (1-d)*w for every parameter; returns the EMA diff after it.
  param_stats_result update_ema() {
    if (!params_.has_ema()) throw std::logic_error("vitals::torch_watch::update_ema: no EMA kept; pass ema_decay > 0");
    torch::NoGradGuard no_grad;
    return vitals::update_ema(params_.refresh(), {.ema_decay = ema_decay_});
  }

  /// The same, logging model/ema_diff{,_l2,_rel} (the diff after the update) into the row of
  /// `step` when statistics are due then.
  template <class Logger>
  void update_ema(Logger& run, std::int64_t step) {
    const auto r = update_ema();
    if (!watch_.stats_due(step)) return;
    const auto m = r.to_metrics();
    run.log(std::span<const metric>(m), std::optional<std::int64_t>(step), std::optional<bool>(false));
  }

  void set_loss_scale(double s) { watch_.set_loss_scale(s); }
  const std::vector<torch::Tensor>& ema() const { return params_.ema(); }
  const model_params& counts() const { return params_.counts(); }
  const param_stats_result& last() const { return watch_.last(); }
  const tensor_table& table() const { return params_.table(); }
  const watch_options& options() const { return watch_.options(); }

 private:
  static void check_cpu(const torch::nn::Module& module) {
    for (const auto& p : module.parameters(true))
      if (!p.device().is_cpu())
        throw std::invalid_argument("vitals::torch_watch: parameters are on " + p.device().str() +
                                    "; for GPU tensors use vitals::device_param_watch (cuda/vitals/param_watch.cuh) "
                                    "with make_tensor_table() from a .cu file");
  }

  torch_params params_;
  param_watch<S> watch_;
  float ema_decay_;
};

}  // namespace vitals
