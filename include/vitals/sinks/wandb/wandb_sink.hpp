// The W&B sink: writes W&B's own offline run (a `.wandb` record log plus files/) from C++, with no
// Python at run time; `wandb sync` uploads it later, or right away in online mode.
//
// Layout (as wandb 0.22 writes it):
//   <dir>/wandb/offline-run-YYYYMMDD_HHMMSS-<id>/run-<id>.wandb   (local start time)
//   <dir>/wandb/offline-run-.../files/{config.yaml, wandb-metadata.json, wandb-summary.json}
//   <dir>/wandb/offline-run-.../logs/
//   <dir>/wandb/latest-run -> offline-run-...   (replaced atomically)
// Record order: run (with config) -> metric definitions -> history / alerts (+ expanded metric
// definitions before the first history row that uses a globbed key) -> summary -> exit -> final.
// No run record and `wandb sync` refuses the file; no exit and the run shows as crashed.
//
// One object, built in layers with a header each (each includes the one before):
//   options.hpp     wandb_options, modes, define_metric rules
//   sink_state.hpp  the state and the record framing (begin_record / end_record / kv)
//   summary.hpp     last values, explicit and resumed summary, define_metric statistics
//   records.hpp     run record, metric definitions, history (tables: table_file.hpp), config, alerts, exit
//   metadata.hpp    files and environment records, console (output_raw), stats, files/*.json
//   online.hpp      live sync and `wandb sync`
//   wandb_sink.hpp  the sink: open / write / flush / close
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "vitals/sinks/record.hpp"
#include "vitals/sinks/sink.hpp"
#include "vitals/sinks/wandb/options.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
class wandb_sink_impl;  // the writer (wandb_sink.ipp): the layers online.hpp ends with
VITALS_INLINE void destroy_wandb_sink_impl(wandb_sink_impl* p) noexcept;
struct wandb_sink_impl_delete {
  void operator()(wandb_sink_impl* p) const noexcept { destroy_wandb_sink_impl(p); }
};
}  // namespace detail

/// Writes a W&B run. Satisfies vitals::sink; one instance per run (move-only). Its writer and all
/// that it includes live in wandb_sink.ipp: including this header compiles none of it.
class wandb_sink {
 public:
  /// Starts console capture when options (or $WANDB_CONSOLE) ask for it: the run builds its sinks
  /// before the first record, so what the program prints from then on is kept too.
  VITALS_INLINE explicit wandb_sink(wandb_options options = {});

  VITALS_INLINE void open(const run_info& info);
  VITALS_INLINE void write(const record& r);
  VITALS_INLINE void flush();
  VITALS_INLINE void close(int exit_code);

  /// The run's folder (offline-run-...), known after open(); empty when disabled.
  VITALS_INLINE const std::filesystem::path& run_dir() const;
  /// The `.wandb` file.
  VITALS_INLINE std::filesystem::path log_path() const;
  /// The mode open() settled on.
  VITALS_INLINE wandb_mode mode() const;
  /// Exit status of the last `wandb sync` this sink ran at close (nullopt: none ran).
  VITALS_INLINE std::optional<int> sync_exit_status() const;

 private:
  std::unique_ptr<detail::wandb_sink_impl, detail::wandb_sink_impl_delete> impl_;
};

/// The DESIGN's `vitals::wandb_offline{}`: a wandb_sink that never uploads.
struct wandb_offline : wandb_sink {
  explicit wandb_offline(wandb_options options = {}) : wandb_sink(with_offline(std::move(options))) {}

 private:
  static wandb_options with_offline(wandb_options o) {
    o.mode = wandb_mode::offline;
    return o;
  }
};

static_assert(sink<wandb_sink>);
static_assert(sink<wandb_offline>);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/wandb/wandb_sink.ipp"
#endif
