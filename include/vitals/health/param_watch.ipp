// Bodies of vitals/health/param_watch.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/param_watch.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace vitals::inline VITALS_ABI::detail {
VITALS_INLINE void check_loss_scale(double s) {
  if (!(s > 0) || !std::isfinite(s))
    throw std::invalid_argument("vitals::param_watch: the loss scale must be a positive finite number, got " +
                                std::to_string(s));
}

VITALS_INLINE void check_watch_options(const watch_options& o, bool has_grad) {
  if (o.log_freq < 1)
    throw std::invalid_argument("vitals::watch_options: log_freq must be >= 1, got " + std::to_string(o.log_freq));
  if (o.histogram_freq < 0)
    throw std::invalid_argument("vitals::watch_options: histogram_freq must be >= 0 (0: the same as log_freq), got " +
                                std::to_string(o.histogram_freq));
  if (o.histogram_bins < 1 || o.histogram_bins > 512)
    throw std::invalid_argument("vitals::watch_options: histogram_bins must be in [1, 512] (W&B's limit), got " +
                                std::to_string(o.histogram_bins));
  if (o.grad_norm_every_step && !has_grad)
    throw std::invalid_argument("vitals::watch_options: grad_norm_every_step needs param_stat::grad in the "
                                "watch's statistics");
  check_loss_scale(o.loss_scale);
}

VITALS_INLINE std::vector<float> host_values(const tensor_ref& r, std::uint64_t numel) {
  std::vector<float> v;
  if (!r.data) return v;
  v.resize(numel);
  for (std::uint64_t i = 0; i < numel; ++i) v[i] = load_as_float(r.data, i, r.type);
  return v;
}

}  // namespace vitals::detail
