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

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/load.hpp"
#include "vitals/detail/fmt.hpp"
#include "vitals/dist/communicator.hpp"
#include "vitals/dist/rank.hpp"
#include "vitals/sinks/pipeline.hpp"
#include "vitals/run/console_capture.hpp"
#include "vitals/run/resume.hpp"
#include "vitals/run/run_dir.hpp"
#include "vitals/sinks/registry.hpp"

namespace vitals::inline VITALS_ABI {
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
inline run_mode parse_run_mode(std::string_view s) {
  if (s == "online" || s == "run") return run_mode::online;
  if (s == "offline" || s == "dryrun") return run_mode::offline;
  if (s == "disabled") return run_mode::disabled;
  throw invalid_option("unknown run mode '" + std::string(s) + "' (expected online, offline or disabled)");
}

inline std::vector<std::string> split_comma_list(std::string_view s) { return split_sink_list(s); }

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
  static run_options from_env(run_options base) {
    auto env = [](const char* k) -> std::optional<std::string> {
      const char* v = std::getenv(k);
      if (!v) return std::nullopt;
      if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
        throw invalid_option(std::string("environment variable ") + k + " " + bad);
      return std::string(v);
    };
    if (auto v = env("WANDB_PROJECT")) base.project = *v;
    if (auto v = env("WANDB_ENTITY")) base.entity = *v;
    if (auto v = env("WANDB_NAME")) base.name = *v;
    if (auto v = env("WANDB_RUN_GROUP")) base.group = *v;
    if (auto v = env("WANDB_TAGS")) base.tags = split_comma_list(*v);
    if (auto v = env("WANDB_NOTES")) base.notes = *v;
    if (auto v = env("WANDB_JOB_TYPE")) base.job_type = *v;
    if (auto v = env("WANDB_MODE")) {
      try {
        base.mode = parse_run_mode(*v);
      } catch (const invalid_option& e) {
        throw invalid_option(std::string("WANDB_MODE: ") + e.what());
      }
    }
    if (auto v = env("WANDB_DISABLED"); v && (*v == "true" || *v == "1")) base.mode = run_mode::disabled;
    if (auto v = env("WANDB_DIR")) base.dir = *v;
    if (auto v = env("WANDB_RUN_ID")) base.id = *v;
    if (auto v = env("WANDB_RESUME")) {
      try {
        base.resume = parse_resume_mode(*v);
      } catch (const invalid_option& e) {
        throw invalid_option(std::string("WANDB_RESUME: ") + e.what());
      }
    }
    if (auto v = env("VITALS_SINKS")) base.sinks = *v;
    if (auto v = env("VITALS_REPORT"); v && (*v == "0" || *v == "false")) base.report = false;
    if (auto v = env("VITALS_RANK_MODE")) {
      try {
        base.ranks = parse_rank_mode(*v);
      } catch (const std::invalid_argument& e) {
        throw invalid_option(std::string("VITALS_RANK_MODE: ") + e.what());
      }
    }
    return base;
  }

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
  static run_options apply_args(int& argc, char** argv, run_options base) {
    int out = argc > 0 ? 1 : 0;
    for (int i = out; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "--no_wandb") {
        base.wandb = false;
        continue;
      }
      if (a == "--no_report") {
        base.report = false;
        continue;
      }
      if (a == "--system_metrics_to_sinks") {
        base.system_metrics.to_sinks = true;
        continue;
      }
      static constexpr std::string_view flags[] = {
          "--wandb_project", "--wandb_entity", "--wandb_name",   "--wandb_group", "--wandb_tags",     "--wandb_notes",
          "--wandb_job_type", "--wandb_mode",  "--wandb_dir",    "--wandb_run_id", "--sinks",        "--total_steps",
          "--wandb_id",       "--wandb_resume", "--wandb_console", "--system_metrics_interval"};
      std::string_view flag, value;
      bool matched = false;
      for (auto f : flags) {
        if (a == f) {
          if (i + 1 >= argc) throw invalid_option(fmt::format("{} needs a value", f));
          flag = f;
          value = argv[++i];
          matched = true;
          break;
        }
        if (a.size() > f.size() && a.substr(0, f.size()) == f && a[f.size()] == '=') {
          flag = f;
          value = a.substr(f.size() + 1);
          matched = true;
          break;
        }
      }
      if (!matched) {
        argv[out++] = argv[i];
        continue;
      }
      std::string v(value);
      if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
        throw invalid_option(fmt::format("{}: the value {}", flag, bad));
      if (flag == "--wandb_project") base.project = v;
      else if (flag == "--wandb_entity") base.entity = v;
      else if (flag == "--wandb_name") base.name = v;
      else if (flag == "--wandb_group") base.group = v;
      else if (flag == "--wandb_tags") base.tags = split_comma_list(v);
      else if (flag == "--wandb_notes") base.notes = v;
      else if (flag == "--wandb_job_type") base.job_type = v;
      else if (flag == "--wandb_mode") {
        try {
          base.mode = parse_run_mode(v);
        } catch (const invalid_option& e) {
          throw invalid_option(fmt::format("--wandb_mode: {}", e.what()));
        }
      }
      else if (flag == "--wandb_dir") base.dir = v;
      else if (flag == "--wandb_run_id" || flag == "--wandb_id") base.id = v;
      else if (flag == "--wandb_resume") {
        try {
          base.resume = parse_resume_mode(v);
        } catch (const invalid_option& e) {
          throw invalid_option(fmt::format("--wandb_resume: {}", e.what()));
        }
      }
      else if (flag == "--sinks") base.sinks = v;
      else if (flag == "--wandb_console") {
        try {
          (void)parse_console_mode(v);
        } catch (const std::invalid_argument&) {
          throw invalid_option("--wandb_console expects auto, wrap or off, got '" + v + "'");
        }
        base.wandb_console = v;
      }
      else if (flag == "--system_metrics_interval") {
        try {
          std::size_t used = 0;
          const double sec = std::stod(v, &used);
          if (used != v.size() || !(sec >= 0) || !std::isfinite(sec)) throw std::invalid_argument(v);
          base.system_metrics.interval = sec;
        } catch (const std::exception&) {
          throw invalid_option("--system_metrics_interval expects seconds >= 0 (0: no system metrics), got '" + v + "'");
        }
      }
      else if (flag == "--total_steps") {
        try {
          std::size_t used = 0;
          base.total_steps = std::stoll(v, &used);
          if (used != v.size() || base.total_steps < 0) throw std::invalid_argument(v);
        } catch (const std::exception&) {
          throw invalid_option("--total_steps expects a non-negative integer, got '" + v + "'");
        }
      }
    }
    if (argc > 0) {
      for (int i = out; i < argc; ++i) argv[i] = nullptr;
      argc = out;
    }
    return base;
  }

  /// Sets config_json from a config struct (or a config::node) through vitals::to_json, so the
  /// run's config.json is what the config layer writes and reads back.
  template <class Config>
    requires(!std::is_convertible_v<const Config&, std::string_view>)
  run_options& set_config(const Config& cfg) {
    config_json = vitals::to_json(cfg);
    return *this;
  }

  /// The sinks to build: `sinks` without "wandb" when wandb is false.
  std::string effective_sinks() const {
    std::string out;
    for (const auto& n : split_sink_list(sinks)) {
      if (!wandb && n == "wandb") continue;
      if (!out.empty()) out += ',';
      out += n;
    }
    // Every run carries its report (docs/report.md) once the report sink is compiled in.
    if (report) {
      const auto names = split_sink_list(out);
      const auto known = registered_sinks();
      if (std::find(names.begin(), names.end(), "report") == names.end() &&
          std::find(known.begin(), known.end(), "report") != known.end())
        out += out.empty() ? "report" : ",report";
    }
    return out;
  }

  /// Longest accepted values, in bytes: every one of these strings reaches metadata.json, the
  /// .wandb file or the run directory's name.
  static constexpr std::size_t max_project_bytes = 128, max_entity_bytes = 128, max_name_bytes = 256,
                               max_group_bytes = 128, max_job_type_bytes = 64, max_tag_bytes = 64, max_tags = 64,
                               max_notes_bytes = 65536, max_dir_bytes = 4096, max_id_bytes = 64;

  /// Throws vitals::invalid_option (a std::invalid_argument) listing every problem: empty or
  /// over-long values, strings that are not valid UTF-8, unknown sinks, bad ids and tags; then,
  /// unless the mode is disabled, vitals::runs_dir_error (a std::runtime_error) when `dir` cannot
  /// hold runs (check_runs_root). Nothing has been written yet.
  void validate() const {
    std::vector<std::string> problems;
    auto bad_chars = [](std::string_view s, std::string_view bad) { return s.find_first_of(bad) != std::string_view::npos; };
    // A value for a message: valid UTF-8 (bad bytes as \xNN) and at most 80 bytes.
    auto shown = [](std::string_view v) {
      std::string out;
      std::size_t i = 0;
      std::uint32_t cp = 0;
      while (i < v.size() && out.size() < 80) {
        std::size_t len = config::detail::decode_utf8(v, i, cp);
        if (len == 0) {
          out += fmt::format("\\x{:02X}", static_cast<unsigned char>(v[i]));
          ++i;
        } else {
          out.append(v.substr(i, len));
          i += len;
        }
      }
      if (i < v.size()) out += "...";
      return out;
    };
    // UTF-8 and length, for every free-text field.
    auto text = [&](std::string_view what, std::string_view v, std::size_t max) {
      if (std::string bad = config::detail::utf8_problem(v); !bad.empty())
        problems.push_back(fmt::format("{} '{}' {}", what, shown(v), bad));
      else if (v.size() > max)
        problems.push_back(fmt::format("{} '{}' is {} bytes long (at most {})", what, shown(v), v.size(), max));
    };
    if (project.empty()) problems.push_back("project is empty (set run_options::project, WANDB_PROJECT or --wandb_project)");
    else if (!config::detail::utf8_problem(project).empty()) text("project", project, max_project_bytes);
    else if (project.size() > max_project_bytes || bad_chars(project, "/\\#?%:\n\r\t"))
      problems.push_back("project '" + shown(project) + "' must be at most 128 characters without / \\ # ? % : or control characters");
    text("entity", entity, max_entity_bytes);
    text("run name", name, max_name_bytes);
    text("group", group, max_group_bytes);
    text("job type", job_type, max_job_type_bytes);
    text("notes", notes, max_notes_bytes);
    text("runs directory", dir.native(), max_dir_bytes);
    if (!id.empty()) {
      bool ok = id.size() <= max_id_bytes;
      for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
      if (!ok) problems.push_back("run id '" + shown(id) + "' must be 1-64 characters from [A-Za-z0-9_-]");
    }
    if (resume == resume_mode::must && id.empty())
      problems.push_back("--wandb_resume must needs the id of the run to resume (--wandb_id or WANDB_RUN_ID)");
    if (tags.size() > max_tags) problems.push_back(fmt::format("{} tags given (at most {})", tags.size(), max_tags));
    for (const auto& t : tags) {
      if (!config::detail::utf8_problem(t).empty()) text("tag", t, max_tag_bytes);
      else if (t.empty() || t.size() > max_tag_bytes) problems.push_back("tag '" + shown(t) + "' must be 1-64 characters");
    }
    if (dir.empty()) problems.push_back("dir is empty (set run_options::dir, WANDB_DIR or --wandb_dir)");
    if (pipeline.queue_capacity == 0) problems.push_back("pipeline.queue_capacity must be at least 1");
    if (pipeline.flush_interval.count() <= 0) problems.push_back("pipeline.flush_interval must be positive");
    if (total_steps < 0) problems.push_back("total_steps must not be negative");
    if (system_metrics.interval && !(*system_metrics.interval >= 0 && std::isfinite(*system_metrics.interval)))
      problems.push_back(fmt::format("system_metrics.interval must be seconds >= 0, got {}", *system_metrics.interval));
    if (!wandb_console.empty()) {
      try {
        (void)parse_console_mode(wandb_console);
      } catch (const std::invalid_argument&) {
        problems.push_back("wandb_console '" + shown(wandb_console) + "' must be auto, wrap or off");
      }
    }
    try {
      check_sink_names(effective_sinks());
    } catch (const std::invalid_argument& e) {
      problems.push_back(e.what());
    }
    for (const auto& f : code_files) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(f, ec)) problems.push_back("code file '" + f.string() + "' does not exist");
    }
    if (!problems.empty())
      throw invalid_option(fmt::format("vitals: invalid run options:\n  - {}", fmt::join(problems, "\n  - ")));
    if (mode != run_mode::disabled) check_runs_root(dir);
  }
};

}  // namespace vitals
