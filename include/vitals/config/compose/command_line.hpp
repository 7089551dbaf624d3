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

#include <cstdio>
#include <filesystem>
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
VITALS_INLINE command_line parse_command_line(int argc, const char* const* argv);

namespace detail {

VITALS_INLINE std::mutex& last_composition_mutex();
VITALS_INLINE std::optional<composition>& last_composition_slot();

// `show_config=<bool>` is a request to print, and also an ordinary override when the config has a
// show_config key (the seed's does). Without such a key it is removed before composing.
VITALS_INLINE std::optional<bool> take_show_config(std::vector<std::string>& overrides, const compose_options& options,
                                            bool& keep);

}  // namespace detail

/// The composition made by the most recent compose()/compose_with_info() call of this process (so
/// a run can save config.yaml, overrides.yaml and defaults.yaml beside itself).
VITALS_INLINE std::optional<composition> last_composition();

VITALS_INLINE void remember_composition(const composition& c);

/// The usage text --help prints: the config's groups and their options.
VITALS_INLINE std::string usage(const compose_options& options, std::string_view program);

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

// What a command line asks for, read and checked before any job is composed: the options with
// --config-dir/--config-name applied, the override list of each job, and whether to print them.
// --help prints usage and exits 0 here.
struct command_line_jobs {
  compose_options options;
  std::vector<std::vector<std::string>> jobs;
  bool show_config = false;
};
VITALS_INLINE command_line_jobs read_command_line(int argc, const char* const* argv, const compose_options& options, bool single);

// show_config: prints each job's config as YAML (one document per job, headed by its overrides,
// when there are several) and exits 0.
[[noreturn]] VITALS_INLINE void show_configs_and_exit(const std::vector<std::vector<std::string>>& jobs,
                                                      const std::vector<const composition*>& compositions);

template <class Config>
std::vector<composed<Config>> sweep_command_line(int argc, const char* const* argv, const compose_options& options, bool single) {
  command_line_jobs cl = read_command_line(argc, argv, options, single);
  // Every job is composed and typed before anything is printed or returned: show_config=true
  // exp.train.epochs=abc is an error (exit 2), not a listing of `epochs: abc`, and a bad job of a
  // sweep stops the sweep before its first job runs.
  std::vector<composed<Config>> out;
  for (const auto& job : cl.jobs) {
    composition c = config::compose_detailed(cl.options, job);
    Config value = config::from_node<Config>(c.config);
    out.push_back({std::move(value), std::move(c)});
  }
  if (cl.show_config) {
    std::vector<const composition*> compositions;
    for (const auto& c : out) compositions.push_back(&c.info);
    show_configs_and_exit(cl.jobs, compositions);
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

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/command_line.ipp"
#endif
