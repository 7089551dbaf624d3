// Typed, Hydra-style composition: the front end users call.
//
//   struct Config { ... };                       // nested structs, vectors, enums, optionals...
//   vitals::store<ExpConfig>("exp", "default", ExpConfig{});   // Hydra's ConfigStore
//   int main(int argc, char** argv) {
//     auto cfg = vitals::compose<Config>(argc, argv, {.config_dir = "experiments/001-baseline"});
//   }
//
// `train exp=001 exp.fold=[0,1] show_config=true` composes the config directory with those
// overrides (tree.hpp), converts the tree to Config (convert.hpp: every type problem
// reported at once), and — for show_config=true — prints the config as YAML and exits 0.
// Sweeps (`a=1,2`, `range(0,5)`) need --multirun / -m and vitals::sweep, as in Hydra.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/compose/store.hpp"
#include "vitals/config/compose/tree.hpp"
#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI {
using config::compose_options;
using config::composition;
using config::config_store;

/// Registers a struct value as option `name` of config group `group` in the process-wide store
/// (Hydra's `ConfigStore.store(group=..., name=..., node=...)`): `- exp: default` in a defaults
/// list, or `exp=default` on the command line, then selects it.
template <class T>
void store(std::string group, std::string name, const T& value) {
  config_store::instance().store_node(std::move(group), std::move(name), config::to_node(value));
}

/// A typed config together with how it was composed (overrides, defaults trace).
template <class Config>
struct composed {
  Config value;
  composition info;
};

namespace config {

/// What a command line asks for besides overrides.
struct command_line {
  std::vector<std::string> overrides;
  bool multirun = false;     // --multirun / -m
  bool show_config = false;  // show_config=true or --cfg job: print the config and exit
  bool help = false;         // --help / -h
  std::optional<std::string> config_dir;   // --config-dir / -cd
  std::optional<std::string> config_name;  // --config-name / -cn
};

/// Splits argv (argv[0] is the program) into flags and overrides.
inline command_line parse_command_line(int argc, const char* const* argv) {
  command_line cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value_of = [&](std::string_view flag) -> std::optional<std::string> {
      if (a == flag) {
        if (i + 1 >= argc) throw config_error(problem{"", std::string(flag) + " needs a value", {}});
        return std::string(argv[++i]);
      }
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=')
        return std::string(a.substr(flag.size() + 1));
      return std::nullopt;
    };
    if (a == "--multirun" || a == "-m") cl.multirun = true;
    else if (a == "--help" || a == "-h") cl.help = true;
    else if (a == "--cfg" || a == "-c") {
      if (i + 1 < argc && std::string_view(argv[i + 1]) == "job") ++i;
      cl.show_config = true;
    } else if (auto d = value_of("--config-dir")) cl.config_dir = *d;
    else if (auto d2 = value_of("-cd")) cl.config_dir = *d2;
    else if (auto n = value_of("--config-name")) cl.config_name = *n;
    else if (auto n2 = value_of("-cn")) cl.config_name = *n2;
    else if (a.size() > 1 && a[0] == '-' && a[1] == '-')
      throw config_error(problem{"", "unknown flag '" + std::string(a) + "' (flags: --multirun/-m, --cfg job, --config-dir, --config-name, --help)", {}});
    else cl.overrides.emplace_back(a);
  }
  return cl;
}

namespace detail {

inline std::mutex& last_composition_mutex() {
  static std::mutex m;
  return m;
}
inline std::optional<composition>& last_composition_slot() {
  static std::optional<composition> c;
  return c;
}

// `show_config=<bool>` is a request to print, and also an ordinary override when the config has a
// show_config key (the seed's does). Without such a key it is removed before composing.
inline std::optional<bool> take_show_config(std::vector<std::string>& overrides, const compose_options& options,
                                            bool& keep) {
  std::optional<bool> show;
  std::vector<std::string> rest;
  for (const auto& o : overrides) {
    if (o.rfind("show_config=", 0) == 0) {
      override_spec spec = parse_override(o);
      if (spec.value.type != override_value_type::boolean)
        throw config_error(problem{"show_config", "show_config takes true or false, got '" + spec.value.text + "'", spec.where()});
      show = spec.value.value.text == "true";
      continue;
    }
    rest.push_back(o);
  }
  keep = false;
  if (show) {
    std::vector<std::string> probe_overrides;  // sweeps left out: only the keys matter here
    for (const auto& o : rest)
      if (!parse_override(o).sweep) probe_overrides.push_back(o);
    node probe = compose_tree(options, probe_overrides);
    keep = probe.find("show_config") != nullptr;
    if (!keep) overrides = std::move(rest);
  }
  return show;
}

}  // namespace detail

