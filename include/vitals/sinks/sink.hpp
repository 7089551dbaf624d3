// The sink concept: anything with open / write / flush / close is a sink.
//
// A run calls open() once (from its writer thread) before any write, write() for each record in
// order, flush() on its flush interval and at finish, and close() once with the exit code. All four
// are called from one thread; a sink needs no locking of its own. Throwing is allowed: the run
// isolates the sink and reports the error once (see sinks/pipeline), the other sinks go on.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
/// What a sink needs to know about the run it writes for.
struct run_info {
  std::string project;
  std::string entity;
  std::string id;            // 8 chars [a-z0-9]
  std::string name;          // display name, free text ("exp/fold0")
  std::string group;
  std::string job_type;
  std::string notes;
  std::vector<std::string> tags;
  std::filesystem::path dir;  // the run directory, runs/{name}_{id}/, already created
  std::string config_json;    // the full config as a JSON object ("{}" when none)
  double start_time = 0;      // seconds since the Unix epoch
  std::int64_t total_steps = 0;  // expected number of steps when known (progress bars), else 0
  // A resumed run (run_options::resume) continues in the same directory: the first step it commits
  // is starting_step (one past the last step its files hold), and _runtime goes on from
  // starting_runtime. Sinks append to what is there (JSONL, CSV) or write a new fragment of the
  // same run (TensorBoard, W&B).
  bool resumed = false;
  std::int64_t starting_step = 0;
  double starting_runtime = 0;
  // Run-level settings that sinks with such a notion follow (run_options::system_metrics,
  // --system_metrics_interval, --wandb_console); unset/empty: the sink's own default.
  std::optional<double> system_metrics_interval;  // seconds between system samples, 0 = none
  bool system_metrics_to_sinks = false;  // the run samples and sends record_kind::system records
  std::string console;                   // "auto" | "wrap" | "off"
};

template <class S>
concept sink = requires(S s, const run_info& info, const record& r, int exit_code) {
  s.open(info);
  s.write(r);
  s.flush();
  s.close(exit_code);
};

namespace detail {
/// System samples (record_kind::system) that a file sink keeps apart from its history, in a side
/// file beside its own (metrics.jsonl -> metrics.system.jsonl): writes `r` there as a history row
/// through `side`, a sink of the same kind that `make(path)` builds and that is opened on the first
/// sample. Nothing is written while the main file is not open (`main_path` empty). Shared by the
/// JSONL and CSV sinks.
template <class Sink, class Make>
void write_system_side(std::unique_ptr<Sink>& side, const std::filesystem::path& main_path, const record& r, Make&& make) {
  if (!side) {
    if (main_path.empty()) return;  // not opened
    auto p = main_path;
    p.replace_filename(p.stem().string() + ".system" + p.extension().string());
    side = std::make_unique<Sink>(make(std::move(p)));
    side->open(run_info{});
  }
  record h = r;
  h.kind = record_kind::history;
  side->write(h);
}
}  // namespace detail

}  // namespace vitals
