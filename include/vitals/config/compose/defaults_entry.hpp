// One entry of a defaults list as written (`- exp: default`, `- default@_here_`, `- _self_`,
// `- override db: mysql`) and Hydra's rules for its config path, package and override key
// (hydra/core/default_element.py).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// One entry of a defaults list as written: `- exp: default`, `- default@_here_`, `- _self_`.
struct input_default {
  bool is_group = false;                  // `group: option` rather than a config name
  std::string path;                       // config default: "default", "/abs/name", "_self_"
  std::string group;                      // group default: "exp", "/db"
  std::optional<std::string> value;       // group default: the option; nullopt = `null`
  bool is_options = false;                // group default with a list of options
  std::vector<std::string> options;
  std::optional<std::string> package;     // `@pkg` ("" for _here_)
  std::optional<std::string> package_header;  // `# @package` of the loaded file
  bool optional = false, is_override = false, deleted = false, primary = false, external_append = false;
  std::string parent_base_dir, parent_package;
  bool has_parent = false;
  source_location where;

  static std::string strip_slash(std::string_view s) { return std::string(!s.empty() && s[0] == '/' ? s.substr(1) : s); }

  bool is_self() const { return is_group ? (value && *value == "_self_") : path == "_self_"; }
  std::optional<std::string> name() const {
    if (is_group) return is_options ? std::nullopt : value;
    auto i = path.rfind('/');
    return i == std::string::npos ? path : path.substr(i + 1);
  }
  bool is_missing() const { return is_group ? (!is_options && value && *value == "???") : name() == "???"; }
  std::string group_path() const {
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
  std::string config_path() const {
    if (is_group) return group_path() + "/" + name().value_or("");
    bool abs = !path.empty() && path[0] == '/';
    std::string p = strip_slash(path);
    if (abs || parent_base_dir.empty()) return p;
    return parent_base_dir + "/" + p;
  }
  static std::string dots(std::string s) {
    std::replace(s.begin(), s.end(), '/', '.');
    return s;
  }
  std::string default_package() const { return dots(group_path()); }
  std::string relative_group_path() const {
    if (is_group) return strip_slash(group);
    std::string p = strip_slash(path);
    auto i = p.rfind('/');
    return i == std::string::npos ? "" : p.substr(0, i);
  }
  std::optional<std::string> get_package(bool default_to_header = true) const {
    if (!package && default_to_header) return package_header;
    return package;
  }
  std::string final_package(bool default_to_header = true) const {
    std::string pkg = get_package(default_to_header).value_or(dots(relative_group_path()));
    std::string ret = parent_package.empty() ? pkg : (pkg.empty() ? parent_package : parent_package + "." + pkg);
    auto g = ret.rfind("_global_");
    if (g == std::string::npos) return ret;
    std::size_t from = g + 8 + 1;
    return from >= ret.size() ? std::string() : ret.substr(from);
  }
  std::string override_key() const {
    std::string def = default_package(), fin = final_package(false), key = group_path();
    if (def != fin) key += "@" + (fin.empty() ? std::string("_global_") : fin);
    return key;
  }
  void update_parent(std::string base_dir, std::string pkg) {
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
  void set_package_header(std::optional<std::string> header) {
    if (!header) return;
    if (*header != "_global_" && header->rfind("_global_.", 0) != 0)
      header = header->empty() ? "_global_" : "_global_." + *header;
    package_header = std::move(header);
  }
  /// How the entry reads in a defaults list, for messages.
  std::string describe() const {
    std::string s = is_group ? group + ": " + (is_options ? "[...]" : value.value_or("null")) : path;
    return s;
  }
};

}  // namespace vitals::config
