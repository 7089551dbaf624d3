// Bodies of vitals/sinks/report.hpp (see vitals/version.hpp): the report sink's collection and writing.
#pragma once

#include "vitals/sinks/report.hpp"

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/report/html.hpp"
#include "vitals/report/reader.hpp"
#include "vitals/report/run_data.hpp"
#include "vitals/report/series.hpp"
#include "vitals/sinks/json_format.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct html_report_state {
  report::run_data data;
  bool opened = false;
  std::filesystem::path file;
  simdjson::dom::parser parser;
  report::histogram_snapshot hist;
  // Interned keys: a run passes the same key pointers every time, so most lookups hit here.
  std::unordered_map<const char*, std::size_t> by_ptr;
  std::map<std::string, std::string> last_strings;  // short string values, for the summary
  std::vector<std::pair<std::string, std::string>> explicit_summary;  // run.summary(): key, JSON
  std::unordered_map<std::string, std::size_t> explicit_index;
  std::chrono::steady_clock::time_point last_write{};
};

VITALS_INLINE html_report_state* make_state(html_report_state*) { return new html_report_state(); }
VITALS_INLINE void destroy_state(html_report_state* p) noexcept { delete p; }
}  // namespace detail

VITALS_INLINE void html_report::open(const run_info& info) {
  auto& st = *state;
  auto& d = st.data;
  d.limits.buckets = buckets;
  d.limits.histogram_snapshots = histogram_snapshots;
  // A resumed run (run/resume.hpp) draws every start: first the rows its files already hold.
  if (info.resumed) {
    try {
      d = report::read_run_dir(info.dir, d.limits);
    } catch (const std::exception&) {  // not a directory: the report shows this start only
    }
  }
  d.name = info.name;
  d.id = info.id;
  d.project = info.project;
  d.group = info.group;
  d.notes = info.notes;
  d.tags = info.tags;
  d.dir = info.dir.string();
  d.config_json = info.config_json.empty() ? "{}" : info.config_json;
  d.start_time = info.start_time;
  st.file = path.is_absolute() ? path : info.dir / path;
  st.opened = true;
  st.last_write = std::chrono::steady_clock::now();
}

VITALS_INLINE void html_report::write(const record& r) {
  auto& st = *state;
  auto& d = st.data;
  switch (r.kind) {
    case record_kind::history:
      d.begin_row(r.step, r.runtime);
      for (const auto& m : r.metrics) {
        if (m.value.type == metric_value::kind::string) {
          if (report::detail::parse_histogram(st.parser, m.value.s, st.hist)) {
            st.hist.step = r.step;
            d.histogram(m.key).add(std::move(st.hist));
            st.hist = {};
          } else if (m.value.s.size() <= d.limits.max_summary_string) {
            st.last_strings[std::string(m.key)] = std::string(m.value.s);
          }
          continue;
        }
        series_for(m.key).add(r.step, m.value.as_double());
      }
      break;
    case record_kind::summary:
      for (const auto& m : r.metrics) {
        fmt::memory_buffer b;
        if (m.value.type == metric_value::kind::string && m.value.s.size() > d.limits.max_summary_string)
          vitals::detail::append_json_string(b, std::string(m.value.s.substr(0, d.limits.max_summary_string)) + "...");
        else
          vitals::detail::append_json_value(b, m.value, vitals::detail::strict_json);
        std::string v(b.data(), b.size());
        auto [it, fresh] = st.explicit_index.emplace(std::string(m.key), st.explicit_summary.size());
        if (fresh) st.explicit_summary.emplace_back(std::string(m.key), std::move(v));
        else st.explicit_summary[it->second].second = std::move(v);
      }
      break;
    case record_kind::alert: {
      report::alert_entry a;
      a.step = r.step;
      a.timestamp = r.timestamp;
      for (const auto& m : r.metrics) {
        if (m.value.type != metric_value::kind::string) continue;
        if (m.key == "title") a.title = m.value.s;
        else if (m.key == "text") a.text = m.value.s;
        else if (m.key == "level") a.level = m.value.s;
        else if (m.key == "state") a.state = m.value.s;
        else if (m.key == "rule") a.rule = m.value.s;
      }
      if (a.rule.empty()) a.rule = report::rule_from_title(a.title);
      d.alerts.push_back(std::move(a));
      break;
    }
    case record_kind::config: break;  // config.json holds it
    case record_kind::system: break;  // the run's system samples: not charted in the report
  }
}

VITALS_INLINE void html_report::flush() {
  if (refresh_seconds <= 0 || !state->opened) return;
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - state->last_write).count() < refresh_seconds) return;
  write_report(std::nullopt);
}

VITALS_INLINE void html_report::close(int exit_code) {
  if (!state->opened) return;
  write_report(exit_code);
  state->opened = false;
}

VITALS_INLINE report::series& html_report::series_for(std::string_view key) {
  auto& st = *state;
  auto& d = st.data;
  // The run interns keys, so a key's pointer identifies it; the name is still compared, so a
  // caller that reuses one buffer for different names gets the right series.
  auto it = st.by_ptr.find(key.data());
  if (it != st.by_ptr.end() && d.keys[it->second] == key) return d.metrics[it->second];
  auto& s = d.metric(key);
  st.by_ptr.insert_or_assign(key.data(), static_cast<std::size_t>(&s - d.metrics.data()));
  return s;
}

VITALS_INLINE void html_report::write_report(std::optional<int> exit_code) {
  auto& st = *state;
  auto& d = st.data;
  d.exit_code = exit_code;
  // Summary as summary.json has it: the last value of every metric, overridden by run.summary().
  d.clear_summary();
  for (std::size_t i = 0; i < d.keys.size(); ++i) {
    double v = d.metrics[i].last();
    d.set_summary(d.keys[i], std::isfinite(v) ? fmt::format("{}", v) : std::string("null"));
  }
  for (const auto& [k, v] : st.last_strings) {
    std::string js;
    vitals::detail::append_json_string(js, v);
    d.set_summary(k, js);
  }
  for (const auto& [k, v] : st.explicit_summary) d.set_summary(k, v);
  const report::run_data* runs[] = {&d};
  report::write_html(st.file, runs);
  st.last_write = std::chrono::steady_clock::now();
}

VITALS_INLINE const report::run_data& html_report::data() const { return state->data; }

}  // namespace vitals
