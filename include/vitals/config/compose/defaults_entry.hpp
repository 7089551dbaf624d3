// One entry of a defaults list as written (`- exp: default`, `- default@_here_`, `- _self_`,
// `- override db: mysql`) and Hydra's rules for its config path, package and override key
// (hydra/core/default_element.py).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  VITALS_INLINE std::optional<std::string> name() const;
  bool is_missing() const { return is_group ? (!is_options && value && *value == "???") : name() == "???"; }
  VITALS_INLINE std::string group_path() const;
  VITALS_INLINE std::string config_path() const;
  static VITALS_INLINE std::string dots(std::string s);
  std::string default_package() const { return dots(group_path()); }
  VITALS_INLINE std::string relative_group_path() const;
  VITALS_INLINE std::optional<std::string> get_package(bool default_to_header = true) const;
  VITALS_INLINE std::string final_package(bool default_to_header = true) const;
  VITALS_INLINE std::string override_key() const;
  VITALS_INLINE void update_parent(std::string base_dir, std::string pkg);
  VITALS_INLINE void set_package_header(std::optional<std::string> header);
  /// How the entry reads in a defaults list, for messages.
  VITALS_INLINE std::string describe() const;
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/defaults_entry.ipp"
#endif
