// Bodies of vitals/config/compose/store.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/store.hpp"

#include <utility>

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE config_store& config_store::instance() {
  static config_store store;
  return store;
}

VITALS_INLINE void config_store::store_node(std::string group, std::string name, node value) {
  std::lock_guard lock(mutex_);
  options_[normalize_group(std::move(group))][strip_yaml(std::move(name))] = std::move(value);
}

VITALS_INLINE std::optional<node> config_store::find(std::string_view group, std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto g = options_.find(normalize_group(std::string(group)));
  if (g == options_.end()) return std::nullopt;
  auto o = g->second.find(strip_yaml(std::string(name)));
  if (o == g->second.end()) return std::nullopt;
  return o->second;
}

VITALS_INLINE bool config_store::has_group(std::string_view group) const {
  std::lock_guard lock(mutex_);
  std::string g = normalize_group(std::string(group));
  for (const auto& [name, opts] : options_)
    if (name == g || (name.size() > g.size() && name.compare(0, g.size(), g) == 0 && name[g.size()] == '/'))
      return !g.empty() || !opts.empty();
  return false;
}

VITALS_INLINE std::vector<std::string> config_store::options(std::string_view group) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto g = options_.find(normalize_group(std::string(group)));
  if (g != options_.end())
    for (const auto& [name, value] : g->second) out.push_back(name);
  return out;
}

VITALS_INLINE void config_store::clear() {
  std::lock_guard lock(mutex_);
  options_.clear();
}

VITALS_INLINE std::string config_store::strip_yaml(std::string name) {
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) name.resize(name.size() - 5);
  return name;
}

VITALS_INLINE std::string config_store::normalize_group(std::string group) {
  while (!group.empty() && group.front() == '/') group.erase(0, 1);
  while (!group.empty() && group.back() == '/') group.pop_back();
  return group;
}
}  // namespace vitals::config
