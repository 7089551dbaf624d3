// vitals::app - the one front door: reads the whole command line once and returns the typed
// config, the run options and (when composing a config directory) the composition.
//
//   vitals::app<Train> app("Trains the model.");
//   app.run_defaults({.sinks = "jsonl,csv,console"})
//      .run_fields({.project = "project", .name = "exp_name"})   // config fields that feed the run
//      .check([](const Train& c, auto& problems) { if (c.epochs < 1) problems.push_back({"epochs", "must be >= 1", {}}); });
//   auto job = app.parse_or_exit(argc, argv);
//   vitals::run run(job.options, job.config);
//
// The command line, in any order:
//   run flags              --wandb_project/_entity/_name/_group/_tags/_notes/_job_type/_mode/_dir/_run_id,
//                          --sinks a,b, --no_wandb, --no_report, --total_steps N (run_options::from_args)
//   --config FILE          a YAML/JSON file merged over the defaults (repeatable; later files win)
//   --experiment NAME      start from a preset registered with preset()
//   overrides              Hydra's grammar (config/compose/override_parser.hpp): key=value, +key=value,
//                          ++key=value, ~key; group=option when composing (compose()).
//   -m, --multirun         sweeps (a=1,2, range(..)) expand into one job per combination
//   --show-config          print the final config as YAML and exit 0 (also --cfg job, show_config=true
//                          when composing and the config has no show_config key); with --json, one
//                          JSON object per line, one line per job (what vitals-compose --json prints)
//   --help, -h             the flags, the config fields (type, default, doc) and the config groups
//
// Layers, later winning: Config{} < --experiment < --config files < overrides; for a composed
// config: the config directory's defaults list < overrides. Run options: run_defaults() < the
// config fields named in run_fields() < WANDB_* / VITALS_* environment < run flags. A composition
// whose configs or overrides set hydra.run.dir (hydra.sweep.dir for a multirun job) makes the runs
// directory <output_dir>/runs unless --wandb_dir/WANDB_DIR name one; launch::save_composition
// saves its files there once per job (docs/compose.md "Output directories").
//
// Every problem (flags, files, values, checks, run options, the runs directory) is collected and
// reported at once; parse() throws one config_error, parse_or_exit() prints it and exits 2. Nothing
// is created before that: the run directory comes only with vitals::run.
//
// One value: the config the program gets, --show-config, the config.json the run writes (run(opts,
// cfg)), W&B's config record and the composition's config.yaml all derive from the typed value
// (to_node(config)), so they are the same whichever way the config was given.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/cli.hpp"
#include "vitals/config/compose/command_line.hpp"  // vitals::store, compose_options (declarations only when compiled)
#include "vitals/config/compose/composition.hpp"
#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/load.hpp"
#include "vitals/config/yaml_writer.hpp"
#include "vitals/run/options.hpp"

namespace vitals::inline VITALS_ABI {
using config::compose_options;  // as vitals/config/compose/command_line.hpp
using config::composition;
using config::config_store;

/// Config fields (dotted paths, "" = none) that feed the run's options when no flag or WANDB_*
/// variable sets them. `tags` may name a list of strings or a comma-separated string.
struct run_fields {
  std::string project{}, name{}, group{}, tags{}, notes{};
};

namespace detail {
/// app<Config>::parse's steps that do not depend on Config (bodies in app.ipp).
struct app_scan {
  std::string program;
  std::vector<std::string> run_args, overrides, config_files;
  std::string experiment;
  bool help = false, show = false, json = false, multirun = false;
  compose_options copts;
  run_options flagged{};                       // defaults < environment < flags
  std::vector<std::vector<std::string>> jobs;  // one, or one per sweep combination
  bool dir_given = false;                      // --wandb_dir or WANDB_DIR names the runs directory

