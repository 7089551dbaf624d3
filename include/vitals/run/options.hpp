// Options of a run, from code, from the environment (W&B's variable names, so existing job
// scripts keep working) and from the command line (--wandb_project etc., as the seed's trainers).
// Precedence: defaults < environment < command line < what the code sets afterwards.
//
// A program that also reads these values from its own config (the demo's `project:`) gets
// flag/env > config > default by leaving the field empty in the base it hands to from_args and
// filling it from the config only when it is still empty:
//   vitals::run_options base;  base.project.clear();        // "" = not given by flag or env
//   auto opts = vitals::run_options::from_args(argc, argv, base);
//   Config cfg = vitals::parse_args<Config>(argc, argv);
//   if (opts.project.empty()) opts.project = cfg.project;
//
// Errors are usage errors: from_env, from_args and validate() throw vitals::invalid_option (a
// std::invalid_argument), and an unusable runs directory is a vitals::runs_dir_error (a
// std::runtime_error); both are vitals::usage_error, which a program's main maps to exit code 2.
// Every string is checked to be valid UTF-8 where it enters (naming the flag or variable) and
// again by validate(), with bounded lengths, because each one reaches a file (metadata.json,
// the .wandb file, the run directory's name).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/config/convert.hpp"  // set_config's to_node
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"
#include "vitals/dist/communicator.hpp"
#include "vitals/dist/rank.hpp"
#include "vitals/run/resume_mode.hpp"
#include "vitals/sinks/pipeline_options.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
/// A config tree as config.json's text (vitals::to_json's: two spaces per level).
VITALS_INLINE std::string config_json_text(const config::node& n);
}  // namespace detail

/// online: local files now, a wandb sink may sync later; offline: local files only (the default,
/// models and data never leave the machine); disabled: nothing is written, log() does nothing.
enum class run_mode : std::uint8_t { online, offline, disabled };

inline std::string_view to_string(run_mode m) {
  switch (m) {
    case run_mode::online: return "online";
    case run_mode::offline: return "offline";
    case run_mode::disabled: return "disabled";
  }
  return "offline";
}

/// "online"/"run", "offline"/"dryrun", "disabled" (W&B's spellings); throws on anything else.
VITALS_INLINE run_mode parse_run_mode(std::string_view s);

VITALS_INLINE std::vector<std::string> split_comma_list(std::string_view s);

/// The machine's metrics (CPU, memory, disk, network, GPU; run/system_metrics.hpp) while the run
/// lasts. Not W&B-specific: the W&B sink writes them as `stats` records (its System charts), and
/// with to_sinks every sink also gets each sample as a record_kind::system record of
/// "system/<key>" values (JSONL/CSV: <stem>.system.jsonl/.csv beside the metrics file).
struct system_metrics_options {
  /// Seconds between samples (one is also taken at start); 0: no sampling. Unset: the W&B
  /// sink's own setting (wandb_options::system_metrics_interval, WANDB_X_STATS_SAMPLING_INTERVAL,
  /// 15 s) and no run-level sampling. --system_metrics_interval SEC.
  std::optional<double> interval{};
  /// The run samples (every `interval`, else 15 s) and sends each sample to every sink; the W&B
  /// sink then writes its stats records from these samples instead of sampling itself.
  /// --system_metrics_to_sinks.
  bool to_sinks = false;
};

