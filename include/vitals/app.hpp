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
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/cli.hpp"
#include "vitals/config/compose/command_line.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/load.hpp"
#include "vitals/config/yaml_writer.hpp"
#include "vitals/run/options.hpp"

namespace vitals::inline VITALS_ABI {
/// Config fields (dotted paths, "" = none) that feed the run's options when no flag or WANDB_*
/// variable sets them. `tags` may name a list of strings or a comma-separated string.
struct run_fields {
  std::string project{}, name{}, group{}, tags{}, notes{};
};

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
    const std::string program = argc > 0 && argv[0] ? std::filesystem::path(argv[0]).filename().string() : "program";
    std::vector<config::problem> problems;
    std::size_t more = 0;
    auto add_error = [&](const std::exception& e) {
      if (auto* ce = dynamic_cast<const config::config_error*>(&e)) {
        problems.insert(problems.end(), ce->problems().begin(), ce->problems().end());
        more += ce->more();
      } else {
        problems.push_back({"", e.what(), {}});
      }
    };

    // 1. Sort the arguments: run flags (run_options owns them), vitals' flags, overrides.
    std::vector<std::string> run_args, overrides, config_files;
    std::string experiment;
    bool help = false, show = false, json = false, multirun = false;
    compose_options copts = compose_.value_or(compose_options{});
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i] ? argv[i] : "";
      if (int used = run_flag_length(argc, argv, i, problems)) {  // < 0: a bad one, reported
        for (int k = 0; k < used; ++k) run_args.emplace_back(argv[i + k]);
        i += (used > 0 ? used : -used) - 1;
        continue;
      }
      auto value_of = [&](std::string_view flag) -> std::optional<std::string> {
        if (a == flag) {
          if (i + 1 < argc) return std::string(argv[++i]);
          problems.push_back({"", std::string(flag) + " needs a value", {}});
          return std::string();
        }
        if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=')
          return std::string(a.substr(flag.size() + 1));
        return std::nullopt;
      };
      if (a == "--help" || a == "-h") help = true;
      else if (a == "--show-config") show = true;
      else if (a == "--json") json = true;
      else if (a == "--cfg" || a == "-c") {
        if (i + 1 < argc && std::string_view(argv[i + 1]) == "job") ++i;
        show = true;
      } else if (a == "--multirun" || a == "-m") multirun = true;
      else if (auto f = value_of("--config")) config_files.push_back(*f);
      else if (auto x = value_of("--experiment")) experiment = *x;
      else if (auto d = compose_ ? value_of("--config-dir") : std::nullopt) copts.config_dir = *d;
      else if (auto n = compose_ ? value_of("--config-name") : std::nullopt) copts.config_name = *n;
      else if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (a[1] == '=' || (a[1] >= '0' && a[1] <= '9')))) {
        std::string name(a.substr(0, a.find('=')));
        problems.push_back({"", "unknown flag '" + name + "'" + config::detail::did_you_mean(name, known_flags()) +
                                    " (--help lists the flags)", {}});
      } else if (a.find('=') != std::string_view::npos || a.starts_with("~")) {
        overrides.emplace_back(a);
      } else {
        problems.push_back({"", "unexpected argument " + config::detail::quoted_arg(a) +
                                    " (set a config field with key=value, see --help)", {}});
      }
    }
    if (json && !show) problems.push_back({"", "--json goes with --show-config (or --cfg job): it prints the config as JSON", {}});
    if (help) return {app_result<Config>::action::help, usage(program, copts), {}};
    if (compose_ && (!config_files.empty() || !experiment.empty()))
      problems.push_back({"", "--config and --experiment are for programs without a config directory; this one composes " +
                                  copts.config_dir.string() + " (select options with group=option)", {}});

    // 2. The run options every job starts from: defaults < environment < flags. Project, name,
    // group, tags and notes start empty so that "not set by env or flag" can be told apart.
    run_options flagged = base_;
    flagged.project.clear();
    flagged.name.clear();
    flagged.group.clear();
    flagged.tags.clear();
    flagged.notes.clear();
    try {
      flagged = run_options::from_env(std::move(flagged));
    } catch (const std::exception& e) {
      add_error(e);
    }
    try {
      std::vector<char*> v{const_cast<char*>(program.c_str())};
      for (auto& s : run_args) v.push_back(s.data());
      int n = static_cast<int>(v.size());
      flagged = run_options::apply_args(n, v.data(), std::move(flagged));
    } catch (const std::exception& e) {
      add_error(e);
    }

    // 3. The jobs: one, or one per sweep combination with --multirun.
    std::vector<std::vector<std::string>> jobs{overrides};
    std::optional<bool> show_override;
    try {
      if (compose_) {
        bool keep = false;
        show_override = config::detail::take_show_config(overrides, copts, keep);
        jobs = {overrides};
      }
      auto parsed = config::parse_overrides(overrides);
      if (multirun) {
        jobs = config::expand_sweeps(parsed);
      } else {
        for (const auto& o : parsed)
          if (o.sweep) problems.push_back({o.key, config::detail::sweep_hint(o), o.where()});
      }
    } catch (const std::exception& e) {
      add_error(e);
      jobs.clear();
    }
    if (show_override && *show_override) show = true;

    // Configs are read even after a flag problem, so that one run shows every mistake.
    // A runs directory named by --wandb_dir or WANDB_DIR wins over a composition's output dir.
    bool dir_given = false;
    if (const char* env = std::getenv("WANDB_DIR"); env && *env) dir_given = true;
    for (const auto& a : run_args)
      if (a == "--wandb_dir" || a.starts_with("--wandb_dir=")) dir_given = true;
    app_result<Config> out;
    {
      int job_num = 0;
      for (const auto& job : jobs) {
        launch<Config> l;
        l.overrides = job;
        const std::optional<int> num = multirun ? std::optional<int>(job_num++) : std::nullopt;
        const std::size_t first_read_problem = problems.size();
        const read_outcome read = read_config(job, config_files, experiment, copts, num, l, problems, more);
        // The checks run on what was read even when some fields could not be, so that one run
        // shows every independent mistake; a check's problem on a field that already has a read
        // problem (the field, one inside it or one above it) is a follow-on and is left out.
        if (read != read_outcome::unread) run_checks(l.config, problems, first_read_problem);
        if (read != read_outcome::ok) continue;
        run_options job_options = flagged;
        // A composition that sets hydra.run.dir / hydra.sweep.dir holds its runs: <output_dir>/runs.
        if (l.composition && l.composition->output_dir_set && !dir_given)
          job_options.dir = l.composition->output_dir / "runs";
        l.options = options_for(l.config, std::move(job_options), problems);
        out.jobs.push_back(std::move(l));
      }
    }
    if (!problems.empty()) throw config::config_error(std::move(problems), more);
    if (show) {
      out.what = app_result<Config>::action::show_config;
      for (const auto& j : out.jobs) {
        if (json) {  // one object per line, one line per job (as vitals-compose --json prints)
          out.text += config::to_json(config::to_node(j.config), 0) + "\n";
          continue;
        }
        if (out.jobs.size() > 1) {
          std::string head = "---\n# job:";
          for (const auto& o : j.overrides) head += " " + o;
          out.text += head + "\n";
        }
        out.text += config::to_yaml(config::to_node(j.config));
      }
    }
    return out;
  }

  /// parse(), then: --help and --show-config print and exit 0; problems print on stderr and exit 2.
  std::vector<launch<Config>> jobs_or_exit(int argc, const char* const* argv) const {
    const char* program = argc > 0 && argv[0] ? argv[0] : "program";
    try {
      app_result<Config> r = parse(argc, argv);
      if (r.what != app_result<Config>::action::run) {
        std::fputs(r.text.c_str(), stdout);
        std::fflush(stdout);
        std::exit(0);
      }
      return std::move(r.jobs);
    } catch (const usage_error& e) {
      exit_usage_error(std::filesystem::path(program).filename().string(), e.what());
    }
  }
  std::vector<launch<Config>> jobs_or_exit(int argc, char** argv) const {
    return jobs_or_exit(argc, const_cast<const char* const*>(argv));
  }

  /// The single job of a command line (--multirun with several jobs is an error: use jobs_or_exit).
  launch<Config> parse_or_exit(int argc, const char* const* argv) const {
    auto jobs = jobs_or_exit(argc, argv);
    if (jobs.size() != 1)
      exit_usage_error(argc > 0 && argv[0] ? std::filesystem::path(argv[0]).filename().string() : "program",
                       "--multirun expands to " + std::to_string(jobs.size()) + " jobs; this program runs one (app::jobs_or_exit runs them all)");
    return std::move(jobs.front());
  }
  launch<Config> parse_or_exit(int argc, char** argv) const {
    return parse_or_exit(argc, const_cast<const char* const*>(argv));
  }

  /// The --help text.
  std::string usage(std::string_view program, const compose_options& copts) const {
    std::string out = "usage: " + std::string(program) +
                      (compose_ ? " [group=option]..." : " [--config FILE]... [--experiment NAME]") +
                      " [key=value | +key=value | ++key=value | ~key]... [-m] [--show-config] [--help] [run flags]\n";
    if (!description_.empty()) out += "\n" + description_ + "\n";
    std::vector<std::vector<std::string>> rows;
    if (!compose_) {
      rows.push_back({"--config FILE", "merge a YAML or JSON config file (repeatable; later files win)"});
      rows.push_back({"--experiment NAME", "start from a preset" + preset_list()});
    } else {
      rows.push_back({"--config-dir DIR, --config-name NAME", "compose another config directory / primary config"});
    }
    rows.push_back({"key=value, +key=v, ++key=v, ~key", "set, add, add-or-set, delete a config key (Hydra's override grammar)"});
    rows.push_back({"-m, --multirun", "expand sweeps (a=1,2  range(0,3)) into one job each"});
    rows.push_back({"--show-config [--json]", "print the final config as YAML (--json: a JSON line per job) and exit"});
    rows.push_back({"--help, -h", "show this help and exit"});
    out += "\nflags:\n" + config::detail::format_table(rows, "  ");
    std::vector<std::vector<std::string>> run_rows = {
        {"--wandb_project P", "project" + fed_by(fields_.project) + " (WANDB_PROJECT)"},
        {"--wandb_entity E", "entity (WANDB_ENTITY)"},
        {"--wandb_name N", "run name" + fed_by(fields_.name) + " (WANDB_NAME)"},
        {"--wandb_group G", "group" + fed_by(fields_.group) + " (WANDB_RUN_GROUP)"},
        {"--wandb_tags a,b", "tags" + fed_by(fields_.tags) + " (WANDB_TAGS)"},
        {"--wandb_notes T", "notes" + fed_by(fields_.notes) + " (WANDB_NOTES)"},
        {"--wandb_job_type T", "job type (WANDB_JOB_TYPE)"},
        {"--wandb_mode M", "online | offline | disabled (WANDB_MODE)"},
        {"--wandb_dir DIR", "runs directory, default " + base_.dir.string() + " (WANDB_DIR)"},
        {"--wandb_run_id ID, --wandb_id ID", "run id (WANDB_RUN_ID)"},
        {"--wandb_resume M", "allow | must | never | auto: continue the run with this id (WANDB_RESUME)"},
        {"--sinks a,b", "sinks, default '" + base_.sinks + "' (VITALS_SINKS)"},
        {"--no_wandb", "leave the wandb sink out"},
        {"--no_report", "no report.html (VITALS_REPORT=0)"},
        {"--total_steps N", "steps for the progress bar"},
        {"--wandb_console M", "auto | wrap | off: stdout/stderr into the W&B run (WANDB_CONSOLE)"},
        {"--system_metrics_interval SEC", "seconds between system metric samples, 0 = none (WANDB_X_STATS_SAMPLING_INTERVAL)"},
        {"--system_metrics_to_sinks", "system metrics to every sink as system/<key>, not only W&B"}};
    out += "\nrun flags (flags > WANDB_* environment > config fields > defaults):\n" + config::detail::format_table(run_rows, "  ");
    if (!presets_.empty()) {
      std::vector<std::vector<std::string>> p;
      for (const auto& e : presets_) p.push_back({e.name, e.help});
      out += "\nexperiments (--experiment NAME):\n" + config::detail::format_table(p, "  ");
    }
    std::vector<config::detail::help_row> fields;
    if constexpr (config::detail::is_config_struct_v<Config>) config::detail::collect_help_rows(Config{}, "", fields);
    if (!fields.empty()) {
      std::vector<std::vector<std::string>> f = {{"field", "type", "default", "description"}};
      for (auto& r : fields) f.push_back({r.path, r.type, r.value, r.doc});
      out += "\nconfig fields:\n" + config::detail::format_table(f, "  ");
    }
    if (compose_) {
      try {
        std::string groups = config::usage(copts, program);
        auto at = groups.find("\nconfig: ");
        if (at != std::string::npos) out += groups.substr(at + 1);
      } catch (const std::exception& e) {
        out += "\n(config groups unavailable: " + std::string(e.what()) + ")\n";
      }
    }
    return out;
  }

 private:
  struct preset_entry {
    std::string name;
    Config value;
    std::string help;
  };

  static std::string fed_by(const std::string& field) { return field.empty() ? "" : ", else config '" + field + "'"; }

  std::vector<std::string> known_flags() const {
    std::vector<std::string> k = {"--help", "--show-config", "--multirun", "--wandb_project", "--wandb_entity",
                                  "--wandb_name", "--wandb_group", "--wandb_tags", "--wandb_notes", "--wandb_job_type",
                                  "--wandb_mode", "--wandb_dir", "--wandb_run_id", "--wandb_id", "--wandb_resume",
                                  "--json", "--sinks", "--no_wandb",
                                  "--no_report", "--total_steps", "--wandb_console", "--system_metrics_interval",
                                  "--system_metrics_to_sinks"};
    if (compose_) k.insert(k.end(), {"--config-dir", "--config-name", "--cfg"});
    else k.insert(k.end(), {"--config", "--experiment"});
    return k;
  }

  std::string preset_list() const {
    if (presets_.empty()) return " (none registered)";
    std::vector<std::string> names;
    for (const auto& p : presets_) names.push_back(p.name);
    return ": " + config::detail::join_names(names);
  }

  // How many arguments from argv[i] are a run flag (0: not one), asking run_options itself, which
  // is the one place run flags are defined. A bad one is recorded and its count returned negated.
  static int run_flag_length(int argc, const char* const* argv, int i, std::vector<config::problem>& problems) {
    const std::string_view a = argv[i] ? argv[i] : "";
    if (!a.starts_with("--")) return 0;
    auto try_with = [&](int n, std::string* error) -> int {
      std::vector<char*> v{const_cast<char*>("x")};
      for (int k = 0; k < n; ++k) v.push_back(const_cast<char*>(argv[i + k]));
      int count = static_cast<int>(v.size());
      try {
        run_options::apply_args(count, v.data(), run_options{});
      } catch (const std::exception& e) {
        if (error) *error = e.what();
        return -1;
      }
      return (static_cast<int>(v.size()) - count);  // arguments consumed
    };
    std::string first_error, second_error;
    int used = try_with(1, &first_error);
    if (used > 0) return used;
    if (used == 0) return 0;  // not a run flag
    if (a.find('=') != std::string_view::npos) {  // "--flag=value" with a bad value
      problems.push_back({"", first_error, {}});
      return -1;
    }
    // "--flag value": the flag needed its value.
    if (i + 1 < argc) {
      int two = try_with(2, &second_error);
      if (two == 2) return 2;
      if (two < 0) {
        problems.push_back({"", second_error, {}});
        return -2;
      }
    }
    problems.push_back({"", first_error, {}});
    return -1;
  }

  // What read_config could do: all of the config, part of it (fields that parsed are set, the
  // others keep their earlier layer's value), or nothing (e.g. the composition failed).
  enum class read_outcome { ok, partial, unread };

  // Whether `a` and `b` name the same field or one holds the other ("optim" and "optim.lr",
  // "layers" and "layers[1].width"); "" is the whole config.
  static bool related_paths(std::string_view a, std::string_view b) {
    if (a.size() > b.size()) std::swap(a, b);
    if (b.substr(0, a.size()) != a) return false;
    return a.empty() || a.size() == b.size() || b[a.size()] == '.' || b[a.size()] == '[';
  }

  void run_checks(const Config& cfg, std::vector<config::problem>& problems, std::size_t first_read_problem) const {
    std::vector<config::problem> found;
    for (const auto& c : checks_) c(cfg, found);
    const std::size_t read_end = problems.size();
    for (auto& p : found) {
      bool follow_on = false;
      for (std::size_t i = first_read_problem; i < read_end && !follow_on; ++i)
        follow_on = !problems[i].path.empty() && !p.path.empty() && related_paths(problems[i].path, p.path);
      if (!follow_on) problems.push_back(std::move(p));
    }
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
        config::composition c = config::detail::compose_parsed(copts, config::parse_overrides(job), job, job_num);
        if (!read_typed(c.config, out.config, problems, more)) return read_outcome::partial;
        c.config = config::to_node(out.config);  // config.yaml says what the program got
        out.composition = std::move(c);
        return read_outcome::ok;
      }
      const std::size_t before = problems.size();
      Config value{};
      if (!experiment.empty()) {
        auto it = std::find_if(presets_.begin(), presets_.end(), [&](const auto& p) { return p.name == experiment; });
        if (it != presets_.end()) {
          value = it->value;
        } else {
          std::vector<std::string> names;
          for (const auto& p : presets_) names.push_back(p.name);
          problems.push_back({"", "unknown experiment '" + experiment + "'" + config::detail::did_you_mean(experiment, names) +
                                      (names.empty() ? std::string(" (this program has no presets)")
                                                     : " (one of: " + config::detail::join_names(names) + ")"),
                              config::source_location::from_origin("--experiment " + experiment)});
        }
      }
      config::node from_files = config::node::mapping();  // where file values were written
      for (const auto& path : files) {
        try {
          config::node tree = config::load_file(path);
          if (tree.is_mapping()) {
            from_files.where = tree.where;
            config::merge_nodes(from_files, tree);
          }
          if (!(config::detail::is_config_struct_v<Config> && tree.is_null())) config::merge_into(value, tree, problems, more);
        } catch (const config::config_error& e) {
          problems.insert(problems.end(), e.problems().begin(), e.problems().end());
          more += e.more();
        }
      }
      // Overrides in Hydra's grammar on the tree of what the layers gave, then typed again.
      config::node tree = config::to_node(value);
      for (const auto& o : config::parse_overrides(job)) {
        if (o.sweep) continue;  // reported with its --multirun hint
        try {
          config::detail::apply_config_override(tree, o);
        } catch (const config::config_error& e) {
          problems.insert(problems.end(), e.problems().begin(), e.problems().end());
        }
      }
      const std::size_t typed_from = problems.size();
      if (!read_typed(tree, out.config, problems, more)) {
        // The tree was rebuilt from the typed value: a required field left unset points at the
        // file that left it (its `???`, else the file) rather than at nowhere.
        for (std::size_t i = typed_from; i < problems.size(); ++i) {
          config::problem& p = problems[i];
          if (p.where.file.empty() && p.where.origin.empty() && !files.empty()) {
            const config::node* at = config::find_path(from_files, p.path);
            p.where = at ? at->where : from_files.where;
          }
        }
      }
      if (problems.size() == before) return read_outcome::ok;
      // Parts that failed kept the earlier layer's value; the checks may still look at the rest.
      if (!(config::detail::is_config_struct_v<Config>)) return read_outcome::unread;
      return read_outcome::partial;
    } catch (const config::config_error& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
      more += e.more();
      return read_outcome::unread;
    }
  }

  // Run options of one job: flags/env win; then the config fields; then the code's defaults.
  run_options options_for(const Config& cfg, run_options o, std::vector<config::problem>& problems) const {
    const config::node tree = config::to_node(cfg);
    auto field = [&](const std::string& path) -> const config::node* {
      if (path.empty()) return nullptr;
      const config::node* n = config::find_path(tree, path);
      if (!n) problems.push_back({path, "run_fields names '" + path + "', which is not a field of the config", {}});
      return n;
    };
    auto text = [&](std::string& target, const std::string& path, const std::string& fallback) {
      if (!target.empty()) return;
      if (const config::node* n = field(path); n && n->is_scalar()) target = n->text;
      if (target.empty()) target = fallback;
    };
    text(o.project, fields_.project, base_.project);
    text(o.name, fields_.name, base_.name);
    text(o.group, fields_.group, base_.group);
    text(o.notes, fields_.notes, base_.notes);
    if (o.tags.empty()) {
      if (const config::node* n = field(fields_.tags)) {
        if (n->is_sequence())
          for (const auto& t : n->items) o.tags.push_back(t.text);
        else if (n->is_scalar() && !n->text.empty())
          o.tags = split_comma_list(n->text);
      }
      if (o.tags.empty()) o.tags = base_.tags;
    }
    try {
      o.validate();
    } catch (const std::exception& e) {
      problems.push_back({"", e.what(), {}});
    }
    return o;
  }

  std::string description_;
  run_options base_{};
  vitals::run_fields fields_{};
  std::vector<preset_entry> presets_;
  std::optional<compose_options> compose_;
  std::vector<check_fn> checks_;
};

}  // namespace vitals
