// The report sink: collects the run on the writer thread in bounded memory (report::run_data:
// a fixed number of buckets with min/max envelopes per metric, thinned histogram snapshots, every
// alert, the summary) and writes <run dir>/report.html, one self-contained file, at close.
//
//   #include <vitals/sinks/report.hpp>   // also registers the sink as "report" (--sinks ...,report)
//   run.attach(vitals::html_report{});
//
// The registration stays by inclusion (issue 15 item 2 left open here): run_options::report adds
// "report" to every run's sinks where that name is registered, so making it a built-in name would
// give every run (those that never include this header too) a report.html.
//
// The file is written atomically (a temporary renamed over report.html), so it is the previous
// report or the new one, never half of one. With refresh_seconds > 0 it is also rewritten on the
// run's flushes at most that often, so a long or killed run has a recent report; `vitals-report
// <run dir>` rebuilds it from the run's files at any time (see docs/report.md).
//
// <vitals.hpp> and <vitals/sinks.hpp> include it (so "report" is registered there); it declares
// only the sink: the collection and the HTML are compiled in the library (report.ipp).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace report {
struct run_data;  // vitals/report/run_data.hpp
class series;     // vitals/report/series.hpp
}  // namespace report

namespace detail {
/// What the report sink collects (its type needs simdjson and the report's maps: defined in
/// sinks/report.ipp).
struct html_report_state;
VITALS_INLINE html_report_state* make_state(html_report_state*);
VITALS_INLINE void destroy_state(html_report_state*) noexcept;
}  // namespace detail

struct html_report {
  static constexpr std::string_view name = "report";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "report.html";
  /// Drawn points per metric (each keeps the min/max of the steps it covers).
  std::size_t buckets = 512;
  /// Histogram snapshots kept per histogram key.
  std::size_t histogram_snapshots = 64;
  /// > 0: also rewrite the report on flushes, at most once per this many seconds.
  double refresh_seconds = 0;

  VITALS_INLINE void open(const run_info& info);

  VITALS_INLINE void write(const record& r);

  VITALS_INLINE void flush();

  VITALS_INLINE void close(int exit_code);

  /// The collected data so far (for tests and for writing elsewhere).
  VITALS_INLINE const report::run_data& data() const;

  // Collected data (public only so that html_report stays an aggregate; a copy starts unopened).
  detail::fresh_on_copy_ptr<detail::html_report_state> state{};

 private:
  VITALS_INLINE report::series& series_for(std::string_view key);

  VITALS_INLINE void write_report(std::optional<int> exit_code);
};

/// `--sinks report` / VITALS_SINKS=...,report once this header is included - by the program: the
/// compiled library (VITALS_IMPLEMENTATION) includes every header but must not register it, or
/// every program linked with it would carry a report.
#if !defined(VITALS_IMPLEMENTATION)
inline const bool html_report_sink_registered = register_sink("report", [] { return any_sink(html_report{}); });
#endif

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/report.ipp"
#endif
