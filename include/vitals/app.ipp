// Bodies of vitals/app.hpp (see vitals/version.hpp): what app<Config> does that does not depend on
// Config - sorting the command line, run options, sweeps, composition, --help.
#pragma once

#include "vitals/app.hpp"

#include <cstdio>
#include <cstdlib>

#include "vitals/config/compose/command_line.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/detail/suggest.hpp"

namespace vitals::inline VITALS_ABI::detail {

VITALS_INLINE app_scan::app_scan() = default;
VITALS_INLINE app_scan::app_scan(app_scan&&) noexcept = default;
VITALS_INLINE app_scan& app_scan::operator=(app_scan&&) noexcept = default;
VITALS_INLINE app_scan::~app_scan() = default;

inline std::vector<std::string> app_known_flags(bool composing) {
  std::vector<std::string> k = {"--help", "--show-config", "--multirun", "--wandb_project", "--wandb_entity",
                                "--wandb_name", "--wandb_group", "--wandb_tags", "--wandb_notes", "--wandb_job_type",
                                "--wandb_mode", "--wandb_dir", "--wandb_run_id", "--wandb_id", "--wandb_resume",
                                "--json", "--sinks", "--no_wandb",
                                "--no_report", "--total_steps", "--wandb_console", "--system_metrics_interval",
                                "--system_metrics_to_sinks"};
  if (composing) k.insert(k.end(), {"--config-dir", "--config-name", "--cfg"});
  else k.insert(k.end(), {"--config", "--experiment"});
  return k;
}

// How many arguments from argv[i] are a run flag (0: not one), asking run_options itself, which
// is the one place run flags are defined. A bad one is recorded and its count returned negated.
inline int app_run_flag_length(int argc, const char* const* argv, int i, std::vector<config::problem>& problems) {
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

// Whether `a` and `b` name the same field or one holds the other ("optim" and "optim.lr",
// "layers" and "layers[1].width"); "" is the whole config.
inline bool app_related_paths(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.substr(0, a.size()) != a) return false;
  return a.empty() || a.size() == b.size() || b[a.size()] == '.' || b[a.size()] == '[';
}

inline std::string app_fed_by(const std::string& field) { return field.empty() ? "" : ", else config '" + field + "'"; }

VITALS_INLINE void app_add_error(const std::exception& e, std::vector<config::problem>& problems, std::size_t& more) {
  if (auto* ce = dynamic_cast<const config::config_error*>(&e)) {
    problems.insert(problems.end(), ce->problems().begin(), ce->problems().end());
    more += ce->more();
  } else {
    problems.push_back({"", e.what(), {}});
  }
}

VITALS_INLINE app_scan app_scan_args(int argc, const char* const* argv, const std::optional<compose_options>& compose,
                                     std::vector<config::problem>& problems) {
  app_scan s;
  s.program = argc > 0 && argv[0] ? std::filesystem::path(argv[0]).filename().string() : "program";
  s.copts = compose.value_or(compose_options{});
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i] ? argv[i] : "";
    if (int used = app_run_flag_length(argc, argv, i, problems)) {  // < 0: a bad one, reported
      for (int k = 0; k < used; ++k) s.run_args.emplace_back(argv[i + k]);
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
    if (a == "--help" || a == "-h") s.help = true;
    else if (a == "--show-config") s.show = true;
    else if (a == "--json") s.json = true;
    else if (a == "--cfg" || a == "-c") {
      if (i + 1 < argc && std::string_view(argv[i + 1]) == "job") ++i;
      s.show = true;
    } else if (a == "--multirun" || a == "-m") s.multirun = true;
    else if (auto f = value_of("--config")) s.config_files.push_back(*f);
    else if (auto x = value_of("--experiment")) s.experiment = *x;
    else if (auto d = compose ? value_of("--config-dir") : std::nullopt) s.copts.config_dir = *d;
    else if (auto n = compose ? value_of("--config-name") : std::nullopt) s.copts.config_name = *n;
    else if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (a[1] == '=' || (a[1] >= '0' && a[1] <= '9')))) {
      std::string name(a.substr(0, a.find('=')));
      problems.push_back({"", "unknown flag '" + name + "'" + config::detail::did_you_mean(name, app_known_flags(compose.has_value())) +
                                  " (--help lists the flags)", {}});
    } else if (a.find('=') != std::string_view::npos || a.starts_with("~")) {
      s.overrides.emplace_back(a);
    } else {
      problems.push_back({"", "unexpected argument " + config::detail::quoted_arg(a) +
                                  " (set a config field with key=value, see --help)", {}});
    }
  }
  if (s.json && !s.show) problems.push_back({"", "--json goes with --show-config (or --cfg job): it prints the config as JSON", {}});
  return s;
}

