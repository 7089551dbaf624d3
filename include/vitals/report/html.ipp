// Bodies of vitals/report/html.hpp (see vitals/version.hpp): the report's JSON and the HTML page.
#pragma once

#include "vitals/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <iterator>

#include "vitals/detail/fmt.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/format/file.hpp"
#include "vitals/format/json.hpp"
#include "vitals/report/html_template.hpp"

namespace vitals::inline VITALS_ABI::report {
namespace detail {

using buffer = fmt::memory_buffer;

VITALS_INLINE void put(buffer& out, std::string_view s) { out.append(s); }
VITALS_INLINE void put_str(buffer& out, std::string_view s) { vitals::detail::append_json_string(out, s); }
VITALS_INLINE void put_num(buffer& out, double v) {
  if (!std::isfinite(v)) {
    put(out, "null");
    return;
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(v));
    return;
  }
  fmt::format_to(std::back_inserter(out), "{:.6g}", v);
}
VITALS_INLINE void put_int(buffer& out, std::int64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }

/// Raw JSON text (already checked by the caller) or, when `valid` is false, the text as a string.
VITALS_INLINE void put_json_or_string(buffer& out, std::string_view json) {
  simdjson::dom::parser p;
  simdjson::padded_string padded(json);
  simdjson::dom::element e;
  if (!json.empty() && !p.parse(padded).get(e)) put(out, json);
  else if (json.empty()) put(out, "null");
  else put_str(out, json);
}

/// `group` > 1 merges that many neighbouring buckets into one drawn point (min/max kept).
VITALS_INLINE void put_series(buffer& out, std::string_view key, const series& s, std::size_t group = 1) {
  std::vector<bucket> merged;
  if (group > 1) {
    for (std::size_t i = 0; i < s.buckets().size(); i += group) {
      bucket m = s.buckets()[i];
      for (std::size_t j = i + 1; j < std::min(i + group, s.buckets().size()); ++j) m.merge(s.buckets()[j]);
      merged.push_back(m);
    }
  }
  const auto& b = group > 1 ? merged : s.buckets();
  const std::int64_t width = group > 1 ? s.width() * static_cast<std::int64_t>(group) : s.width();
  put(out, "{\"k\":");
  put_str(out, key);
  put(out, ",\"n\":");
  put_int(out, s.samples());
  put(out, ",\"nf\":");
  put_int(out, s.nonfinite());
  put(out, ",\"w\":");
  put_int(out, width);
  put(out, ",\"min\":");
  put_num(out, s.min());
  put(out, ",\"max\":");
  put_num(out, s.max());
  put(out, ",\"last\":");
  put_num(out, s.last());
  put(out, ",\"bin\":");
  put(out, s.binary() ? "1" : "0");
  auto arr = [&](std::string_view name, auto get) {
    put(out, ",\"");
    put(out, name);
    put(out, "\":[");
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (i) out.push_back(',');
      get(b[i]);
    }
    out.push_back(']');
  };
  arr("x", [&](const bucket& k) { put_int(out, k.first_step); });
  if (width > 1) arr("x1", [&](const bucket& k) { put_int(out, k.last_step); });
  arr("y", [&](const bucket& k) { put_num(out, width > 1 ? k.mean() : k.last); });
  if (width > 1) {
    arr("lo", [&](const bucket& k) { put_num(out, k.finite() ? k.min : NAN); });
    arr("hi", [&](const bucket& k) { put_num(out, k.finite() ? k.max : NAN); });
  }
  if (s.nonfinite() > 0) {
    // Buckets holding NaN/Inf: [index, count]
    put(out, ",\"bad\":[");
    bool first = true;
    for (std::size_t i = 0; i < b.size(); ++i)
      if (b[i].nonfinite) {
        if (!first) out.push_back(',');
        first = false;
        fmt::format_to(std::back_inserter(out), "[{},{}]", i, b[i].nonfinite);
      }
    out.push_back(']');
  }
  out.push_back('}');
}

