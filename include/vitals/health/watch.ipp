// Bodies of vitals/health/watch.hpp (see vitals/version.hpp: compiled once in the library, or
// inline in every file in header-only use).
#pragma once

#include "vitals/health/watch.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "vitals/health/metric_list.hpp"
#include "vitals/health/step_stats.hpp"
#include "vitals/sinks/alerts.hpp"
#include "vitals/sinks/pipeline.hpp"

namespace vitals::inline VITALS_ABI {
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

VITALS_INLINE void watch_health(run& r, health_options opts, health_monitor monitor) {
  if (r.disabled()) return;
  r.set_stage(std::make_unique<detail::health_stage>(std::move(monitor), std::move(opts)));
  r.attach(alerts_jsonl{});
}

VITALS_INLINE void watch_health(run& r, health_options opts) { watch_health(r, std::move(opts), health_monitor{}); }
VITALS_INLINE void watch_health(run& r) { watch_health(r, health_options{}, health_monitor{}); }

}  // namespace vitals
