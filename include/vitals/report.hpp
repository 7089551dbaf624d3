// The offline HTML report (docs/report.md): bounded series, a run directory's files read back, the
// self-contained HTML file. The sink that writes it at finish is vitals/sinks/report.hpp; the
// command is vitals-report. Not part of the umbrella vitals.hpp (include cost): include it where used.
//
//   vitals::report::regenerate("runs/spirals_ab12cd34");   // -> runs/spirals_ab12cd34/report.html
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>

#include "vitals/report/html.hpp"
#include "vitals/report/reader.hpp"
#include "vitals/report/run_data.hpp"
#include "vitals/report/series.hpp"

namespace vitals::inline VITALS_ABI::report {
/// Rebuilds <run_dir>/report.html (or `out`) from the run's files, on demand: for a run that is
/// still going, one that crashed, or one written without the report sink. Returns the path written.
inline std::filesystem::path regenerate(const std::filesystem::path& run_dir, std::filesystem::path out = {},
                                        const html_options& opts = {}) {
  auto data = read_run_dir(run_dir);
  if (out.empty()) out = run_dir / "report.html";
  const run_data* runs[] = {&data};
  write_html(out, runs, opts);
  return out;
}

}  // namespace vitals::report