  VITALS_INLINE app_scan();
  VITALS_INLINE app_scan(app_scan&&) noexcept;
  VITALS_INLINE app_scan& operator=(app_scan&&) noexcept;
  VITALS_INLINE ~app_scan();
};

/// Sorts the arguments: run flags (run_options owns them), vitals' flags, overrides.
VITALS_INLINE app_scan app_scan_args(int argc, const char* const* argv, const std::optional<compose_options>& compose,
                                     std::vector<config::problem>& problems);
/// The run options every job starts from and the jobs (after --help was answered).
VITALS_INLINE void app_prepare(app_scan& scan, const run_options& base, bool composing,
                               std::vector<config::problem>& problems, std::size_t& more);
/// Adds an exception's problems (a config_error's all of them, else its message).
VITALS_INLINE void app_add_error(const std::exception& e, std::vector<config::problem>& problems, std::size_t& more);
/// The --help text, from its parts (`presets`: name and help of each).
VITALS_INLINE std::string app_usage(std::string_view program, const compose_options& copts, bool composing,
                                    const std::string& description, const run_options& base, const run_fields& fields,
                                    const std::vector<std::pair<std::string, std::string>>& presets,
                                    const std::vector<config::detail::help_row>& rows);
/// Adds the checks' problems `found`, leaving out follow-ons of read problems (from first_read_problem on).
VITALS_INLINE void app_add_check_problems(std::vector<config::problem>& found, std::vector<config::problem>& problems,
                                          std::size_t first_read_problem);
/// A composed job's config tree (a multirun job numbered as Hydra numbers it).
VITALS_INLINE config::composition app_compose_job(const compose_options& copts, const std::vector<std::string>& job,
                                                  std::optional<int> job_num);
/// Reads one --config file; its mapping is merged into `from_files` (where file values were written).
VITALS_INLINE std::optional<config::node> app_load_config_file(const std::string& path, config::node& from_files,
                                                               std::vector<config::problem>& problems, std::size_t& more);
/// Applies a job's overrides (Hydra's grammar; sweeps are skipped) to `tree`.
VITALS_INLINE void app_apply_overrides(config::node& tree, const std::vector<std::string>& job,
                                       std::vector<config::problem>& problems);
/// Points problems from `from` on that have no location at the file that left the field unset.
VITALS_INLINE void app_locate_in_files(std::vector<config::problem>& problems, std::size_t from,
                                       const config::node& from_files, bool have_files);
/// Run options of one job from its config tree: flags/env win; then the config fields; then the defaults.
VITALS_INLINE run_options app_options_for(const config::node& tree, run_options o, const run_fields& fields,
                                          const run_options& base, std::vector<config::problem>& problems);
/// One job's run options: the flagged ones, the runs directory of a composition that sets
/// hydra.run.dir / hydra.sweep.dir (<output_dir>/runs) unless --wandb_dir/WANDB_DIR named one,
/// then app_options_for on the job's config tree; the result goes to `out`.
VITALS_INLINE void app_job_options(run_options& out, const app_scan& scan, const config::composition* composition,
                                          const config::node& tree, const run_fields& fields, const run_options& base,
                                          std::vector<config::problem>& problems);
/// --show-config's text: each job's config tree and its overrides.
VITALS_INLINE std::string app_show_text(const std::vector<std::pair<config::node, const std::vector<std::string>*>>& jobs,
                                        bool json);
/// Throws config_error(problems, more) when there are problems.
VITALS_INLINE void app_throw_problems(std::vector<config::problem>& problems, std::size_t more);
/// Adds a config_error's problems.
VITALS_INLINE void app_add_config_error(const config::config_error& e, std::vector<config::problem>& problems,
                                        std::size_t& more);
/// The preset named `experiment` among `names` (its index), else a problem and nullopt.
VITALS_INLINE std::optional<std::size_t> app_find_preset(const std::string& experiment,
                                                         const std::vector<std::string>& names,
                                                         std::vector<config::problem>& problems);
/// jobs_or_exit's exits: prints `text` and exits 0 (--help, --show-config).
[[noreturn]] VITALS_INLINE void app_exit_text(const std::string& text);
/// Prints a usage error (the program's name from argv[0]) and exits 2.
[[noreturn]] VITALS_INLINE void app_exit_usage(int argc, const char* const* argv, const usage_error& e);
/// parse_or_exit's error for a command line of `jobs` jobs (not one); exits 2.
[[noreturn]] VITALS_INLINE void app_exit_not_one_job(int argc, const char* const* argv, std::size_t jobs);
}  // namespace detail

/// One job of a command line: the typed config, its run options, and how it was composed.
template <class Config>
struct launch {
  Config config{};
  run_options options{};
  std::optional<config::composition> composition{};  // when composing; its config is to_node(config)
  std::vector<std::string> overrides{};              // this job's overrides, as given

