// Health that belongs to the run: vitals::watch_health(run) attaches a health_monitor that reads
// the rows the run commits, on the run's writer thread, so log() does no extra work.
//
//   vitals::watch_health(run, {.loss_key = "train/loss", .grad_norm_key = "train/grad_norm"});
//   for (epoch ...) {
//     for (step ...) run.log({{"train/loss", loss}, {"train/grad_norm", gn}}, step);
//     run.log({{"val/accuracy", acc}}, last_step);   // the epoch's own values, row left open
//     run.end_epoch();                                // the monitor evaluates on this row
//   }
//
// How the monitor learns what it needs:
//  - batch loss and grad norm: the keys `loss_key` and `grad_norm_key` of every committed row (only
//    the rows you log: log every step for exact epoch statistics);
//  - the end of an epoch: the row run.end_epoch() commits. On that row it adds the epoch's step
//    statistics (train/grad_norm_{mean,std,max,min}, train/batch_loss_{mean,std,max,min,cv},
//    train/is_improving, ...), observes every numeric value of the row (model/*, val/*, ...) and,
//    every `every_epochs` epochs, evaluates the rules and adds health/<rule> (0/1) and
//    health/alerts_active to the same row;
//  - alerts: each state change becomes an alert record after that row, for every sink (console:
//    firing and cleared; W&B: alert records; alerts.jsonl: every state, written by the
//    alerts_jsonl sink this attaches). "Not evaluated" notices reach alerts.jsonl only.
// Callbacks (health_options::on_alert) run on the writer thread, after the sinks saw the row; they
// must not call the run (log, flush, finish). One that throws disables the monitor, reported in
// metadata.json's sink_errors; training goes on.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/health/alert.hpp"
#include "vitals/health/loss_tracker.hpp"
#include "vitals/health/metric_list.hpp"
#include "vitals/health/monitor.hpp"
#include "vitals/health/step_stats.hpp"
#include "vitals/run/run.hpp"
#include "vitals/sinks/alerts.hpp"
#include "vitals/sinks/pipeline.hpp"

namespace vitals::inline VITALS_ABI {
struct health_options {
  std::string loss_key = "train/loss";            // the batch loss in the step rows
  std::string grad_norm_key = "train/grad_norm";  // the global gradient norm in the step rows
  std::string epoch_key = "epoch";                // the epoch number, when a row carries it
  int every_epochs = 1;                           // evaluate the rules every N end_epoch() rows
  loss_tracker_options progress{};                // what counts as improving
  /// Called for every alert event (fired, firing, cleared, not_evaluated) on the writer thread.
  std::function<void(const alert_event&)> on_alert{};
};

namespace detail {

class health_stage final : public record_stage {
 public:
  health_stage(health_monitor m, health_options o) : monitor_(std::move(m)), opts_(std::move(o)), progress_(opts_.progress) {}

  void process(const record& r, std::vector<metric>& row, std::vector<record>& after) override {
    if (r.kind != record_kind::history) return;
    bool end = false;
    std::optional<std::int64_t> epoch;
    std::erase_if(row, [&](const metric& m) {
      if (m.key == "_vitals/epoch_end") return end = true;
      if (m.value.type == metric_value::kind::string) return false;
      const double v = m.value.as_double();
      if (m.key == opts_.loss_key) steps_.add_batch_loss(v);
      else if (m.key == opts_.grad_norm_key) steps_.add_grad_norm(v);
      else if (m.key == opts_.epoch_key) epoch = static_cast<std::int64_t>(v);
      monitor_.observe(m.key, v);
      return false;
    });
    if (!end) return;
    // The epoch's step statistics join its last row and the monitor's window.
    epoch_metrics_ = metric_list{};
    steps_.append_to(epoch_metrics_);
    if (steps_.batch_loss().count > 0) progress_.update(steps_.batch_loss().mean, epoch_metrics_);
    steps_.reset();
    monitor_.observe(epoch_metrics_);
    for (const auto& [k, v] : epoch_metrics_) row.push_back(metric{k, metric_value(v)});
    const std::int64_t e = epoch.value_or(epochs_);
    ++epochs_;
    if (opts_.every_epochs > 1 && epochs_ % opts_.every_epochs != 0) return;
    const health_report& rep = monitor_.evaluate(e);
    row.insert(row.end(), rep.metrics.begin(), rep.metrics.end());
    // Alert records follow the row; their views point into events_ (kept until the next call).
    events_ = rep.events;
    fields_.resize(events_.size());
    for (std::size_t i = 0; i < events_.size(); ++i) {
      fields_[i] = events_[i].record_fields();
      after.push_back(record{record_kind::alert, r.step, r.timestamp, r.runtime, std::span<const metric>(fields_[i])});
    }
    if (opts_.on_alert)
      for (const auto& ev : events_) opts_.on_alert(ev);
  }

 private:
  health_monitor monitor_;
  health_options opts_;
  epoch_step_stats steps_;
  loss_tracker progress_;
  metric_list epoch_metrics_;
  std::int64_t epochs_ = 0;
  std::vector<alert_event> events_;
  std::vector<std::array<metric, 6>> fields_;
};

}  // namespace detail

/// Attaches `monitor` (the seed-003 default rules unless given; custom compile-time rule sets and
/// run-time add/replace/disable are set up on it first) to `r`, with an alerts.jsonl sink. Call it
/// before the first log(). The monitor then belongs to the run's writer thread.
inline void watch_health(run& r, health_options opts = {}, health_monitor monitor = health_monitor{}) {
  if (r.disabled()) return;
  r.set_stage(std::make_unique<detail::health_stage>(std::move(monitor), std::move(opts)));
  r.attach(alerts_jsonl{});
}

}  // namespace vitals
