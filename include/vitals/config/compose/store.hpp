// config_store: group options registered in code, Hydra's ConfigStore.
//
// The seed registers `cs.store(group="exp", name="default", node=ExpConfig)`, so `exp: default`
// in a defaults list means "ExpConfig's defaults" without a YAML file. Here an option is a value
// tree (a struct is turned into one with to_node, see compose/command_line.hpp's store<T>). Files in the config
// directory win over stored options of the same name, as Hydra's search path puts the config
// directory before the structured-config source.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
class config_store {
 public:
  /// The process-wide store compose() reads unless its options name another one.
  static VITALS_INLINE config_store& instance();

  /// Registers `value` as option `name` of `group` ("exp", "db/mysql"; "" for a primary config).
  /// A second registration under the same name replaces the first. `name` may end in ".yaml".
  VITALS_INLINE void store_node(std::string group, std::string name, node value);

  /// The option, copied (a copy, so a later registration cannot change a composition in flight).
  VITALS_INLINE std::optional<node> find(std::string_view group, std::string_view name) const;

  /// True when `group` or a group below it has options.
  VITALS_INLINE bool has_group(std::string_view group) const;

  /// Option names of `group`, sorted.
  VITALS_INLINE std::vector<std::string> options(std::string_view group) const;

  VITALS_INLINE void clear();

 private:
  static VITALS_INLINE std::string strip_yaml(std::string name);
  static VITALS_INLINE std::string normalize_group(std::string group);

  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, node>> options_;
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/store.ipp"
#endif
