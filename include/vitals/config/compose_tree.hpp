// Untyped composition: a config directory (plus options registered in a config_store) and a list
// of overrides become one resolved value tree, as Hydra's compose API + to_container(resolve=True)
// would produce it. Steps: parse overrides -> resolve the defaults list (group selections apply
// here) -> merge the configs in order, each under its package -> apply the remaining overrides in
// closed ("struct") mode -> resolve interpolations. Sweeps expand into one composition per job.
// The typed front end (compose<Config>, sweep<Config>, the command line) is in compose.hpp.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/compose_defaults.hpp"
#include "vitals/config/compose_merge.hpp"
#include "vitals/config/compose_store.hpp"
#include "vitals/config/compose_values.hpp"
#include "vitals/config/compose/project_root.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/interpolation.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/overrides.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::config {

/// Where configs come from. `config_dir` may be relative: it is looked up from the working
/// directory, then under $PROJECT_ROOT, then under the nearest parent holding `.git`.
struct compose_options {
  std::filesystem::path config_dir;
  std::string config_name = "config";
  const config_store* store = nullptr;  // nullptr: config_store::instance()
};

/// One merged config of the defaults list (the trace saved next to a run).
struct defaults_entry {
  std::string config_path;  // "exp/001"
  std::string package;      // "exp"; "" = root
  std::string parent;       // the config that listed it
  std::string source;       // the file, or config_store://...
  bool is_self = false;
};

/// A composed config and how it was made: enough to reproduce the run with one command.
struct composition {
  node config;                                   // resolved
  std::vector<std::string> overrides;            // as given
  std::vector<defaults_entry> defaults;          // merge order
  std::vector<std::pair<std::string, std::optional<std::string>>> choices;  // group -> option
  std::filesystem::path config_dir;
  std::string config_name;
  /// What `${hydra:...}` reads, resolved: run/sweep dirs, job name, override_dirname and number
  /// (multirun), runtime choices, cwd and output_dir, plus whatever the config's hydra block sets.
  node hydra;
  /// Where Hydra would write this job's outputs: hydra.run.dir, or hydra.sweep.dir/subdir for a
  /// job of a multirun (relative to the working directory, as Hydra's; empty when the pattern
  /// cannot be resolved).
  std::filesystem::path output_dir;
  /// True when the configs' `hydra:` block or a `hydra.*` override sets the directory output_dir
  /// comes from (hydra.run.dir; hydra.sweep.dir for a multirun job) and it resolved: the app then
  /// puts the run directory inside it (vitals::app, docs/compose.md "Output directories").
  bool output_dir_set = false;

  /// The overrides as a YAML list node (Hydra's overrides.yaml).
  node overrides_node() const {
    node n = node::sequence();
    for (const auto& o : overrides) n.items.push_back(node::scalar(o, scalar_style::quoted));
    return n;
  }
  /// The defaults-list trace and group choices as a mapping.
  node trace_node() const {
    node n = node::mapping();
    n.set("config_dir", node::scalar(config_dir.string(), scalar_style::quoted));
    n.set("config_name", node::scalar(config_name, scalar_style::quoted));
    node ch = node::mapping();
    for (const auto& [k, v] : choices) ch.set(k, v ? node::scalar(*v, scalar_style::quoted) : node::null_value());
    n.set("choices", std::move(ch));
    node list = node::sequence();
    for (const auto& d : defaults) {
      node e = node::mapping();
      e.set("config_path", node::scalar(d.config_path, scalar_style::quoted));
      e.set("package", node::scalar(d.package, scalar_style::quoted));
      e.set("parent", node::scalar(d.parent, scalar_style::quoted));
      e.set("source", node::scalar(d.source, scalar_style::quoted));
      if (d.is_self) e.set("is_self", node::scalar("true"));
      list.items.push_back(std::move(e));
    }
    n.set("defaults", std::move(list));
    return n;
  }

