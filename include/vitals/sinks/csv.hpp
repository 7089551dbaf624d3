// CSV backend: <run dir>/metrics.csv, one row per committed step, header = sorted union of keys.
//
// When a record brings a key the header lacks, the file is rewritten with the wider header (what
// Lightning's CSVLogger does), written to a temporary file and renamed over metrics.csv, so a
// reader - or a crash - sees either the old or the new complete file. Keys usually settle within
// the first steps, so the rewrites cost little; rows are appended with write(2) as whole lines.
// When a write fails (full disk, file-size limit) the file is cut back to its last whole row, or
// a failed rewrite leaves the old file as it was; the error is thrown once (the run reports it
// and disables this sink) and rows not yet written are lost.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
struct csv;

namespace detail {

/// Splits CSV text (RFC 4180 quoting) into rows of fields; a last row without its newline (a
/// crash mid-write) is dropped.
VITALS_INLINE std::vector<std::vector<std::string>> csv_parse(std::string_view text);

struct csv_state;  // the open file, its columns and buffer (csv.ipp)
VITALS_INLINE csv_state* make_state(csv_state*);
VITALS_INLINE void destroy_state(csv_state*) noexcept;

}  // namespace detail

struct csv {
  static constexpr std::string_view name = "csv";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "metrics.csv";
  /// Buffered bytes that trigger a write before the next flush.
  std::size_t flush_bytes = 1 << 20;

  VITALS_INLINE void open(const run_info& info);

  VITALS_INLINE void write(const record& r);

  VITALS_INLINE void flush();

  VITALS_INLINE void close(int exit_code);

  /// How many times the file was rewritten with a wider header (for tests and curiosity).
  VITALS_INLINE std::size_t rewrites() const;

  // Open-file state (public only so that csv stays an aggregate for designated initializers).
  detail::fresh_on_copy_ptr<detail::csv_state> state{};

 private:
  // System samples (run_options::system_metrics.to_sinks) go to <stem>.system.csv beside the file
  // (columns _runtime, _step = the step the run was on, _timestamp, system/...), as W&B keeps them
  // apart from the history: metrics.csv stays one row per committed step.
  VITALS_INLINE void write_system(const record& r);

  VITALS_INLINE void reindex();

  // Adds columns, then writes header + old rows (remapped) to a temporary file and renames it.
  VITALS_INLINE void widen(const std::vector<std::string>& added);
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/csv.ipp"
#endif
