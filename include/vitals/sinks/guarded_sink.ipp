// Bodies of vitals/sinks/guarded_sink.hpp (see vitals/version.hpp): the failure report.
#pragma once

#include "vitals/sinks/guarded_sink.hpp"

#include <string>
#include <string_view>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/file.hpp"
#include "vitals/sinks/terminal.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
VITALS_INLINE void report_sink_error(const run_info& info, std::string_view sink, std::string_view op,
                                     std::string_view what) noexcept {
  try {
    auto line = fmt::format("vitals: sink '{}' failed in {}() and is disabled for run '{}': {}\n",
                            sink, op, info.name, what);
    write_stderr_line(line);  // erases a progress bar first: never glued to it
    if (!info.dir.empty()) append_whole_noexcept(info.dir / "vitals.log", line);
  } catch (...) {
  }
}
}  // namespace detail
}  // namespace vitals