  /// Writes config.yaml, config.json, overrides.yaml and defaults.yaml into `dir` (created; an
  /// empty `dir` is the working directory). Throws vitals::runs_dir_error (a usage_error) naming
  /// the directory and the reason when it cannot be created or written.
  void save(const std::filesystem::path& dir) const {
    const std::filesystem::path out = dir.empty() ? std::filesystem::path(".") : dir;
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec || !std::filesystem::is_directory(out))
      throw runs_dir_error("cannot create output directory '" + out.string() + "': " +
                           (ec ? ec.message() : std::string("it exists and is not a directory")));
    auto write = [&](const char* name, const std::string& text) {
      std::ofstream f(out / name, std::ios::binary);
      f << text;
      f.close();
      if (!f) throw runs_dir_error("cannot write '" + (out / name).string() + "'");
    };
    write("config.yaml", to_yaml(config));
    write("config.json", to_json(config));
    write("overrides.yaml", to_yaml(overrides_node()));
    write("defaults.yaml", to_yaml(trace_node()));
  }
};

namespace detail {

inline std::filesystem::path locate_config_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.empty()) return ".";
  if (dir.is_absolute() || std::filesystem::is_directory(dir, ec)) return dir;
  if (auto env = project_root_env())
    if (std::filesystem::is_directory(*env / dir, ec)) return *env / dir;
  if (auto git = git_root())
    if (std::filesystem::is_directory(*git / dir, ec)) return *git / dir;
  return dir;
}

inline std::string sweep_hint(const override_spec& o) {
  return "Ambiguous value for argument '" + o.input +
         "': 1. to use it as a list, write key=[value1,value2]; 2. to use it as a string, quote it: key='value1,value2'; "
         "3. to sweep over it, add --multirun (-m) to the command line, or call vitals::sweep";
}

inline void apply_config_override(node& cfg, const override_spec& o) {
  if (o.package)
    throw config_error(problem{o.key, "Override " + o.input + " looks like a config group override, but config group '" + o.key +
                                          "' does not exist",
                               o.where()});
  const node* existing = find_path(cfg, o.key);
  switch (o.op) {
    case override_op::remove: {
      if (!existing || existing->is_null())
        throw config_error(problem{o.key, "Could not delete from config. '" + o.key + "' does not exist.", o.where()});
      if (o.has_value && o.value.type != override_value_type::null && !same_value(o.value.value, *existing))
        throw config_error(problem{o.key, "Could not delete from config. The value of '" + o.key + "' is " +
                                              (existing->is_scalar() ? python_str(*existing) : std::string("a ") + (existing->is_mapping() ? "mapping" : "list")) +
                                              " and not " + o.value.text + ".",
                                   o.where()});
      erase_path(cfg, o.key);
      return;
    }
    case override_op::add:
      if (existing && !existing->is_null() && !o.value.value.is_mapping() && !o.value.value.is_sequence())
        throw config_error(problem{o.key, "Could not append to config. An item is already at '" + o.key + "'. Either remove the + prefix: '" +
                                              o.input.substr(1) + "', or add a second + to add or override it: '+" + o.input + "'",
                                   o.where()});
      update_path(cfg, o.key, o.value.value, true, o.where());
      return;
    case override_op::force_add: update_path(cfg, o.key, o.value.value, true, o.where()); return;
    case override_op::set: update_path(cfg, o.key, o.value.value, false, o.where(), o.input); return;
  }
}

inline bool is_hydra_key(std::string_view key) {
  return key == "hydra" || key.rfind("hydra.", 0) == 0 || key.rfind("hydra/", 0) == 0;
}

// Hydra's job.override_dirname: the job's own overrides (not hydra.*, not exclude_keys), sorted,
// joined by item_sep, with '=' spelled kv_sep.
inline std::string override_dirname(const std::vector<override_spec>& parsed, const node& config) {
  auto text = [&](const char* key, const char* fallback) {
    const node* n = find_path(config, key);
    return n && n->is_scalar() ? n->text : std::string(fallback);
  };
  std::string kv = text("kv_sep", "="), item = text("item_sep", ",");
  std::vector<std::string> exclude;
  if (const node* ex = find_path(config, "exclude_keys"); ex && ex->is_sequence())
    for (const auto& e : ex->items) exclude.push_back(e.text);
  std::vector<std::string> lines;
  for (const auto& o : parsed)
    if (!is_hydra_key(o.key) && std::find(exclude.begin(), exclude.end(), o.key) == exclude.end()) lines.push_back(o.input);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : item) + l;
  std::string spelled;
  for (char c : out) spelled += c == '=' ? kv : std::string(1, c);
  return spelled;
}