/// The composition made by the most recent compose()/compose_with_info() call of this process (so
/// a run can save config.yaml, overrides.yaml and defaults.yaml beside itself).
inline std::optional<composition> last_composition() {
  std::lock_guard lock(detail::last_composition_mutex());
  return detail::last_composition_slot();
}

inline void remember_composition(const composition& c) {
  std::lock_guard lock(detail::last_composition_mutex());
  detail::last_composition_slot() = c;
}

/// The usage text --help prints: the config's groups and their options.
inline std::string usage(const compose_options& options, std::string_view program) {
  std::string out = "usage: " + std::string(program) + " [--multirun|-m] [--cfg job] [key=value | +key=value | ++key=value | ~key | group=option]...\n";
  out += "config: " + (options.config_dir / options.config_name).string() + "\n";
  config_repository repo(detail::locate_config_dir(options.config_dir), options.store ? *options.store : config_store::instance());
  std::error_code ec;
  std::vector<std::string> groups;
  for (auto it = std::filesystem::directory_iterator(repo.dir(), ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    if (it->is_directory(ec)) groups.push_back(it->path().filename().string());
  std::sort(groups.begin(), groups.end());
  if (!groups.empty()) out += "groups:\n";
  for (const auto& g : groups) {
    out += "  " + g + ":";
    for (const auto& o : repo.group_options(g)) out += " " + o;
    out += "\n";
  }
  return out;
}

}  // namespace config

/// Composes and converts: the non-command-line form (notebooks, tests). Throws config_error.
template <class Config>
composed<Config> compose_with_info(const compose_options& options, const std::vector<std::string>& overrides = {}) {
  composition c = config::compose_detailed(options, overrides);
  Config value = config::from_node<Config>(c.config);
  config::remember_composition(c);
  return {std::move(value), std::move(c)};
}

/// The composed config as Config. Throws config_error listing every problem.
template <class Config>
Config compose(const compose_options& options, const std::vector<std::string>& overrides = {}) {
  return compose_with_info<Config>(options, overrides).value;
}

/// One Config (with its composition) per job of the sweep in `overrides`, in Hydra's
/// BasicSweeper order. Without sweeps, one.
template <class Config>
std::vector<composed<Config>> sweep_with_info(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<composed<Config>> out;
  for (const auto& job : config::sweep_jobs(options, overrides)) out.push_back(compose_with_info<Config>(options, job));
  return out;
}

/// One Config per job of the sweep in `overrides` (`fold=0,1,2,3,4` gives five), in Hydra's
/// BasicSweeper order. Without sweeps, one.
template <class Config>
std::vector<Config> sweep(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<Config> out;
  for (auto& c : sweep_with_info<Config>(options, overrides)) out.push_back(std::move(c.value));
  return out;
}

namespace detail {

// The argv front doors own the process: a config or usage error is printed (every problem, one
// per line) and exits 2, as cli_parser does and argparse does (Hydra exits 1).
template <class F>
auto exit_on_config_error(const char* argv0, F&& f) -> decltype(f()) {
  const std::string program = argv0 && *argv0 ? std::filesystem::path(argv0).filename().string() : "vitals";
  try {
    return f();
  } catch (const config::config_error& e) {
    std::fprintf(stderr, "%s: error composing the config:\n", program.c_str());
    exit_usage_error("", e.what());
  } catch (const usage_error& e) {
    exit_usage_error(program, e.what());
  }
}

template <class Config>
std::vector<composed<Config>> sweep_command_line(int argc, const char* const* argv, const compose_options& options, bool single) {
  config::command_line cl = config::parse_command_line(argc, argv);
  compose_options opts = options;
  if (cl.config_dir) opts.config_dir = *cl.config_dir;
  if (cl.config_name) opts.config_name = *cl.config_name;
  const char* program = argc > 0 ? argv[0] : "vitals";
  // PROJECT_ROOT is read, never set (one rule with vitals::app, compose/project_root.hpp).
  if (cl.help) {
    std::fputs(config::usage(opts, program).c_str(), stdout);
    std::exit(0);
  }
  bool keep = false;
  std::optional<bool> show = config::detail::take_show_config(cl.overrides, opts, keep);
  if (show && *show) cl.show_config = true;
  std::vector<std::vector<std::string>> jobs;
  if (cl.multirun) {
    jobs = config::sweep_jobs(opts, cl.overrides);
    if (single && jobs.size() > 1)
      throw config::config_error(config::problem{"", "--multirun expands to " + std::to_string(jobs.size()) +
                                                         " jobs; use vitals::sweep<Config>(argc, argv, ...) to get one config per job", {}});
  } else {
    jobs = {cl.overrides};  // a sweep here is an error that says to add --multirun
  }
  // Every job is composed and typed before anything is printed or returned: show_config=true
  // exp.train.epochs=abc is an error (exit 2), not a listing of `epochs: abc`, and a bad job of a
  // sweep stops the sweep before its first job runs.
  std::vector<composed<Config>> out;
  for (const auto& job : jobs) {
    composition c = config::compose_detailed(opts, job);
    Config value = config::from_node<Config>(c.config);
    out.push_back({std::move(value), std::move(c)});
  }
  if (cl.show_config) {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (jobs.size() > 1) {  // one YAML document per job, headed by its overrides
        std::string head = "---\n# job:";
        for (const auto& o : jobs[j]) head += " " + o;
        std::fputs((head + "\n").c_str(), stdout);
      }
      std::fputs(config::to_yaml(out[j].info.config).c_str(), stdout);
    }
    std::fflush(stdout);
    std::exit(0);
  }
  for (const auto& c : out) config::remember_composition(c.info);
  return out;
}

}  // namespace detail

