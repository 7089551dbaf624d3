// Epoch-to-epoch loss progress: train/loss_decrease (previous epoch's loss minus this one's),
// train/loss_decrease_pct (that, in percent of the previous loss), train/is_improving (1 when the
// loss dropped by more than min_delta and by more than min_rel_delta of the previous loss, else 0) and train/epochs_not_improving (consecutive epochs
// with is_improving = 0; the plateau rule watches is_improving over 10 epochs).
//
// The first epoch has nothing to compare with: it logs only epochs_not_improving = 0. A non-finite
// loss counts as not improving, and the next epoch compares with the last finite loss.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <optional>

#include "vitals/health/metric_list.hpp"

namespace vitals::inline VITALS_ABI {
struct loss_tracker_options {
  /// The loss must drop by more than this to count as improving.
  double min_delta = 0.0;
  /// ...and by more than this fraction of the previous loss. The default (PyTorch's
  /// ReduceLROnPlateau threshold) keeps rounding noise of a stalled run from counting as progress:
  /// with a zero learning rate the epoch loss still wobbles by ~1e-16.
  double min_rel_delta = 1e-4;
};

class loss_tracker {
 public:
  loss_tracker() = default;
  explicit loss_tracker(loss_tracker_options opts) : opts_(opts) {}

  /// Records this epoch's loss (e.g. train/batch_loss_mean or a validation loss) and adds the
  /// progress metrics to `out`.
  VITALS_INLINE void update(double epoch_loss, metric_list& out);
  metric_list update(double epoch_loss) {
    metric_list out;
    update(epoch_loss, out);
    return out;
  }

  int epochs_not_improving() const { return not_improving_; }
  std::optional<double> previous_loss() const { return previous_; }

 private:
  loss_tracker_options opts_;
  std::optional<double> previous_;
  int not_improving_ = 0;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/loss_tracker.ipp"
#endif
