// What a composition yields besides the config: how it was made (overrides, the defaults list
// in merge order, group choices, Hydra's job facts) and where its outputs go - enough to
// reproduce a run with one command (composition::save writes the files).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/compose/store.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI::config {
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

}  // namespace vitals::config
