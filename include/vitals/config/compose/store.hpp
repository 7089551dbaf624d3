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
#include <utility>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
class config_store {
 public:
  /// The process-wide store compose() reads unless its options name another one.
  static config_store& instance() {
    static config_store store;
    return store;
  }

  /// Registers `value` as option `name` of `group` ("exp", "db/mysql"; "" for a primary config).
  /// A second registration under the same name replaces the first. `name` may end in ".yaml".
  void store_node(std::string group, std::string name, node value) {
    std::lock_guard lock(mutex_);
    options_[normalize_group(std::move(group))][strip_yaml(std::move(name))] = std::move(value);
  }

  /// The option, copied (a copy, so a later registration cannot change a composition in flight).
  std::optional<node> find(std::string_view group, std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto g = options_.find(normalize_group(std::string(group)));
    if (g == options_.end()) return std::nullopt;
    auto o = g->second.find(strip_yaml(std::string(name)));
    if (o == g->second.end()) return std::nullopt;
    return o->second;
  }

  /// True when `group` or a group below it has options.
  bool has_group(std::string_view group) const {
    std::lock_guard lock(mutex_);
    std::string g = normalize_group(std::string(group));
    for (const auto& [name, opts] : options_)
      if (name == g || (name.size() > g.size() && name.compare(0, g.size(), g) == 0 && name[g.size()] == '/'))
        return !g.empty() || !opts.empty();
    return false;
  }

  /// Option names of `group`, sorted.
  std::vector<std::string> options(std::string_view group) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    auto g = options_.find(normalize_group(std::string(group)));
    if (g != options_.end())
      for (const auto& [name, value] : g->second) out.push_back(name);
    return out;
  }

  void clear() {
    std::lock_guard lock(mutex_);
    options_.clear();
  }

 private:
  static std::string strip_yaml(std::string name) {
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) name.resize(name.size() - 5);
    return name;
  }
  static std::string normalize_group(std::string group) {
    while (!group.empty() && group.front() == '/') group.erase(0, 1);
    while (!group.empty() && group.back() == '/') group.pop_back();
    return group;
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, node>> options_;
};

}  // namespace vitals::config
