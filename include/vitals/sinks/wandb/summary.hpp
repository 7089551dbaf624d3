// The W&B sink's summary: the last value of every history key, explicit summary values, a resumed
// run's earlier summary, and define_metric's client-side statistics (min/max/mean/best/first/last),
// merged into the summary record written at close.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "vitals/sinks/wandb/sink_state.hpp"

namespace vitals::inline VITALS_ABI::detail {
class wandb_summary : public wandb_sink_state {
 protected:
  /// The summary the earlier starts left (the run's summary.json): keys this start does not set
  /// again keep their values, as W&B merges a resumed run's summary.
  void read_resumed_summary(const std::filesystem::path& p) {
    std::string text;
    if (std::FILE* fp = std::fopen(p.c_str(), "rb")) {
      char b[4096];
      for (std::size_t n; (n = std::fread(b, 1, sizeof b, fp)) > 0;) text.append(b, n);
      std::fclose(fp);
    }
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (text.empty() || parser.parse(text).get(obj)) return;
    for (auto field : obj)
      if (!field.key.starts_with("_")) set_value(resumed_summary_, resumed_index_, field.key, simdjson::minify(field.value));
  }


  const wandb_metric* summary_rule_for(std::string_view key) const {
    for (const auto& m : opt_.metrics)
      if (!m.summary.empty() && m.name == key) return &m;
    for (const auto& m : opt_.metrics)
      if (!m.summary.empty() && m.name.find('*') != std::string::npos && detail::wandb_glob_match(m.name, key)) return &m;
    return nullptr;
  }

  void aggregate(const metric& m) {
    auto it = stats_.find(m.key);
    if (it == stats_.end()) it = stats_.emplace(std::string(m.key), key_stats{summary_rule_for(m.key)}).first;
    key_stats& st = it->second;
    if (!st.rule || m.value.type == metric_value::kind::string) return;
    const double x = m.value.as_double();
    if (st.n == 0) st.min = st.max = st.first = x;
    st.min = std::min(st.min, x);
    st.max = std::max(st.max, x);
    st.sum += x;
    st.last = x;
    ++st.n;
  }

  /// The final summary: the last value of every history key (or its define_metric summary
  /// statistics), overridden and extended by explicit summary values.
  value_table final_summary() const {
    value_table out;
    value_index idx;
    for (const auto& [k, v] : resumed_summary_) set_value(out, idx, k, v);
    for (const auto& [k, v] : last_) {
      auto it = stats_.find(k);
      if (it == stats_.end() || !it->second.rule || it->second.n == 0) {
        set_value(out, idx, k, v);
        continue;
      }
      const key_stats& st = it->second;
      std::string j = "{";
      bool drop = false, copy = false;
      for (const auto& what : st.rule->summary) {
        double x = 0;
        if (what == "min") x = st.min;
        else if (what == "max") x = st.max;
        else if (what == "mean") x = st.sum / static_cast<double>(st.n);
        else if (what == "first") x = st.first;
        else if (what == "last") x = st.last;
        else if (what == "best") x = st.rule->goal.starts_with("max") ? st.max : st.min;
        else if (what == "none") { drop = true; continue; }
        else { copy = true; continue; }
        if (j.size() > 1) j += ",";
        detail::append_json_string(j, what);
        j += ":";
        detail::append_json_double(j, x, detail::wandb_json);
      }
      j += "}";
      if (j.size() > 2) set_value(out, idx, k, j);
      else if (copy || !drop) set_value(out, idx, k, v);
    }
    for (const auto& [k, v] : explicit_summary_) set_value(out, idx, k, v);
    return out;
  }

  void write_summary() {
    namespace f = detail::wandb_fields;
    begin_record();
    const auto s = pb_.begin_message(f::Record::summary);
    for (const auto& [k, v] : final_summary()) kv(f::SummaryRecord::update, k, v);
    const auto w = pb_.begin_message(f::SummaryRecord::update);
    pb_.bytes_field(f::SummaryItem::nested_key, "_wandb");
    pb_.bytes_field(f::SummaryItem::nested_key, "runtime");
    pb_.bytes_field(f::SummaryItem::value_json, std::to_string(runtime_seconds()));
    pb_.end_message(w);
    pb_.end_message(s);
    end_record();
  }

};

}  // namespace vitals::detail
