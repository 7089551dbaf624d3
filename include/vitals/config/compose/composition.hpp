// What a composition yields besides the config: how it was made (overrides, the defaults list
// in merge order, group choices, Hydra's job facts) and where its outputs go - enough to
// reproduce a run with one command (composition::save writes the files).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
class config_store;

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

  // Declared here, defined in the .ipp: compiled once, not in every file that holds a composition.
  VITALS_INLINE composition();
  VITALS_INLINE composition(const composition&);
  VITALS_INLINE composition(composition&&) noexcept;
  VITALS_INLINE composition& operator=(const composition&);
  VITALS_INLINE composition& operator=(composition&&) noexcept;
  VITALS_INLINE ~composition();

  /// The overrides as a YAML list node (Hydra's overrides.yaml).
  VITALS_INLINE node overrides_node() const;
  /// The defaults-list trace and group choices as a mapping.
  VITALS_INLINE node trace_node() const;

  /// Writes config.yaml, config.json, overrides.yaml and defaults.yaml into `dir` (created; an
  /// empty `dir` is the working directory). Throws vitals::runs_dir_error (a usage_error) naming
  /// the directory and the reason when it cannot be created or written.
  VITALS_INLINE void save(const std::filesystem::path& dir) const;
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/composition.ipp"
#endif
