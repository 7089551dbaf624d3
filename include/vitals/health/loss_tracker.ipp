// Bodies of vitals/health/loss_tracker.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/loss_tracker.hpp"

#include <cmath>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE void loss_tracker::update(double epoch_loss, metric_list& out) {
    bool finite = std::isfinite(epoch_loss);
    if (previous_) {
      double decrease = *previous_ - epoch_loss;
      bool improving = finite && decrease > opts_.min_delta &&
                       decrease > opts_.min_rel_delta * std::fabs(*previous_);
      out.set("train/loss_decrease", decrease);
      out.set("train/loss_decrease_pct", *previous_ != 0 ? 100.0 * decrease / std::fabs(*previous_) : 0.0);
      out.set("train/is_improving", improving ? 1.0 : 0.0);
      not_improving_ = improving ? 0 : not_improving_ + 1;
    }
    out.set("train/epochs_not_improving", static_cast<double>(not_improving_));
    if (finite) previous_ = epoch_loss;
  }

}  // namespace vitals
