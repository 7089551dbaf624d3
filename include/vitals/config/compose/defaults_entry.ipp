// Bodies of vitals/config/compose/defaults_entry.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/defaults_entry.hpp"

#include <algorithm>
#include <utility>

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE std::optional<std::string> input_default::name() const {
  if (is_group) return is_options ? std::nullopt : value;
  auto i = path.rfind('/');
  return i == std::string::npos ? path : path.substr(i + 1);
}

VITALS_INLINE std::string input_default::group_path() const {
  if (is_group) {
    bool abs = !group.empty() && group[0] == '/';
    std::string g = strip_slash(group);
    return (parent_base_dir.empty() || abs) ? g : parent_base_dir + "/" + g;
  }
  bool abs = !path.empty() && path[0] == '/';
  std::string p = strip_slash(path);
  auto i = p.rfind('/');
  std::string g = i == std::string::npos ? "" : p.substr(0, i);
  if (abs) return g;
  if (parent_base_dir.empty()) return g;
  return g.empty() ? parent_base_dir : parent_base_dir + "/" + g;
}

VITALS_INLINE std::string input_default::config_path() const {
  if (is_group) return group_path() + "/" + name().value_or("");
  bool abs = !path.empty() && path[0] == '/';
  std::string p = strip_slash(path);
  if (abs || parent_base_dir.empty()) return p;
  return parent_base_dir + "/" + p;
}

VITALS_INLINE std::string input_default::dots(std::string s) {
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

VITALS_INLINE std::string input_default::relative_group_path() const {
  if (is_group) return strip_slash(group);
  std::string p = strip_slash(path);
  auto i = p.rfind('/');
  return i == std::string::npos ? "" : p.substr(0, i);
}

VITALS_INLINE std::optional<std::string> input_default::get_package(bool default_to_header) const {
  if (!package && default_to_header) return package_header;
  return package;
}

VITALS_INLINE std::string input_default::final_package(bool default_to_header) const {
  std::string pkg = get_package(default_to_header).value_or(dots(relative_group_path()));
  std::string ret = parent_package.empty() ? pkg : (pkg.empty() ? parent_package : parent_package + "." + pkg);
  auto g = ret.rfind("_global_");
  if (g == std::string::npos) return ret;
  std::size_t from = g + 8 + 1;
  return from >= ret.size() ? std::string() : ret.substr(from);
}

VITALS_INLINE std::string input_default::override_key() const {
  std::string def = default_package(), fin = final_package(false), key = group_path();
  if (def != fin) key += "@" + (fin.empty() ? std::string("_global_") : fin);
  return key;
}

VITALS_INLINE void input_default::update_parent(std::string base_dir, std::string pkg) {
  parent_base_dir = std::move(base_dir);
  parent_package = std::move(pkg);
  has_parent = true;
  if (package && package->find("_group_") != std::string::npos) {
    std::string resolved = *package;
    std::string def = default_package();
    for (auto p = resolved.find("_group_"); p != std::string::npos; p = resolved.find("_group_", p + def.size()))
      resolved.replace(p, 7, def);
    package = "_global_." + resolved;
  }
}

VITALS_INLINE void input_default::set_package_header(std::optional<std::string> header) {
  if (!header) return;
  if (*header != "_global_" && header->rfind("_global_.", 0) != 0)
    header = header->empty() ? "_global_" : "_global_." + *header;
  package_header = std::move(header);
}

VITALS_INLINE std::string input_default::describe() const {
  std::string s = is_group ? group + ": " + (is_options ? "[...]" : value.value_or("null")) : path;
  return s;
}
}  // namespace vitals::config
