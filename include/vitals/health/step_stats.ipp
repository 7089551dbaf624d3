// Bodies of vitals/health/step_stats.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/step_stats.hpp"

#include <cmath>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE void epoch_step_stats::append_to(metric_list& out) const {
    if (grad_norm_.count + grad_norm_.nonfinite > 0) {
      if (grad_norm_.count > 0) {
        out.set("train/grad_norm_mean", grad_norm_.mean);
        out.set("train/grad_norm_std", std::sqrt(grad_norm_.variance()));
        out.set("train/grad_norm_max", grad_norm_.max);
        out.set("train/grad_norm_min", grad_norm_.min);
      }
      out.set("train/grad_norm_nonfinite", static_cast<double>(grad_norm_.nonfinite));
    }
    if (batch_loss_.count + batch_loss_.nonfinite > 0) {
      if (batch_loss_.count > 0) {
        double sd = std::sqrt(batch_loss_.variance());
        out.set("train/batch_loss_mean", batch_loss_.mean);
        out.set("train/batch_loss_std", sd);
        out.set("train/batch_loss_max", batch_loss_.max);
        out.set("train/batch_loss_min", batch_loss_.min);
        out.set("train/batch_loss_cv", coefficient_of_variation(sd, batch_loss_.mean));
      }
      out.set("train/batch_loss_nonfinite", static_cast<double>(batch_loss_.nonfinite));
    }
  }

}  // namespace vitals