// The `hydra` node of a composition, unresolved: the configs' hydra block with hydra.* overrides
// applied, Hydra's defaults for what it leaves unset, and the facts of this job.
inline node hydra_node(node block, const compose_options& options, const std::vector<override_spec>& parsed,
                       const std::vector<std::pair<std::string, std::optional<std::string>>>& choices, std::optional<int> job_num) {
  if (!block.is_mapping()) block = node::mapping();
  for (const auto& o : parsed)
    if (o.key.rfind("hydra.", 0) == 0 && o.has_value && !o.sweep && o.op != override_op::remove)
      update_path(block, o.key.substr(6), o.value.value, true, o.where());
  auto set_default = [&](const std::string& key, node value) {
    if (!find_path(block, key)) update_path(block, key, std::move(value), true, {});
  };
  auto text = [](std::string t) { return node::scalar(std::move(t), scalar_style::quoted); };
  set_default("run.dir", text("outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"));
  set_default("sweep.dir", text("multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"));
  set_default("sweep.subdir", text("${hydra.job.num}"));
  set_default("job.name", text("app"));  // Hydra's compose API; a hydra block or hydra.job.name=... sets another
  set_default("job.config_name", text(options.config_name));
  const node* od = find_path(block, "job.config.override_dirname");
  update_path(block, "job.override_dirname", text(override_dirname(parsed, od ? *od : node::mapping())), true, {});
  if (job_num) update_path(block, "job.num", node::scalar(std::to_string(*job_num)), true, {});
  node ch = node::mapping();
  for (const auto& [k, v] : choices) ch.set(k, v ? text(*v) : node::null_value());
  update_path(block, "runtime.choices", std::move(ch), true, {});
  std::error_code ec;
  update_path(block, "runtime.cwd", text(std::filesystem::current_path(ec).string()), true, {});
  update_path(block, "runtime.output_dir", text(job_num ? "${hydra.sweep.dir}/${hydra.sweep.subdir}" : "${hydra.run.dir}"), true, {});
  return block;
}

inline composition compose_parsed(const compose_options& options, const std::vector<override_spec>& parsed,
                                  std::vector<std::string> lines, std::optional<int> job_num = std::nullopt) {
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

/// Composes with the full trace (defaults list, choices); sweeps are an error that says how to ask.
inline composition compose_detailed(const compose_options& options, const std::vector<std::string>& overrides) {
  return detail::compose_parsed(options, parse_overrides(overrides), overrides);
}

/// The composed, resolved config tree — what Hydra's compose + to_container(resolve=True) gives.
inline node compose_tree(const compose_options& options, const std::vector<std::string>& overrides = {}) {
  return compose_detailed(options, overrides).config;
}

/// The override lists of a sweep's jobs (Hydra's BasicSweeper order; one job without sweeps).
inline std::vector<std::vector<std::string>> sweep_jobs(const std::vector<std::string>& overrides) {
  return expand_sweeps(parse_overrides(overrides));
}

/// The same, with glob(...) sweeps over a group's options (from the config directory and store).
inline std::vector<std::vector<std::string>> sweep_jobs(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<override_spec> parsed = parse_overrides(overrides);
  bool any_glob = false;
  for (const auto& o : parsed) any_glob = any_glob || o.glob.has_value();
  if (!any_glob) return expand_sweeps(parsed);
  config_repository repo(detail::locate_config_dir(options.config_dir), options.store ? *options.store : config_store::instance());
  return expand_sweeps(parsed, [&](const std::string& group) { return repo.group_options(group); });
}

/// One composition per job of the sweep, each numbered (hydra.job.num, its own output directory
/// hydra.sweep.dir/hydra.sweep.subdir) as a multirun numbers them.
inline std::vector<composition> sweep_detailed(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<composition> out;
  int num = 0;
  for (const auto& job : sweep_jobs(options, overrides)) out.push_back(detail::compose_parsed(options, parse_overrides(job), job, num++));
  return out;
}

/// One composed tree per job of the sweep (`a=1,2 b=x,y` gives 4).
inline std::vector<node> sweep_tree(const compose_options& options, const std::vector<std::string>& overrides) {
  std::vector<node> out;
  for (auto& c : sweep_detailed(options, overrides)) out.push_back(std::move(c.config));
  return out;
}

}  // namespace vitals::config