VITALS_INLINE void app_prepare(app_scan& s, const run_options& base, bool composing,
                               std::vector<config::problem>& problems, std::size_t& more) {
  if (composing && (!s.config_files.empty() || !s.experiment.empty()))
    problems.push_back({"", "--config and --experiment are for programs without a config directory; this one composes " +
                                s.copts.config_dir.string() + " (select options with group=option)", {}});

  // 2. The run options every job starts from: defaults < environment < flags. Project, name,
  // group, tags and notes start empty so that "not set by env or flag" can be told apart.
  run_options flagged = base;
  flagged.project.clear();
  flagged.name.clear();
  flagged.group.clear();
  flagged.tags.clear();
  flagged.notes.clear();
  try {
    flagged = run_options::from_env(std::move(flagged));
  } catch (const std::exception& e) {
    app_add_error(e, problems, more);
  }
  try {
    std::vector<char*> v{const_cast<char*>(s.program.c_str())};
    for (auto& a : s.run_args) v.push_back(a.data());
    int n = static_cast<int>(v.size());
    flagged = run_options::apply_args(n, v.data(), std::move(flagged));
  } catch (const std::exception& e) {
    app_add_error(e, problems, more);
  }
  s.flagged = std::move(flagged);

  // 3. The jobs: one, or one per sweep combination with --multirun.
  s.jobs = {s.overrides};
  std::optional<bool> show_override;
  try {
    if (composing) {
      bool keep = false;
      show_override = config::detail::take_show_config(s.overrides, s.copts, keep);
      s.jobs = {s.overrides};
    }
    auto parsed = config::parse_overrides(s.overrides);
    if (s.multirun) {
      s.jobs = config::expand_sweeps(parsed);
    } else {
      for (const auto& o : parsed)
        if (o.sweep) problems.push_back({o.key, config::detail::sweep_hint(o), o.where()});
    }
  } catch (const std::exception& e) {
    app_add_error(e, problems, more);
    s.jobs.clear();
  }
  if (show_override && *show_override) s.show = true;

  // Configs are read even after a flag problem, so that one run shows every mistake.
  // A runs directory named by --wandb_dir or WANDB_DIR wins over a composition's output dir.
  if (const char* env = std::getenv("WANDB_DIR"); env && *env) s.dir_given = true;
  for (const auto& a : s.run_args)
    if (a == "--wandb_dir" || a.starts_with("--wandb_dir=")) s.dir_given = true;
}

