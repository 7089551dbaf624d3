// Reads a run directory's files into a report::run_data, for `vitals-report` and for
// regenerating a report after the fact: metrics.jsonl (streamed; memory stays bounded), alerts.jsonl,
// config.json, summary.json and metadata.json. Works on a crashed run: a torn last line (no
// newline) is ignored, unparsable lines are skipped and counted, and a missing summary.json or
// exit code is shown as such.
//
// metrics.jsonl may hold bare NaN / Infinity / -Infinity (the W&B-compatible mode) or null (strict
// mode): both count as non-finite samples. A string value holding W&B histogram JSON, or such an
// object, becomes a histogram snapshot. alerts.jsonl lines carry the epoch of the alert: it is
// placed at the last step whose row has that `epoch` value (the step the epoch's metrics were
// logged at), or at step = epoch when the rows have no `epoch` column.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>

#include "vitals/report/run_data.hpp"

namespace vitals::inline VITALS_ABI::report {
/// Reads one run directory. Never throws for damaged files (they become warnings in the
/// report); throws std::runtime_error when `dir` is not a directory.
VITALS_INLINE run_data read_run_dir(const std::filesystem::path& dir, report_limits limits = {});

}  // namespace vitals::report

#if VITALS_HEADER_BODIES
#include "vitals/report/reader.ipp"
#endif