VITALS_INLINE void put_run(buffer& out, const run_data& r, std::size_t group) {
  put(out, "{\"name\":");
  put_str(out, r.name);
  put(out, ",\"id\":");
  put_str(out, r.id);
  put(out, ",\"project\":");
  put_str(out, r.project);
  put(out, ",\"group\":");
  put_str(out, r.group);
  put(out, ",\"notes\":");
  put_str(out, r.notes);
  put(out, ",\"dir\":");
  put_str(out, r.dir);
  put(out, ",\"tags\":[");
  for (std::size_t i = 0; i < r.tags.size(); ++i) {
    if (i) out.push_back(',');
    put_str(out, r.tags[i]);
  }
  put(out, "],\"exit_code\":");
  if (r.exit_code) put_int(out, *r.exit_code);
  else put(out, "null");
  put(out, ",\"start_time\":");
  put_num(out, r.start_time);
  put(out, ",\"runtime\":");
  put_num(out, r.runtime);
  put(out, ",\"rows\":");
  put_int(out, r.rows);
  put(out, ",\"first_step\":");
  put_int(out, r.first_step);
  put(out, ",\"last_step\":");
  put_int(out, r.last_step);
  put(out, ",\"warnings\":[");
  for (std::size_t i = 0; i < r.warnings.size(); ++i) {
    if (i) out.push_back(',');
    put_str(out, r.warnings[i]);
  }
  put(out, "],\"config\":");
  put_json_or_string(out, r.config_json.empty() ? std::string_view("{}") : std::string_view(r.config_json));
  put(out, ",\"metadata\":");
  put_json_or_string(out, r.metadata_json);
  put(out, ",\"summary\":{");
  for (std::size_t i = 0; i < r.summary.size(); ++i) {
    if (i) out.push_back(',');
    put_str(out, r.summary[i].first);
    out.push_back(':');
    put(out, r.summary[i].second.empty() ? std::string_view("null") : std::string_view(r.summary[i].second));
  }
  put(out, "},\"metrics\":[");
  for (std::size_t i = 0; i < r.keys.size(); ++i) {
    if (i) out.push_back(',');
    put_series(out, r.keys[i], r.metrics[i], group);
  }
  put(out, "],\"hists\":[");
  for (std::size_t i = 0; i < r.histogram_keys.size(); ++i) {
    if (i) out.push_back(',');
    put(out, "{\"k\":");
    put_str(out, r.histogram_keys[i]);
    put(out, ",\"n\":");
    put_int(out, r.histograms[i].seen());
    put(out, ",\"s\":[");
    bool first = true;
    for (const auto* h : r.histograms[i].snapshots()) {
      if (!first) out.push_back(',');
      first = false;
      put(out, "{\"step\":");
      put_int(out, h->step);
      put(out, ",\"bins\":[");
      for (std::size_t j = 0; j < h->bins.size(); ++j) {
        if (j) out.push_back(',');
        put_num(out, h->bins[j]);
      }
      put(out, "],\"values\":[");
      for (std::size_t j = 0; j < h->values.size(); ++j) {
        if (j) out.push_back(',');
        put_num(out, h->values[j]);
      }
      put(out, "]}");
    }
    put(out, "]}");
  }
  put(out, "],\"alerts\":[");
  for (std::size_t i = 0; i < r.alerts.size(); ++i) {
    const auto& a = r.alerts[i];
    if (i) out.push_back(',');
    put(out, "{\"step\":");
    put_int(out, a.step);
    put(out, ",\"epoch\":");
    put_int(out, a.epoch);
    put(out, ",\"time\":");
    put_num(out, a.timestamp);
    put(out, ",\"rule\":");
    put_str(out, a.rule.empty() ? rule_from_title(a.title) : a.rule);
    put(out, ",\"state\":");
    put_str(out, a.state);
    put(out, ",\"level\":");
    put_str(out, a.level);
    put(out, ",\"title\":");
    put_str(out, a.title);
    put(out, ",\"text\":");
    put_str(out, a.text);
    out.push_back('}');
  }
  put(out, "]}");
}

/// '<' is written as \u003c (only ever inside JSON strings), so no "</script>" or "<!--" can end
/// or confuse the data block, whatever a metric name, config value or alert text holds.
VITALS_INLINE void append_script_safe(std::string& out, const buffer& json) {
  out.reserve(out.size() + json.size() + 64);
  const char* p = json.data();
  const char* end = p + json.size();
  const char* run = p;
  for (; p != end; ++p)
    if (*p == '<') {
      out.append(run, p);
      out.append("\\u003c");
      run = p + 1;
    }
  out.append(run, end);
}

VITALS_INLINE std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  return out;
}

}  // namespace detail

VITALS_INLINE std::string render_html(std::span<const run_data* const> runs, const html_options& opts) {
  std::string title = opts.title;
  if (title.empty()) {
    if (runs.size() == 1) title = runs[0]->name.empty() ? runs[0]->id : runs[0]->name;
    else title = fmt::format("{} runs", runs.size());
  }
  detail::buffer json;
  std::time_t now = std::time(nullptr);
  char when[32] = {0};
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  detail::put(json, "{\"version\":1,\"generated\":");
  detail::put_str(json, when);
  detail::put(json, ",\"title\":");
  detail::put_str(json, title);
  // Points to draw in all: above max_points every series is drawn coarser by the same factor.
  std::size_t points = 0;
  for (const auto* r : runs)
    for (const auto& m : r->metrics) points += m.buckets().size();
  const std::size_t group = opts.max_points && points > opts.max_points ? (points + opts.max_points - 1) / opts.max_points : 1;
  detail::put(json, ",\"runs\":[");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) json.push_back(',');
    detail::put_run(json, *runs[i], group);
  }
  detail::put(json, "]}");

  std::string out;
  out.reserve(json.size() + detail::report_css.size() + detail::report_js.size() + 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"generator\" content=\"vitals\">\n<title>";
  out += detail::html_escape(title);
  out += " - vitals report</title>\n<style>";
  out += detail::report_css;
  out += "</style>\n</head><body>\n<div id=\"app\"><noscript>This report draws its charts with JavaScript.</noscript></div>\n"
         "<script type=\"application/json\" id=\"vitals-data\">";
  detail::append_script_safe(out, json);
  out += "</script>\n<script>";
  out += detail::report_js;
  out += "</script>\n</body></html>\n";
  return out;
}

VITALS_INLINE std::string render_html(std::initializer_list<const run_data*> runs, const html_options& opts) {
  return render_html(std::span<const run_data* const>(runs.begin(), runs.size()), opts);
}

VITALS_INLINE void write_html(const std::filesystem::path& path, std::span<const run_data* const> runs, const html_options& opts) {
  vitals::detail::atomic_write_file(path, render_html(runs, opts), /*sync=*/false);
}

VITALS_INLINE void write_html(const std::filesystem::path& path, std::initializer_list<const run_data*> runs, const html_options& opts) {
  write_html(path, std::span<const run_data* const>(runs.begin(), runs.size()), opts);
}

}  // namespace vitals::report