/// The command-line form: `prog exp=001 exp.fold=[0,1] show_config=true`. Prints the composed
/// config and exits 0 for show_config=true (or --cfg job) once it converts to Config, prints usage
/// for --help, and on a config or usage error prints every problem to stderr and exits 2
/// (vitals::usage_exit_code, argparse's convention; Hydra exits 1). PROJECT_ROOT is never set.
template <class Config>
Config compose(int argc, const char* const* argv, const compose_options& options) {
  return detail::exit_on_config_error(argc > 0 ? argv[0] : nullptr, [&] {
    return std::move(detail::sweep_command_line<Config>(argc, argv, options, true).front().value);
  });
}
template <class Config>
Config compose(int argc, char** argv, const compose_options& options) {
  return compose<Config>(argc, const_cast<const char* const*>(argv), options);
}

/// The command-line form of sweep: with --multirun/-m, one Config per job; without it a sweep is
/// an error that says to add --multirun (Hydra's rule), and a plain command line gives one Config.
template <class Config>
std::vector<composed<Config>> sweep_with_info(int argc, const char* const* argv, const compose_options& options) {
  return detail::exit_on_config_error(argc > 0 ? argv[0] : nullptr,
                                      [&] { return detail::sweep_command_line<Config>(argc, argv, options, false); });
}
template <class Config>
std::vector<composed<Config>> sweep_with_info(int argc, char** argv, const compose_options& options) {
  return sweep_with_info<Config>(argc, const_cast<const char* const*>(argv), options);
}
template <class Config>
std::vector<Config> sweep(int argc, const char* const* argv, const compose_options& options) {
  std::vector<Config> out;
  for (auto& c : sweep_with_info<Config>(argc, argv, options)) out.push_back(std::move(c.value));
  return out;
}
template <class Config>
std::vector<Config> sweep(int argc, char** argv, const compose_options& options) {
  return sweep<Config>(argc, const_cast<const char* const*>(argv), options);
}

}  // namespace vitals