  /// Saves the composition files (config.yaml, config.json, overrides.yaml, defaults.yaml) in one
  /// place: the composition's output directory when it sets one (hydra.run.dir, or
  /// hydra.sweep.dir/subdir for a multirun job; the job's runs are then in <output_dir>/runs),
  /// else `run_dir`. Call once per job. Returns where; empty (nothing written) without a
  /// composition. Throws runs_dir_error when the directory cannot be written.
  std::filesystem::path save_composition(const std::filesystem::path& run_dir) const {
    if (!composition) return {};
    const std::filesystem::path dir = composition->output_dir_set ? composition->output_dir : run_dir;
    composition->save(dir);
    return dir;
  }
};

/// What parse() found: jobs to run, or text to print (--help, --show-config) and exit 0.
template <class Config>
struct app_result {
  enum class action { run, help, show_config };
  action what = action::run;
  std::string text;
  std::vector<launch<Config>> jobs;
};

template <class Config>
class app {
 public:
  using check_fn = std::function<void(const Config&, std::vector<config::problem>&)>;

  explicit app(std::string description = "") : description_(std::move(description)) {}

  /// The run options before the environment and flags (sinks, dir, project, ...).
  app& run_defaults(run_options base) {
    base_ = std::move(base);
    return *this;
  }
  /// Which config fields feed the run's project/name/group/tags/notes.
  app& run_fields(vitals::run_fields f) {
    fields_ = std::move(f);
    return *this;
  }
  /// A preset for --experiment NAME.
  app& preset(std::string name, Config value, std::string help = "") {
    presets_.push_back({std::move(name), std::move(value), std::move(help)});
    return *this;
  }
  /// Composes a Hydra-style config directory (group=option overrides, defaults lists).
  app& compose(compose_options options) {
    compose_ = std::move(options);
    return *this;
  }
  app& compose(std::filesystem::path config_dir, std::string config_name = "config") {
    compose_options o;
    o.config_dir = std::move(config_dir);
    o.config_name = std::move(config_name);
    return compose(std::move(o));
  }
  /// Checks of values the types allow but the program cannot use; problems join the others.
  app& check(check_fn f) {
    checks_.push_back(std::move(f));
    return *this;
  }

  /// Reads the command line. Throws config_error listing every problem.
  app_result<Config> parse(int argc, const char* const* argv) const {
    std::vector<config::problem> problems;
    std::size_t more = 0;
    detail::app_scan scan = detail::app_scan_args(argc, argv, compose_, problems);
    if (scan.help) return {app_result<Config>::action::help, usage(scan.program, scan.copts), {}};
    detail::app_prepare(scan, base_, compose_.has_value(), problems, more);
    const compose_options& copts = scan.copts;

    app_result<Config> out;
    int job_num = 0;
    for (const auto& job : scan.jobs) {
      launch<Config> l;
      l.overrides = job;
      const std::optional<int> num = scan.multirun ? std::optional<int>(job_num++) : std::nullopt;
      const std::size_t first_read_problem = problems.size();
      const read_outcome read = read_config(job, scan.config_files, scan.experiment, copts, num, l, problems, more);
      // The checks run on what was read even when some fields could not be, so that one run
      // shows every independent mistake; a check's problem on a field that already has a read
      // problem (the field, one inside it or one above it) is a follow-on and is left out.
      if (read != read_outcome::unread) run_checks(l.config, problems, first_read_problem);
      if (read != read_outcome::ok) continue;
      detail::app_job_options(l.options, scan, l.composition ? &*l.composition : nullptr, config::to_node(l.config),
                              fields_, base_, problems);
      out.jobs.push_back(std::move(l));
    }
    detail::app_throw_problems(problems, more);
    if (scan.show) {
      out.what = app_result<Config>::action::show_config;
      std::vector<std::pair<config::node, const std::vector<std::string>*>> shown;
      shown.reserve(out.jobs.size());
      for (const auto& j : out.jobs) shown.emplace_back(config::to_node(j.config), &j.overrides);
      out.text = detail::app_show_text(shown, scan.json);
    }
    return out;
  }

  /// parse(), then: --help and --show-config print and exit 0; problems print on stderr and exit 2.
  std::vector<launch<Config>> jobs_or_exit(int argc, const char* const* argv) const {
    try {
      app_result<Config> r = parse(argc, argv);
      if (r.what != app_result<Config>::action::run) detail::app_exit_text(r.text);
      return std::move(r.jobs);
    } catch (const usage_error& e) {
      detail::app_exit_usage(argc, argv, e);
    }
  }
  std::vector<launch<Config>> jobs_or_exit(int argc, char** argv) const {
    return jobs_or_exit(argc, const_cast<const char* const*>(argv));
  }

