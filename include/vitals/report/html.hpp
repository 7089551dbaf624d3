// The offline HTML report: one self-contained file (inline CSS, inline JSON data, a small inline
// JavaScript renderer drawing SVG; nothing is loaded from the network).
//
//   vitals::report::write_html("runs/x_ab12cd34/report.html", {&run_data});      // one run
//   vitals::report::write_html("report.html", {&fold0, &fold1, &fold2});          // runs compared
//
// Layout (seed 003's dashboard first): (1) training health, (2) validation quality with the
// seed's threshold lines, (3) mode-collapse detection, (4) loss components as a stacked area;
// then every other metric grouped by prefix, histograms over time, the alert timeline (firing /
// cleared spans are also drawn on the charts of the metrics their rule reads), system metrics,
// the summary, the config and the run's metadata. With several runs every chart has one line per
// run. The data is what report::run_data holds: bounded per metric, so the file size depends on
// the number of metrics, not on the number of steps.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <cstddef>
#include <vector>

#include "vitals/report/run_data.hpp"

namespace vitals::inline VITALS_ABI::report {
struct html_options {
  std::string title;  // default: the run's name, or "N runs"
  /// Drawn points in the whole file, over every metric of every run: with many metrics each is
  /// drawn coarser (neighbouring buckets merged, min/max kept), so the file stays a few MB.
  std::size_t max_points = 60000;
};

/// The whole report as one HTML document.
VITALS_INLINE std::string render_html(std::span<const run_data* const> runs, const html_options& opts = {});

VITALS_INLINE std::string render_html(std::initializer_list<const run_data*> runs, const html_options& opts = {});

/// Writes the report atomically (a temporary file renamed over `path`).
VITALS_INLINE void write_html(const std::filesystem::path& path, std::span<const run_data* const> runs, const html_options& opts = {});
VITALS_INLINE void write_html(const std::filesystem::path& path, std::initializer_list<const run_data*> runs, const html_options& opts = {});

}  // namespace vitals::report

#if VITALS_HEADER_BODIES
#include "vitals/report/html.ipp"
#endif
