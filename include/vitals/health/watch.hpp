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

#include <functional>
#include <string>

#include "vitals/health/alert.hpp"
#include "vitals/health/loss_tracker.hpp"
#include "vitals/health/monitor.hpp"
#include "vitals/run/run.hpp"

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

/// Attaches `monitor` (the seed-003 default rules unless given; custom compile-time rule sets and
/// run-time add/replace/disable are set up on it first) to `r`, with an alerts.jsonl sink. Call it
/// before the first log(). The monitor then belongs to the run's writer thread.
VITALS_INLINE void watch_health(run& r, health_options opts, health_monitor monitor);
/// The same with the default rules (and default options): the defaults are built in the library.
VITALS_INLINE void watch_health(run& r, health_options opts);
VITALS_INLINE void watch_health(run& r);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/watch.ipp"
#endif
