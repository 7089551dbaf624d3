// model_params/{total_params, trainable_params, model_size_mb}, logged once per run (the seed's
// K-fold runs log them with the config). model_size_mb = total bytes / 2^20, i.e. total * 4 / 2^20
// for an fp32 model, each parameter counted at its own element size.
#pragma once

#include <cstdint>
#include <span>

#include "vitals/health/dtype.hpp"
#include "vitals/health/metric_list.hpp"
#include "vitals/health/tensor_table.hpp"

namespace vitals {

/// One parameter tensor as far as its size is concerned.
struct param_info {
  std::uint64_t numel = 0;
  dtype type = dtype::f32;
  bool trainable = true;
};

struct model_param_counts {
  std::uint64_t total = 0;
  std::uint64_t trainable = 0;
  std::uint64_t bytes = 0;

  double size_mb() const { return static_cast<double>(bytes) / (1024.0 * 1024.0); }
  /// Average element size (4 for an fp32 model), for run.log_model_params(total, trainable, bytes_per_param()).
  double bytes_per_param() const { return total ? static_cast<double>(bytes) / static_cast<double>(total) : 4.0; }

  void append_to(metric_list& out) const {
    out.set("model_params/total_params", static_cast<double>(total));
    out.set("model_params/trainable_params", static_cast<double>(trainable));
    out.set("model_params/model_size_mb", size_mb());
  }
  metric_list metrics() const {
    metric_list out;
    append_to(out);
    return out;
  }
};

inline model_param_counts count_params(std::span<const param_info> params) {
  model_param_counts c;
  for (const auto& p : params) {
    c.total += p.numel;
    if (p.trainable) c.trainable += p.numel;
    c.bytes += p.numel * dtype_size(p.type);
  }
  return c;
}

/// The same counts from the statistics' tensor table: a parameter is trainable when it has a
/// gradient buffer (a frozen weight is added without one); its size is its weight's element size.
inline model_param_counts count_params(const tensor_table& table) {
  model_param_counts c;
  for (const auto& p : table.params()) {
    c.total += p.numel;
    if (p.grad.data) c.trainable += p.numel;
    c.bytes += p.numel * dtype_size(p.weight.data ? p.weight.type : p.grad.type);
  }
  return c;
}

}  // namespace vitals
