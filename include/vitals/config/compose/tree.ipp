// Bodies of vitals/config/compose/tree.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/tree.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "vitals/config/compose/apply_override.hpp"
#include "vitals/config/compose/config_repository.hpp"
#include "vitals/config/compose/defaults_list.hpp"
#include "vitals/config/compose/hydra_node.hpp"
#include "vitals/config/compose/merge.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/project_root.hpp"
#include "vitals/config/compose/store.hpp"
#include "vitals/config/compose/sweep.hpp"
#include "vitals/config/compose/values.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/interpolation.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

VITALS_INLINE std::filesystem::path locate_config_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.empty()) return ".";
  if (dir.is_absolute() || std::filesystem::is_directory(dir, ec)) return dir;
  if (auto env = project_root_env())
    if (std::filesystem::is_directory(*env / dir, ec)) return *env / dir;
  if (auto git = git_root())
    if (std::filesystem::is_directory(*git / dir, ec)) return *git / dir;
  return dir;
}

VITALS_INLINE composition compose_parsed(const compose_options& options, const std::vector<override_spec>& parsed,
                                  std::vector<std::string> lines, std::optional<int> job_num) {
  for (const auto& o : parsed)
    if (o.sweep) throw config_error(problem{o.key, sweep_hint(o), o.where()});
  const config_store& store = options.store ? *options.store : config_store::instance();
  composition out;
  out.config_dir = locate_config_dir(options.config_dir);
  out.config_name = options.config_name;
  out.overrides = std::move(lines);
  config_repository repo(out.config_dir, store);
  defaults_resolution res = resolve_defaults(repo, options.config_name, parsed);
  node cfg = node::mapping(source_location::in_file(out.config_dir.string()));
  for (const auto& r : res.defaults) {
    const loaded_config* loaded = repo.load(r.config_path);
    if (!loaded) continue;  // resolve_defaults already reported what is missing
    node content = loaded->content.is_null() ? node::mapping(loaded->content.where) : loaded->content;
    merge_nodes(cfg, embed_in_package(std::move(content), r.package));
    out.defaults.push_back({r.config_path, r.package, r.parent, loaded->source, r.is_self});
  }
  // The `hydra:` block configures Hydra itself (run dirs, logging); Hydra's compose API leaves it
  // out of the app config, and so does vitals, together with overrides of it (hydra.run.dir=...).
  // It stays readable through ${hydra:...}, with the facts of this job added.
  node block = cfg.find("hydra") ? *cfg.find("hydra") : node::mapping();
  cfg.erase("hydra");
  // Every bad override is reported at once (Hydra stops at the first).
  std::vector<problem> problems;
  std::size_t more = 0;
  for (const auto& o : res.config_overrides) {
    if (is_hydra_key(o.key)) continue;
    try {
      apply_config_override(cfg, o);
    } catch (const config_error& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
      more += e.more();
    }
  }
  if (!problems.empty()) throw config_error(std::move(problems), more);
  const std::string dir_key = job_num ? "sweep.dir" : "run.dir";
  bool dir_set = find_path(block, dir_key) != nullptr;
  for (const auto& o : parsed)
    if (o.key == "hydra." + dir_key && o.has_value && !o.sweep && o.op != override_op::remove) dir_set = true;
  cfg.set("hydra", hydra_node(std::move(block), options, parsed, res.choices, job_num));
  interpolation_resolver resolver(cfg, true);
  out.config = resolver.run();
  out.choices = std::move(res.choices);
  // The hydra facts and the output directory are resolved when the patterns allow: a hydra block
  // the app never reads must not fail the composition.
  out.hydra = node::mapping();
  for (const char* key : {"run", "sweep", "job", "runtime"}) {
    try {
      out.hydra.set(key, resolver.value_at(std::string("hydra.") + key));
    } catch (const config_error&) {
    }
  }
  try {
    out.output_dir = python_str(resolver.value_at("hydra.runtime.output_dir"));
  } catch (const config_error&) {
  }
  out.output_dir_set = dir_set && !out.output_dir.empty();
  return out;
}
}  // namespace detail

VITALS_INLINE composition compose_detailed(const compose_options& options, const std::vector<std::string>& overrides) {
  return detail::compose_parsed(options, parse_overrides(overrides), overrides);
}

VITALS_INLINE node compose_tree(const compose_options& options, const std::vector<std::string>& overrides) {
  return compose_detailed(options, overrides).config;
}

VITALS_INLINE std::vector<std::vector<std::string>> sweep_jobs(const std::vector<std::string>& overrides) {
  return expand_sweeps(parse_overrides(overrides));
}

VITALS_INLINE std::vector<std::vector<std::string>> sweep_jobs(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<override_spec> parsed = parse_overrides(overrides);
  bool any_glob = false;
  for (const auto& o : parsed) any_glob = any_glob || o.glob.has_value();
  if (!any_glob) return expand_sweeps(parsed);
  config_repository repo(detail::locate_config_dir(options.config_dir), options.store ? *options.store : config_store::instance());
  return expand_sweeps(parsed, [&](const std::string& group) { return repo.group_options(group); });
}

VITALS_INLINE std::vector<composition> sweep_detailed(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<composition> out;
  int num = 0;
  for (const auto& job : sweep_jobs(options, overrides)) out.push_back(detail::compose_parsed(options, parse_overrides(job), job, num++));
  return out;
}

VITALS_INLINE std::vector<node> sweep_tree(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<node> out;
  for (auto& c : sweep_detailed(options, overrides)) out.push_back(std::move(c.config));
  return out;
}
}  // namespace vitals::config
