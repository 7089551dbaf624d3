// Per-epoch aggregates of per-step values: the global gradient norm and the batch loss of every
// optimiser step, summarised as train/grad_norm_{mean,std,max,min} and
// train/batch_loss_{mean,std,max,min,cv} (DESIGN.md names).
//
// std is the population standard deviation (numpy's default, ddof=0) and cv = std / |mean|.
// Non-finite steps are kept out of the statistics and counted instead
// (train/grad_norm_nonfinite, train/batch_loss_nonfinite): one NaN step must not hide the others.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <limits>

#include "vitals/health/accumulator.hpp"
#include "vitals/health/metric_list.hpp"

namespace vitals::inline VITALS_ABI {
class epoch_step_stats {
 public:
  void add_step(double grad_norm, double batch_loss) {
    grad_norm_.add(grad_norm);
    batch_loss_.add(batch_loss);
  }
  void add_grad_norm(double grad_norm) { grad_norm_.add(grad_norm); }
  void add_batch_loss(double batch_loss) { batch_loss_.add(batch_loss); }

  /// Combines another worker's (or rank's) partial statistics of the same epoch.
  void merge(const epoch_step_stats& other) {
    grad_norm_.merge(other.grad_norm_);
    batch_loss_.merge(other.batch_loss_);
  }

  const accumulator& grad_norm() const { return grad_norm_; }
  const accumulator& batch_loss() const { return batch_loss_; }
  /// Replaces a partial (vitals::dist::merge sets the batch losses merged over ranks).
  void set_grad_norm(const accumulator& a) { grad_norm_ = a; }
  void set_batch_loss(const accumulator& a) { batch_loss_ = a; }

  /// Adds the epoch's metrics to `out`; a series with no step at all adds nothing.
  VITALS_INLINE void append_to(metric_list& out) const;
  metric_list metrics() const {
    metric_list out;
    append_to(out);
    return out;
  }

  /// Starts the next epoch.
  void reset() { *this = {}; }

  /// std / |mean|; with mean 0 it is 0 when there is no spread and +inf otherwise.
  static double coefficient_of_variation(double sd, double mean) {
    if (mean == 0) return sd == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return sd / std::fabs(mean);
  }

 private:
  accumulator grad_norm_;
  accumulator batch_loss_;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/step_stats.ipp"
#endif
