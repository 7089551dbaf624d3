// Bodies of vitals/report/reader.hpp (see vitals/version.hpp); also the W&B histogram JSON readers the report sink uses.
#pragma once

#include "vitals/report/reader.hpp"

#include <cstdint>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/json.hpp"
#include "vitals/detail/simdjson.hpp"

namespace vitals::inline VITALS_ABI::report {
namespace detail {

VITALS_INLINE bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Marker strings that stand for the bare tokens simdjson does not accept.
inline constexpr std::string_view nan_token = "\x01NaN", pinf_token = "\x01Infinity", ninf_token = "\x01-Infinity";

/// Rewrites bare NaN / Infinity / -Infinity outside strings into quoted marker strings, so that a
/// standard JSON parser reads the line. Returns false when nothing needed rewriting.
VITALS_INLINE bool quote_nonfinite(std::string_view line, std::string& out) {
  bool in_str = false, changed = false;
  out.clear();
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_str) {
      out.push_back(c);
      if (c == '\\' && i + 1 < line.size()) out.push_back(line[++i]);
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
      out.push_back(c);
      continue;
    }
    auto rest = line.substr(i);
    if (rest.starts_with("NaN")) {
      out += "\"\\u0001NaN\"";
      i += 2;
      changed = true;
    } else if (rest.starts_with("Infinity")) {
      out += "\"\\u0001Infinity\"";
      i += 7;
      changed = true;
    } else if (rest.starts_with("-Infinity")) {
      out += "\"\\u0001-Infinity\"";
      i += 8;
      changed = true;
    } else {
      out.push_back(c);
    }
  }
  return changed;
}

/// Calls f(line) for each complete line of a file (the last one only if it ends with '\n');
/// returns the number of bytes of a torn tail (0 if none), or -1 if the file cannot be opened.
template <class F>
std::int64_t for_each_line(const std::filesystem::path& p, F&& f) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return -1;
  std::string line;
  std::int64_t torn = 0;
  while (std::getline(in, line)) {
    if (in.eof()) {  // no newline after it: a torn last line (the writer died mid-line)
      torn = static_cast<std::int64_t>(line.size());
      break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    f(std::string_view(line));
  }
  return torn;
}

VITALS_INLINE std::string minified(simdjson::dom::element e) { return simdjson::minify(e); }

VITALS_INLINE std::string element_string(simdjson::dom::element e) {
  std::string_view s;
  if (!e.get(s)) return std::string(s);
  return {};
}


/// Reads a W&B histogram object ({"_type":"histogram","values":[n],"bins":[n+1]}) from an element.
VITALS_INLINE bool histogram_from_element(simdjson::dom::element root, histogram_snapshot& h) {
  std::string_view type;
  if (root["_type"].get(type) || type != "histogram") return false;
  simdjson::dom::array bins, values;
  if (root["bins"].get(bins) || root["values"].get(values)) return false;
  h.bins.clear();
  h.values.clear();
  for (auto v : bins) {
    double d;
    if (v.get(d)) return false;
    h.bins.push_back(d);
  }
  for (auto v : values) {
    double d;
    if (v.get(d)) return false;
    h.values.push_back(d);
  }
  return !h.values.empty() && h.bins.size() == h.values.size() + 1;
}

/// Reads W&B histogram JSON text; false when `s` is not one.
VITALS_INLINE bool parse_histogram(simdjson::dom::parser& parser, std::string_view s, histogram_snapshot& h) {
  if (!s.starts_with("{") || s.find("\"histogram\"") == std::string_view::npos) return false;
  simdjson::padded_string padded(s);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return false;
  return histogram_from_element(root, h);
}

}  // namespace detail