  /// The single job of a command line (--multirun with several jobs is an error: use jobs_or_exit).
  launch<Config> parse_or_exit(int argc, const char* const* argv) const {
    auto jobs = jobs_or_exit(argc, argv);
    if (jobs.size() != 1) detail::app_exit_not_one_job(argc, argv, jobs.size());
    return std::move(jobs.front());
  }
  launch<Config> parse_or_exit(int argc, char** argv) const {
    return parse_or_exit(argc, const_cast<const char* const*>(argv));
  }

  /// The --help text.
  std::string usage(std::string_view program, const compose_options& copts) const {
    std::vector<std::pair<std::string, std::string>> presets;
    for (const auto& e : presets_) presets.emplace_back(e.name, e.help);
    std::vector<config::detail::help_row> fields;
    if constexpr (config::detail::is_config_struct_v<Config>) config::detail::collect_help_rows(Config{}, "", fields);
    return detail::app_usage(program, copts, compose_.has_value(), description_, base_, fields_, presets, fields);
  }

 private:
  struct preset_entry {
    std::string name;
    Config value;
    std::string help;
  };

  // What read_config could do: all of the config, part of it (fields that parsed are set, the
  // others keep their earlier layer's value), or nothing (e.g. the composition failed).
  enum class read_outcome { ok, partial, unread };

  void run_checks(const Config& cfg, std::vector<config::problem>& problems, std::size_t first_read_problem) const {
    std::vector<config::problem> found;
    for (const auto& c : checks_) c(cfg, found);
    detail::app_add_check_problems(found, problems, first_read_problem);
  }

  // Reads the typed value of one config, keeping what parsed; true when nothing was wrong.
  static bool read_typed(const config::node& tree, Config& out, std::vector<config::problem>& problems, std::size_t& more) {
    const std::size_t before = problems.size();
    Config value{};
    if (!(config::detail::is_config_struct_v<Config> && tree.is_null())) config::merge_into(value, tree, problems, more);
    config::check_required(value, tree, problems);
    out = std::move(value);
    return problems.size() == before;
  }

  // The typed config of one job, with its problems.
  read_outcome read_config(const std::vector<std::string>& job, const std::vector<std::string>& files, const std::string& experiment,
                   const compose_options& copts, std::optional<int> job_num, launch<Config>& out,
                   std::vector<config::problem>& problems, std::size_t& more) const {
    try {
      if (compose_) {
        // A multirun job is numbered as Hydra numbers it (hydra.job.num, sweep.dir/subdir).
        config::composition c = detail::app_compose_job(copts, job, job_num);
        if (!read_typed(c.config, out.config, problems, more)) return read_outcome::partial;
        c.config = config::to_node(out.config);  // config.yaml says what the program got
        out.composition = std::move(c);
        return read_outcome::ok;
      }
      const std::size_t before = problems.size();
      Config value{};
      if (!experiment.empty()) {
        std::vector<std::string> names;
        names.reserve(presets_.size());
        for (const auto& p : presets_) names.push_back(p.name);
        if (auto at = detail::app_find_preset(experiment, names, problems)) value = presets_[*at].value;
      }
      config::node from_files = config::node::mapping();  // where file values were written
      for (const auto& path : files) {
        std::optional<config::node> tree = detail::app_load_config_file(path, from_files, problems, more);
        if (!tree) continue;
        try {
          if (!(config::detail::is_config_struct_v<Config> && tree->is_null())) config::merge_into(value, *tree, problems, more);
        } catch (const config::config_error& e) {
          detail::app_add_config_error(e, problems, more);
        }
      }
      // Overrides in Hydra's grammar on the tree of what the layers gave, then typed again.
      config::node tree = config::to_node(value);
      detail::app_apply_overrides(tree, job, problems);
      const std::size_t typed_from = problems.size();
      if (!read_typed(tree, out.config, problems, more))
        // The tree was rebuilt from the typed value: a required field left unset points at the
        // file that left it (its `???`, else the file) rather than at nowhere.
        detail::app_locate_in_files(problems, typed_from, from_files, !files.empty());
      if (problems.size() == before) return read_outcome::ok;
      // Parts that failed kept the earlier layer's value; the checks may still look at the rest.
      if (!(config::detail::is_config_struct_v<Config>)) return read_outcome::unread;
      return read_outcome::partial;
    } catch (const config::config_error& e) {
      detail::app_add_config_error(e, problems, more);
      return read_outcome::unread;
    }
  }

  std::string description_;
  run_options base_{};
  vitals::run_fields fields_{};
  std::vector<preset_entry> presets_;
  std::optional<compose_options> compose_;
  std::vector<check_fn> checks_;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/app.ipp"
#endif