VITALS_INLINE std::string app_usage(std::string_view program, const compose_options& copts, bool composing,
                                    const std::string& description, const run_options& base, const run_fields& fields,
                                    const std::vector<std::pair<std::string, std::string>>& presets,
                                    const std::vector<config::detail::help_row>& help_rows) {
  std::string out = "usage: " + std::string(program) +
                    (composing ? " [group=option]..." : " [--config FILE]... [--experiment NAME]") +
                    " [key=value | +key=value | ++key=value | ~key]... [-m] [--show-config] [--help] [run flags]\n";
  if (!description.empty()) out += "\n" + description + "\n";
  std::string preset_list = " (none registered)";
  if (!presets.empty()) {
    std::vector<std::string> names;
    for (const auto& p : presets) names.push_back(p.first);
    preset_list = ": " + config::detail::join_names(names);
  }
  std::vector<std::vector<std::string>> rows;
  if (!composing) {
    rows.push_back({"--config FILE", "merge a YAML or JSON config file (repeatable; later files win)"});
    rows.push_back({"--experiment NAME", "start from a preset" + preset_list});
  } else {
    rows.push_back({"--config-dir DIR, --config-name NAME", "compose another config directory / primary config"});
  }
  rows.push_back({"key=value, +key=v, ++key=v, ~key", "set, add, add-or-set, delete a config key (Hydra's override grammar)"});
  rows.push_back({"-m, --multirun", "expand sweeps (a=1,2  range(0,3)) into one job each"});
  rows.push_back({"--show-config [--json]", "print the final config as YAML (--json: a JSON line per job) and exit"});
  rows.push_back({"--help, -h", "show this help and exit"});
  out += "\nflags:\n" + config::detail::format_table(rows, "  ");
  std::vector<std::vector<std::string>> run_rows = {
      {"--wandb_project P", "project" + app_fed_by(fields.project) + " (WANDB_PROJECT)"},
      {"--wandb_entity E", "entity (WANDB_ENTITY)"},
      {"--wandb_name N", "run name" + app_fed_by(fields.name) + " (WANDB_NAME)"},
      {"--wandb_group G", "group" + app_fed_by(fields.group) + " (WANDB_RUN_GROUP)"},
      {"--wandb_tags a,b", "tags" + app_fed_by(fields.tags) + " (WANDB_TAGS)"},
      {"--wandb_notes T", "notes" + app_fed_by(fields.notes) + " (WANDB_NOTES)"},
      {"--wandb_job_type T", "job type (WANDB_JOB_TYPE)"},
      {"--wandb_mode M", "online | offline | disabled (WANDB_MODE)"},
      {"--wandb_dir DIR", "runs directory, default " + base.dir.string() + " (WANDB_DIR)"},
      {"--wandb_run_id ID, --wandb_id ID", "run id (WANDB_RUN_ID)"},
      {"--wandb_resume M", "allow | must | never | auto: continue the run with this id (WANDB_RESUME)"},
      {"--sinks a,b", "sinks, default '" + base.sinks + "' (VITALS_SINKS)"},
      {"--no_wandb", "leave the wandb sink out"},
      {"--no_report", "no report.html (VITALS_REPORT=0)"},
      {"--total_steps N", "steps for the progress bar"},
      {"--wandb_console M", "auto | wrap | off: stdout/stderr into the W&B run (WANDB_CONSOLE)"},
      {"--system_metrics_interval SEC", "seconds between system metric samples, 0 = none (WANDB_X_STATS_SAMPLING_INTERVAL)"},
      {"--system_metrics_to_sinks", "system metrics to every sink as system/<key>, not only W&B"}};
  out += "\nrun flags (flags > WANDB_* environment > config fields > defaults):\n" + config::detail::format_table(run_rows, "  ");
  if (!presets.empty()) {
    std::vector<std::vector<std::string>> p;
    for (const auto& e : presets) p.push_back({e.first, e.second});
    out += "\nexperiments (--experiment NAME):\n" + config::detail::format_table(p, "  ");
  }
  if (!help_rows.empty()) {
    std::vector<std::vector<std::string>> f = {{"field", "type", "default", "description"}};
    for (auto& r : help_rows) f.push_back({r.path, r.type, r.value, r.doc});
    out += "\nconfig fields:\n" + config::detail::format_table(f, "  ");
  }
  if (composing) {
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

VITALS_INLINE void app_add_check_problems(std::vector<config::problem>& found, std::vector<config::problem>& problems,
                                          std::size_t first_read_problem) {
  const std::size_t read_end = problems.size();
  for (auto& p : found) {
    bool follow_on = false;
    for (std::size_t i = first_read_problem; i < read_end && !follow_on; ++i)
      follow_on = !problems[i].path.empty() && !p.path.empty() && app_related_paths(problems[i].path, p.path);
    if (!follow_on) problems.push_back(std::move(p));
  }
}

VITALS_INLINE config::composition app_compose_job(const compose_options& copts, const std::vector<std::string>& job,
                                                  std::optional<int> job_num) {
  return config::detail::compose_parsed(copts, config::parse_overrides(job), job, job_num);
}

VITALS_INLINE std::optional<config::node> app_load_config_file(const std::string& path, config::node& from_files,
                                                               std::vector<config::problem>& problems, std::size_t& more) {
  try {
    config::node tree = config::load_file(path);
    if (tree.is_mapping()) {
      from_files.where = tree.where;
      config::merge_nodes(from_files, tree);
    }
    return tree;
  } catch (const config::config_error& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    more += e.more();
    return std::nullopt;
  }
}

VITALS_INLINE void app_apply_overrides(config::node& tree, const std::vector<std::string>& job,
                                       std::vector<config::problem>& problems) {
  for (const auto& o : config::parse_overrides(job)) {
    if (o.sweep) continue;  // reported with its --multirun hint
    try {
      config::detail::apply_config_override(tree, o);
    } catch (const config::config_error& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
}

VITALS_INLINE void app_locate_in_files(std::vector<config::problem>& problems, std::size_t from,
                                       const config::node& from_files, bool have_files) {
  for (std::size_t i = from; i < problems.size(); ++i) {
    config::problem& p = problems[i];
    if (p.where.file.empty() && p.where.origin.empty() && have_files) {
      const config::node* at = config::find_path(from_files, p.path);
      p.where = at ? at->where : from_files.where;
    }
  }
}

VITALS_INLINE run_options app_options_for(const config::node& tree, run_options o, const run_fields& fields,
                                          const run_options& base, std::vector<config::problem>& problems) {
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
  text(o.project, fields.project, base.project);
  text(o.name, fields.name, base.name);
  text(o.group, fields.group, base.group);
  text(o.notes, fields.notes, base.notes);
  if (o.tags.empty()) {
    if (const config::node* n = field(fields.tags)) {
      if (n->is_sequence())
        for (const auto& t : n->items) o.tags.push_back(t.text);
      else if (n->is_scalar() && !n->text.empty())
        o.tags = split_comma_list(n->text);
    }
    if (o.tags.empty()) o.tags = base.tags;
  }
  try {
    o.validate();
  } catch (const std::exception& e) {
    problems.push_back({"", e.what(), {}});
  }
  return o;
}

VITALS_INLINE void app_job_options(run_options& out, const app_scan& scan, const config::composition* composition,
                                          const config::node& tree, const run_fields& fields, const run_options& base,
                                          std::vector<config::problem>& problems) {
  run_options job_options = scan.flagged;
  // A composition that sets hydra.run.dir / hydra.sweep.dir holds its runs: <output_dir>/runs.
  if (composition && composition->output_dir_set && !scan.dir_given) job_options.dir = composition->output_dir / "runs";
  out = app_options_for(tree, std::move(job_options), fields, base, problems);
}

VITALS_INLINE std::string app_show_text(const std::vector<std::pair<config::node, const std::vector<std::string>*>>& jobs,
                                        bool json) {
  std::string text;
  for (const auto& [tree, overrides] : jobs) {
    if (json) {  // one object per line, one line per job (as vitals-compose --json prints)
      text += config::to_json(tree, 0) + "\n";
      continue;
    }
    if (jobs.size() > 1) {
      std::string head = "---\n# job:";
      for (const auto& o : *overrides) head += " " + o;
      text += head + "\n";
    }
    text += config::to_yaml(tree);
  }
  return text;
}

VITALS_INLINE void app_throw_problems(std::vector<config::problem>& problems, std::size_t more) {
  if (!problems.empty()) throw config::config_error(std::move(problems), more);
}

VITALS_INLINE void app_add_config_error(const config::config_error& e, std::vector<config::problem>& problems,
                                        std::size_t& more) {
  problems.insert(problems.end(), e.problems().begin(), e.problems().end());
  more += e.more();
}

VITALS_INLINE std::optional<std::size_t> app_find_preset(const std::string& experiment,
                                                         const std::vector<std::string>& names,
                                                         std::vector<config::problem>& problems) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == experiment) return i;
  problems.push_back(config::detail::unknown_experiment(experiment, names));
  return std::nullopt;
}

[[noreturn]] VITALS_INLINE void app_exit_text(const std::string& text) { config::detail::print_and_exit(text); }

[[noreturn]] VITALS_INLINE void app_exit_usage(int argc, const char* const* argv, const usage_error& e) {
  const char* program = argc > 0 && argv[0] ? argv[0] : "program";
  exit_usage_error(std::filesystem::path(program).filename().string(), e.what());
}

[[noreturn]] VITALS_INLINE void app_exit_not_one_job(int argc, const char* const* argv, std::size_t jobs) {
  exit_usage_error(argc > 0 && argv[0] ? std::filesystem::path(argv[0]).filename().string() : "program",
                   "--multirun expands to " + std::to_string(jobs) + " jobs; this program runs one (app::jobs_or_exit runs them all)");
}

}  // namespace vitals::detail