VITALS_INLINE run_data read_run_dir(const std::filesystem::path& dir, report_limits limits) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw std::runtime_error("vitals-report: '" + dir.string() + "' is not a run directory");
  run_data r;
  r.limits = limits;
  r.dir = dir.string();
  r.name = dir.filename().string();
  simdjson::dom::parser parser;
  std::string text;

  // config.json
  if (detail::read_file(dir / "config.json", text)) {
    simdjson::dom::element e;
    simdjson::padded_string padded(text);
    if (!parser.parse(padded).get(e) && e.is_object()) r.config_json = detail::minified(e);
    else r.warnings.push_back("config.json does not parse as a JSON object; not shown");
  } else {
    r.warnings.push_back("no config.json");
  }

  // metadata.json: identity, start time, exit code.
  if (detail::read_file(dir / "metadata.json", text)) {
    simdjson::dom::element e;
    simdjson::padded_string padded(text);
    if (!parser.parse(padded).get(e) && e.is_object()) {
      r.metadata_json = detail::minified(e);
      std::string_view s;
      if (!e["name"].get(s)) r.name = std::string(s);
      if (!e["id"].get(s)) r.id = std::string(s);
      if (!e["project"].get(s)) r.project = std::string(s);
      if (!e["group"].get(s)) r.group = std::string(s);
      if (!e["notes"].get(s)) r.notes = std::string(s);
      simdjson::dom::array tags;
      if (!e["tags"].get(tags))
        for (auto t : tags)
          if (!t.get(s)) r.tags.emplace_back(s);
      double d;
      if (!e["start_timestamp"].get(d)) r.start_time = d;
      std::int64_t code;
      if (!e["exit_code"].get(code)) r.exit_code = static_cast<int>(code);
    } else {
      r.warnings.push_back("metadata.json does not parse");
    }
  }

  // alerts.jsonl first: which epochs need a step.
  std::vector<alert_entry> alerts;
  std::int64_t bad_alert_lines = 0;
  auto torn_alerts = detail::for_each_line(dir / "alerts.jsonl", [&](std::string_view line) {
    if (line.empty()) return;
    simdjson::padded_string padded(line);
    simdjson::dom::element e;
    if (parser.parse(padded).get(e) || !e.is_object()) {
      ++bad_alert_lines;
      return;
    }
    alert_entry a;
    std::int64_t ep;
    if (!e["epoch"].get(ep)) a.epoch = ep;
    std::int64_t st;
    if (!e["step"].get(st)) a.step = st;
    else a.step = a.epoch;
    double ts;
    if (!e["timestamp"].get(ts)) a.timestamp = ts;
    auto str = [&](const char* k) {
      simdjson::dom::element v;
      return e[k].get(v) ? std::string() : detail::element_string(v);
    };
    a.rule = str("rule");
    a.state = str("state");
    a.level = str("level");
    a.title = str("title");
    a.text = str("text");
    if (a.rule.empty()) a.rule = rule_from_title(a.title);
    alerts.push_back(std::move(a));
  });
  if (torn_alerts > 0) r.warnings.push_back(fmt::format("alerts.jsonl: ignored a torn last line ({} bytes)", torn_alerts));
  if (bad_alert_lines) r.warnings.push_back(fmt::format("alerts.jsonl: skipped {} unparsable lines", bad_alert_lines));
  std::map<std::int64_t, std::int64_t> epoch_step;  // epoch -> last step with that epoch
  for (const auto& a : alerts)
    if (a.epoch >= 0) epoch_step.emplace(a.epoch, -1);
  bool has_epoch_column = false;

  // metrics.jsonl, streamed.
  std::string fixed;
  std::int64_t bad_lines = 0;
  histogram_snapshot h;
  simdjson::dom::parser hparser;
  auto torn = detail::for_each_line(dir / "metrics.jsonl", [&](std::string_view line) {
    if (line.empty()) return;
    std::string_view src = line;
    if (line.find_first_of("NI") != std::string_view::npos && detail::quote_nonfinite(line, fixed)) src = fixed;
    simdjson::padded_string padded(src);
    simdjson::dom::object obj;
    if (parser.parse(padded).get(obj)) {
      ++bad_lines;
      return;
    }
    std::int64_t step = r.rows ? r.last_step + 1 : 0;
    double runtime = r.runtime;
    {
      std::int64_t s;
      double d;
      if (!obj["_step"].get(s)) step = s;
      else if (!obj["_step"].get(d)) step = static_cast<std::int64_t>(d);
      if (!obj["_runtime"].get(d)) runtime = d;
    }
    r.begin_row(step, runtime);
    for (auto [key, v] : obj) {
      if (key.starts_with("_")) continue;  // _step, _runtime, _timestamp, W&B internals
      double d;
      std::int64_t i;
      bool b;
      std::string_view s;
      switch (v.type()) {
        case simdjson::dom::element_type::DOUBLE:
          if (!v.get(d)) r.metric(key).add(step, d);
          break;
        case simdjson::dom::element_type::INT64:
          if (v.get(i)) break;
          r.metric(key).add(step, static_cast<double>(i));
          if (key == "epoch") {
            has_epoch_column = true;
            auto it = epoch_step.find(i);
            if (it != epoch_step.end()) it->second = step;
          }
          break;
        case simdjson::dom::element_type::UINT64: {
          std::uint64_t u;
          if (!v.get(u)) r.metric(key).add(step, static_cast<double>(u));
          break;
        }
        case simdjson::dom::element_type::BOOL:
          if (!v.get(b)) r.metric(key).add(step, b ? 1.0 : 0.0);
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          r.metric(key).add(step, std::numeric_limits<double>::quiet_NaN());
          break;
        case simdjson::dom::element_type::STRING:
          if (v.get(s)) break;
          if (s == detail::nan_token) r.metric(key).add(step, std::numeric_limits<double>::quiet_NaN());
          else if (s == detail::pinf_token) r.metric(key).add(step, std::numeric_limits<double>::infinity());
          else if (s == detail::ninf_token) r.metric(key).add(step, -std::numeric_limits<double>::infinity());
          else if (vitals::report::detail::parse_histogram(hparser, s, h)) {
            h.step = step;
            r.histogram(key).add(std::move(h));
            h = {};
          }
          break;
        case simdjson::dom::element_type::OBJECT:
          if (vitals::report::detail::histogram_from_element(v, h)) {
            h.step = step;
            r.histogram(key).add(std::move(h));
            h = {};
          }
          break;
        default: break;
      }
    }
  });
  if (torn < 0) r.warnings.push_back("no metrics.jsonl (attach the jsonl sink to regenerate reports from files)");
  if (torn > 0) r.warnings.push_back(fmt::format("metrics.jsonl: ignored a torn last line ({} bytes; the run was cut off while writing)", torn));
  if (bad_lines) r.warnings.push_back(fmt::format("metrics.jsonl: skipped {} unparsable lines", bad_lines));

  for (auto& a : alerts) {
    if (a.epoch >= 0 && has_epoch_column) {
      auto it = epoch_step.find(a.epoch);
      if (it != epoch_step.end() && it->second >= 0) a.step = it->second;
    }
    r.alerts.push_back(std::move(a));
  }

  // summary.json, else the last value of every metric.
  if (detail::read_file(dir / "summary.json", text)) {
    std::string fixed_summary;
    std::string_view src = text;
    if (detail::quote_nonfinite(text, fixed_summary)) src = fixed_summary;
    simdjson::dom::object obj;
    simdjson::padded_string padded(src);
    if (!parser.parse(padded).get(obj)) {
      for (auto [key, v] : obj) {
        std::string_view s;
        if (!v.get(s) && s.starts_with("\x01")) r.set_summary(key, "null");
        else if (!v.get(s) && s.size() > limits.max_summary_string) {
          std::string cut;
          vitals::detail::append_json_string(cut, std::string(s.substr(0, limits.max_summary_string)) + "...");
          r.set_summary(key, cut);
        } else {
          r.set_summary(key, simdjson::minify(v));
        }
      }
    } else {
      r.warnings.push_back("summary.json does not parse");
    }
  } else {
    for (std::size_t i = 0; i < r.keys.size(); ++i) {
      std::string v;
      double last = r.metrics[i].last();
      v = std::isfinite(last) ? fmt::format("{}", last) : "null";
      r.set_summary(r.keys[i], v);
    }
    if (r.rows) r.warnings.push_back("no summary.json (the run did not finish): the summary shows each metric's last value");
  }
  if (!r.exit_code && r.rows) r.warnings.push_back("no exit code in metadata.json: the run crashed or is still running");
  return r;
}

}  // namespace vitals::report
