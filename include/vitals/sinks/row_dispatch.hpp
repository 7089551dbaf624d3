// The writer thread's side of a run's pipeline, row by row: the record stage (health monitor)
// first, then every sink, then the summary table.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/sinks/key_table.hpp"
#include "vitals/sinks/pipeline_row.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/sinks/record_stage.hpp"
#include "vitals/sinks/summary_table.hpp"
#include "vitals/sinks/writer_sinks.hpp"

namespace vitals::inline VITALS_ABI::detail {
class row_dispatch {
 public:
  /// Under the pipeline lock, after taking rows: the writer's copy of the key names (views of the
  /// key table's stable strings), so that it never reads the table while a caller adds to it.
  void sync_names(const key_table& keys) {
    for (auto id = static_cast<std::uint32_t>(names_.size()); id < keys.size(); ++id) {
      names_.push_back(keys.name(id));
      marker_.push_back(keys.name(id).starts_with("_vitals/"));  // decided once per key, not per value
    }
  }

  void dispatch(const pipeline_row& row) {
    const std::size_t n = row.values.size();
    if (metrics_.size() < n) metrics_.resize(n);  // grows to the widest row once
    for (std::size_t k = 0; k < n; ++k) {
      metrics_[k].key = names_[row.values[k].id];
      metrics_[k].value = row.value(k);
    }
    const std::span<const metric> row_metrics(metrics_.data(), n);
    record rec{row.kind, row.step, row.timestamp, row.runtime, row_metrics};
    staged_after_.clear();
    if (stage_) {
      // A failing stage (a throwing alert callback) is reported like a failing sink and then left
      // out: training and the other sinks go on.
      try {
        staged_.assign(rec.metrics.begin(), rec.metrics.end());
        stage_->process(rec, staged_, staged_after_);
        rec.metrics = std::span<const metric>(staged_);
      } catch (const std::exception& e) {
        sinks.add_error(std::string("stage: ") + e.what());
        stage_.reset();
        staged_after_.clear();
      }
    }
    sinks.write(rec);
    for (const auto& extra : staged_after_) sinks.write(extra);
    written_.fetch_add(1, std::memory_order_relaxed);
    summary.note(row, row_metrics, marker_);
  }

  /// Before the first record (the pipeline holds its lock; the writer reads it under that lock first).
  void set_stage(std::unique_ptr<record_stage> s) { stage_ = std::move(s); }
  std::uint64_t written() const { return written_.load(); }

  writer_sinks sinks;
  summary_table summary;  // read by others only after the writer has stopped

 private:
  std::vector<std::string_view> names_;  // key id -> name
  std::vector<char> marker_;             // key id -> a "_vitals/" marker key (not a value)
  std::vector<metric> metrics_;          // the row being dispatched, names and strings restored (its first n)
  std::unique_ptr<record_stage> stage_;
  std::vector<metric> staged_;
  std::vector<record> staged_after_;
  std::atomic<std::uint64_t> written_{0};
};

}  // namespace vitals::detail
