// Bodies of vitals/health/param_stats.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/param_stats.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE void param_stats_result::unscale_gradients(double loss_scale) {
    if (!(loss_scale > 0) || !std::isfinite(loss_scale))
      throw std::invalid_argument("vitals::param_stats_result::unscale_gradients: the loss scale must be a positive "
                                  "finite number, got " + std::to_string(loss_scale));
    if (loss_scale == 1.0) return;
    auto unscale = [loss_scale](norm_stats& g) {
      g.sum_sq /= loss_scale * loss_scale;
      g.sum_abs /= loss_scale;
      g.absmax /= loss_scale;
    };
    unscale(total.grad);
    for (auto& t : per_tensor) unscale(t.grad);
  }

VITALS_INLINE std::vector<metric> param_stats_result::to_metrics() const {
    std::vector<metric> m;
    if (computed.contains(param_stat::grad)) {
      m.push_back({"train/grad_norm", grad_norm()});
      m.push_back({"train/grad_absmax", grad_absmax()});
      m.push_back({"train/grad_nonfinite", total.grad.nonfinite});
    }
    if (computed.contains(param_stat::weight)) {
      m.push_back({"model/weight_mean", weight_mean()});
      m.push_back({"model/weight_std", weight_std()});
      m.push_back({"model/weight_max", weight_max()});
      m.push_back({"model/weight_min", weight_min()});
      m.push_back({"model/weight_nonfinite", total.weight.nonfinite});
    }
    if (computed.contains(param_stat::ema_diff)) {
      m.push_back({"model/ema_diff", ema_diff()});
      m.push_back({"model/ema_diff_l2", ema_diff_l2()});
      m.push_back({"model/ema_diff_rel", ema_diff_rel()});
    }
    return m;
  }

VITALS_INLINE owned_metrics param_stats_result::per_tensor_metrics(const tensor_table& table) const {
    std::vector<std::string> names;
    names.reserve(table.size());
    for (const auto& p : table.params()) names.push_back(p.name);
    return per_tensor_metrics(names);
  }

VITALS_INLINE owned_metrics param_stats_result::per_tensor_metrics(const std::vector<std::string>& names) const {
    if (names.size() != per_tensor.size())
      throw std::invalid_argument("vitals::param_stats_result::per_tensor_metrics: " + std::to_string(names.size()) +
                                  " names for " + std::to_string(per_tensor.size()) +
                                  " tensors; pass the table (or names) the statistics were computed from");
    owned_metrics out;
    std::vector<double> values;
    for (std::size_t i = 0; i < per_tensor.size(); ++i) {
      const auto& name = names[i];
      if (computed.contains(param_stat::grad)) {
        out.keys.push_back("grad_norm/" + name);
        values.push_back(per_tensor[i].grad.l2());
      }
      if (computed.contains(param_stat::weight)) {
        out.keys.push_back("weight_absmax/" + name);
        values.push_back(per_tensor[i].weight.absmax);
      }
      if (computed.contains(param_stat::ema_diff)) {
        out.keys.push_back("ema_diff/" + name);
        values.push_back(per_tensor[i].ema_diff.mean_abs());
      }
    }
    // Views are taken only once `keys` is complete, so no reallocation can move the strings.
    out.metrics.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) out.metrics.push_back({out.keys[i], values[i]});
    return out;
  }

}  // namespace vitals

namespace vitals::inline VITALS_ABI::detail {
VITALS_INLINE void check_options(const param_stats_options& o) {
  if (!(o.ema_decay >= 0.0f && o.ema_decay <= 1.0f))
    throw std::invalid_argument("vitals::param_stats_options: ema_decay must be in [0, 1], got " +
                                std::to_string(o.ema_decay));
  if (o.histogram_bins == 0 || o.histogram_bins > param_stats_options::max_histogram_bins)
    throw std::invalid_argument("vitals::param_stats_options: histogram_bins must be in [1, " +
                                std::to_string(param_stats_options::max_histogram_bins) + "], got " +
                                std::to_string(o.histogram_bins));
}

}  // namespace vitals::detail
