// Optional LibTorch adapter (needs LibTorch; nothing else in vitals includes this header):
// a tensor_table from a module's named_parameters(), EMA copies, the statistics, and logging.
//
//   auto ema = vitals::make_ema(*model);                     // once (model: a ModuleHolder)
//   ... loss.backward(); optimizer.step();
//   auto r = vitals::param_stats(*model, ema);               // CPU reference for CPU tensors
//   vitals::log_param_stats(run, r, table, step);            // train/grad_norm, model/weight_*, ...
//
// For CUDA tensors build the table with make_tensor_table() and use vitals::device_param_stats
// from cuda/vitals/param_stats.cuh in a .cu file (it needs nvcc); param_stats() refuses CUDA tensors
// rather than copying them to the host behind the user's back.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/health/dtype.hpp"
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

}  // namespace vitals
