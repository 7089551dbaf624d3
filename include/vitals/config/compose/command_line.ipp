// Bodies of vitals/config/compose/command_line.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/command_line.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <system_error>

#include "vitals/config/compose/config_repository.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI {

namespace config {

VITALS_INLINE command_line parse_command_line(int argc, const char* const* argv) {
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

VITALS_INLINE std::mutex& last_composition_mutex() {
  static std::mutex m;
  return m;
}

VITALS_INLINE std::optional<composition>& last_composition_slot() {
  static std::optional<composition> c;
  return c;
}

VITALS_INLINE std::optional<bool> take_show_config(std::vector<std::string>& overrides, const compose_options& options,
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

VITALS_INLINE std::optional<composition> last_composition() {
  std::lock_guard lock(detail::last_composition_mutex());
  return detail::last_composition_slot();
}

VITALS_INLINE void remember_composition(const composition& c) {
  std::lock_guard lock(detail::last_composition_mutex());
  detail::last_composition_slot() = c;
}

VITALS_INLINE std::string usage(const compose_options& options, std::string_view program) {
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
}  // namespace vitals

namespace vitals::inline VITALS_ABI::detail {

VITALS_INLINE command_line_jobs read_command_line(int argc, const char* const* argv, const compose_options& options, bool single) {
  config::command_line cl = config::parse_command_line(argc, argv);
  command_line_jobs out;
  compose_options& opts = out.options;
  opts = options;
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
  if (cl.multirun) {
    out.jobs = config::sweep_jobs(opts, cl.overrides);
    if (single && out.jobs.size() > 1)
      throw config::config_error(config::problem{"", "--multirun expands to " + std::to_string(out.jobs.size()) +
                                                         " jobs; use vitals::sweep<Config>(argc, argv, ...) to get one config per job", {}});
  } else {
    out.jobs = {cl.overrides};  // a sweep here is an error that says to add --multirun
  }
  out.show_config = cl.show_config;
  return out;
}

VITALS_INLINE void show_configs_and_exit(const std::vector<std::vector<std::string>>& jobs,
                                         const std::vector<const composition*>& compositions) {
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (jobs.size() > 1) {  // one YAML document per job, headed by its overrides
      std::string head = "---\n# job:";
      for (const auto& o : jobs[j]) head += " " + o;
      std::fputs((head + "\n").c_str(), stdout);
    }
    std::fputs(config::to_yaml(compositions[j]->config).c_str(), stdout);
  }
  std::fflush(stdout);
  std::exit(0);
}

}  // namespace vitals::detail
