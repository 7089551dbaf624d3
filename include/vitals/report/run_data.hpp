// What the HTML report shows of one run, collected in bounded memory: each numeric metric as a
// report::series (buckets with min/max envelopes), histogram snapshots, every alert, the summary,
// the config and the run's identity. Filled row by row by the report sink (on the writer thread)
// or by report::read_run_dir (from a run directory's files).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vitals/report/series.hpp"

namespace vitals::inline VITALS_ABI::report {
struct alert_entry {
  std::int64_t step = 0;
  std::int64_t epoch = -1;  // from alerts.jsonl; -1 when the alert came as a record
  double timestamp = 0;
  std::string rule;   // "exploding_gradients"
  std::string state;  // fired / firing / cleared / not_evaluated
  std::string level;  // warning / error / info (or WARN / ERROR / INFO)
  std::string title;
  std::string text;
};

/// A rule name from an alert title such as "exploding_gradients fired" (the health monitor's
/// form); the title itself when it has no state word at its end.
inline std::string rule_from_title(std::string_view title) {
  for (std::string_view st : {" fired", " firing", " cleared", " not_evaluated"})
    if (title.size() > st.size() && title.ends_with(st)) return std::string(title.substr(0, title.size() - st.size()));
  return std::string(title);
}

struct report_limits {
  std::size_t buckets = 512;           // per metric (drawn points; min/max envelopes kept)
  std::size_t histogram_snapshots = 64;  // per histogram key
  std::size_t max_summary_string = 256;  // longer string summary values are cut
};

struct run_data {
  // Identity (any may be empty).
  std::string name, id, project, group, notes, dir;
  std::vector<std::string> tags;
  std::string config_json = "{}";  // a JSON object
  std::string metadata_json;       // a JSON object, or empty
  std::optional<int> exit_code;    // absent: crashed or still running
  double start_time = 0;           // seconds since the Unix epoch
  double runtime = 0;              // seconds, of the last row
  std::int64_t rows = 0;           // history rows read
  std::int64_t first_step = 0, last_step = 0;
  std::vector<std::string> warnings;  // shown in the report: "ignored a torn last line", ...

  report_limits limits;

  // Metrics in order of first appearance.
  std::vector<std::string> keys;
  std::vector<series> metrics;
  std::vector<std::string> histogram_keys;
  std::vector<histogram_track> histograms;
  std::vector<alert_entry> alerts;
  // Summary: key -> JSON value text, in first-set order; explicit summaries override last values.
  std::vector<std::pair<std::string, std::string>> summary;

  series& metric(std::string_view key) {
    auto it = index_.find(std::string(key));
    if (it != index_.end()) return metrics[it->second];
    index_.emplace(std::string(key), metrics.size());
    keys.emplace_back(key);
    metrics.emplace_back(limits.buckets);
    return metrics.back();
  }
  histogram_track& histogram(std::string_view key) {
    auto it = hindex_.find(std::string(key));
    if (it != hindex_.end()) return histograms[it->second];
    hindex_.emplace(std::string(key), histograms.size());
    histogram_keys.emplace_back(key);
    histograms.emplace_back(limits.histogram_snapshots);
    return histograms.back();
  }
  /// Sets summary[key] = json (replacing an earlier value).
  void set_summary(std::string_view key, std::string json) {
    auto it = sindex_.find(std::string(key));
    if (it != sindex_.end()) {
      summary[it->second].second = std::move(json);
      return;
    }
    sindex_.emplace(std::string(key), summary.size());
    summary.emplace_back(std::string(key), std::move(json));
  }
  void clear_summary() {
    summary.clear();
    sindex_.clear();
  }
  bool has_summary(std::string_view key) const { return sindex_.count(std::string(key)) != 0; }

  /// Notes a history row at `step` (call once per row, before its values).
  void begin_row(std::int64_t step, double row_runtime) {
    if (rows == 0) first_step = step;
    last_step = step;
    runtime = row_runtime;
    ++rows;
  }

 private:
  std::unordered_map<std::string, std::size_t> index_, hindex_, sindex_;
};

}  // namespace vitals::report