struct run_options {
  std::string project = "uncategorized";  // W&B's default project name
  std::string entity{};
  std::string name{};  // display name, free text; empty: adjective-noun-N
  std::string group{};
  std::vector<std::string> tags{};
  std::string notes{};
  std::string job_type{};
  std::filesystem::path dir = "runs";  // runs are created as dir/{sanitised name}_{id}/
  run_mode mode = run_mode::offline;
  std::string id{};               // empty: 8 random chars [a-z0-9]
  resume_mode resume = resume_mode::none;  // W&B's resume=: allow, must, never, auto (run/resume.hpp)
  std::string config_json = "{}"; // the full config, a JSON object, written to config.json
  std::string sinks{};            // sinks attached at start, e.g. "jsonl,csv,console"
  bool wandb = true;              // false (--no_wandb): a "wandb" entry in sinks is ignored
  bool report = true;             // report.html at finish when the "report" sink is registered
                                  // (#include <vitals/sinks/report.hpp>); --no_report / VITALS_REPORT=0
  std::int64_t total_steps = 0;   // for progress bars; 0 = unknown
  std::vector<std::filesystem::path> code_files{};  // copied into code/ (relative paths kept)
  bool capture_git = true;        // git commit, dirty flag and diff.patch in metadata
  bool handle_signals = true;     // flush on SIGINT/SIGTERM (chaining the previous handler)
  pipeline_options pipeline{};    // queue capacity, overflow policy, flush interval
  system_metrics_options system_metrics{};  // sampling interval; samples to every sink or to W&B only
  std::string wandb_console{};    // W&B console capture: "auto" | "wrap" | "off"; empty: the W&B sink's
                                  // own (wandb_options::console, $WANDB_CONSOLE, else off)
  // Distributed jobs (docs/distributed.md): rank, world size and local rank come from the
  // launcher's environment (torchrun, Open MPI, MPICH/Intel MPI, SLURM) unless set here.
  std::optional<int> rank{}, world_size{}, local_rank{};
  vitals::rank_mode ranks = vitals::rank_mode::rank_zero;  // who writes; VITALS_RANK_MODE
  dist::communicator* communicator = nullptr;  // optional: rank 0's run id is broadcast over it

  /// Applies WANDB_PROJECT, WANDB_ENTITY, WANDB_NAME, WANDB_RUN_GROUP, WANDB_TAGS (comma list),
  /// WANDB_NOTES, WANDB_JOB_TYPE, WANDB_MODE, WANDB_DISABLED, WANDB_DIR, WANDB_RUN_ID,
  /// VITALS_SINKS, VITALS_REPORT and VITALS_RANK_MODE on top of `base`.
  static run_options from_env() { return from_env(run_options()); }
  VITALS_INLINE static run_options from_env(run_options base);

  /// Consumes the run flags from argv (leaving the others, in order, for the caller's own parser)
  /// and applies them on top of from_env(base): code defaults < environment < flags. Flags take "--flag value"
  /// or "--flag=value": --wandb_project --wandb_entity --wandb_name --wandb_group --wandb_tags a,b
  /// --wandb_notes --wandb_job_type --wandb_mode --wandb_dir --wandb_run_id (or --wandb_id) --wandb_resume --sinks a,b
  /// --total_steps N, --wandb_console auto|wrap|off, --system_metrics_interval SEC (0: off),
  /// --system_metrics_to_sinks, --no_wandb and --no_report.
  static run_options from_args(int& argc, char** argv) { return from_args(argc, argv, run_options()); }
  static run_options from_args(int& argc, char** argv, run_options base) {
    return apply_args(argc, argv, from_env(std::move(base)));
  }
  /// from_args without the environment: only the flags, on top of `base` (vitals::app uses it to
  /// sort a command line's run flags from the config's arguments one argument at a time).
  VITALS_INLINE static run_options apply_args(int& argc, char** argv, run_options base);

  /// Sets config_json from a config struct (or a config::node) through vitals::to_json, so the
  /// run's config.json is what the config layer writes and reads back.
  template <class Config>
    requires(!std::is_convertible_v<const Config&, std::string_view>)
  run_options& set_config(const Config& cfg) {
    if constexpr (std::is_same_v<Config, config::node>) config_json = detail::config_json_text(cfg);
    else config_json = detail::config_json_text(config::to_node(cfg));
    return *this;
  }

  /// The sinks to build: `sinks` without "wandb" when wandb is false.
  VITALS_INLINE std::string effective_sinks() const;

  /// Longest accepted values, in bytes: every one of these strings reaches metadata.json, the
  /// .wandb file or the run directory's name.
  static constexpr std::size_t max_project_bytes = 128, max_entity_bytes = 128, max_name_bytes = 256,
                               max_group_bytes = 128, max_job_type_bytes = 64, max_tag_bytes = 64, max_tags = 64,
                               max_notes_bytes = 65536, max_dir_bytes = 4096, max_id_bytes = 64;

  /// Throws vitals::invalid_option (a std::invalid_argument) listing every problem: empty or
  /// over-long values, strings that are not valid UTF-8, unknown sinks, bad ids and tags; then,
  /// unless the mode is disabled, vitals::runs_dir_error (a std::runtime_error) when `dir` cannot
  /// hold runs (check_runs_root). Nothing has been written yet.
  VITALS_INLINE void validate() const;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/run/options.ipp"
#endif
