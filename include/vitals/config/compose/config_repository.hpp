// Where a composition's configs come from: a config directory and a config_store (Hydra's
// search path: the directory first), each file parsed once per composition, its defaults list
// and `# @package` header read.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/compose/defaults_entry.hpp"
#include "vitals/config/compose/store.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// A config as loaded for composition: its content (defaults list removed) and its defaults list.
struct loaded_config {
  std::string path;     // "exp/001"
  std::string source;   // "experiments/001/exp/001.yaml" or "config_store://exp/default"
  node content;         // a mapping, or null for an empty file
  std::vector<input_default> defaults;
  std::optional<std::string> package_header;
  bool has_content = false;  // any key besides `defaults` that is not `???`
};

/// Finds configs in a directory and a config_store, parsing each file once per composition.
class config_repository {
 public:
  config_repository(std::filesystem::path dir, const config_store& store) : dir_(std::move(dir)), store_(store) {}

  const std::filesystem::path& dir() const { return dir_; }

  VITALS_INLINE bool group_exists(std::string_view group) const;

  bool config_exists(const std::string& path) { return load(path) != nullptr; }

  /// Sorted option names of a group (files and stored options), for "available options" lists.
  VITALS_INLINE std::vector<std::string> group_options(std::string_view group) const;

  /// The config at `path` ("exp/001", "config.yaml"), or nullptr when there is none.
  VITALS_INLINE const loaded_config* load(const std::string& path);

  /// Parses one defaults-list entry (exposed for tests).
  static VITALS_INLINE input_default parse_default(const node& item, const std::string& source);

 private:
  static VITALS_INLINE std::string parent_of(const std::string& key);
  static VITALS_INLINE std::string name_of(const std::string& key);

  // Hydra's header: leading `# @key value` lines, blank lines skipped, stopping at anything else.
  static VITALS_INLINE std::optional<std::string> package_header(std::string_view text, const std::string& file);

  static VITALS_INLINE loaded_config make(std::string key, std::string source, node content, std::optional<std::string> header);

  std::filesystem::path dir_;
  const config_store& store_;
  std::map<std::string, std::optional<loaded_config>> cache_;
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/config_repository.ipp"
#endif
