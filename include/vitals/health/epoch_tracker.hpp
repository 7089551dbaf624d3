// One object for the per-epoch training metrics of a training loop: feed it every optimiser step
// (global grad norm, batch loss, optional named loss terms), call end_epoch(), log what it returns.
// It combines epoch_step_stats, loss_tracker and loss_components, and starts the next epoch.
//
//   vitals::epoch_tracker health;
//   for (auto& batch : data) { ...; health.on_step(grad_norm, loss, {{"mse", mse}, {"kl", kl}}); }
//   auto metrics = health.end_epoch();           // progress measured on train/batch_loss_mean
//   run.log(metrics.metrics(), epoch); monitor.observe(metrics.metrics());
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "vitals/health/loss_components.hpp"
#include "vitals/health/loss_tracker.hpp"
#include "vitals/health/metric_list.hpp"
#include "vitals/health/step_stats.hpp"

namespace vitals::inline VITALS_ABI {
class epoch_tracker {
 public:
  epoch_tracker() = default;
  explicit epoch_tracker(loss_tracker_options opts) : progress_(opts) {}

  void on_step(double grad_norm, double batch_loss) { steps_.add_step(grad_norm, batch_loss); }
  void on_step(double grad_norm, double batch_loss, std::initializer_list<std::pair<std::string_view, double>> terms) {
    steps_.add_step(grad_norm, batch_loss);
    components_.add(terms);
  }
  void add_loss_term(std::string_view term, double value) { components_.add(term, value); }

  /// The epoch's metrics; loss progress is measured on `epoch_loss` (e.g. a validation loss), or
  /// on train/batch_loss_mean when none is given. Starts the next epoch.
  metric_list end_epoch(std::optional<double> epoch_loss = std::nullopt) {
    metric_list out;
    steps_.append_to(out);
    components_.append_to(out);
    if (!epoch_loss && steps_.batch_loss().count > 0) epoch_loss = steps_.batch_loss().mean;
    if (epoch_loss) progress_.update(*epoch_loss, out);
    steps_.reset();
    components_.reset();
    return out;
  }

  const epoch_step_stats& steps() const { return steps_; }
  const loss_tracker& progress() const { return progress_; }

 private:
  epoch_step_stats steps_;
  loss_components components_;
  loss_tracker progress_;
};

}  // namespace vitals
