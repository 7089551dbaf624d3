// Bodies of vitals/config/compose/defaults_choices.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/defaults_choices.hpp"

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

#include "vitals/config/compose/config_repository.hpp"
#include "vitals/config/compose/defaults_entry.hpp"
#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

/// The command line's say in a defaults list: group selections (`exp=001`), appends (`+db=x`),
/// deletions (`~db`) and the `override` lines of the lists themselves; which were used; the
/// choices made. The remaining overrides are config overrides, applied after the merge.
class defaults_choices {
 protected:
  defaults_choices(const config_repository& repo, const std::vector<override_spec>& overrides) {
    for (const auto& o : overrides) {
      if (o.sweep || is_hydra_group(o.key)) continue;
      bool is_group = repo.group_exists(o.key);
      bool is_dict = o.has_value && o.value.type == override_value_type::dict;
      if (is_dict || !is_group) {
        config_overrides_.push_back(o);
      } else if (o.op == override_op::force_add) {
        fail(o, "force-add of config groups is not supported: '" + o.input + "' (use +" + o.input.substr(2) + " to add a group)");
      } else if (o.op == override_op::remove) {
        std::string key = o.key_element().substr(1);
        if (o.has_value && o.value.type != override_value_type::string && o.value.type != override_value_type::null)
          fail(o, "the value of a group deletion must be an option name: '" + o.input + "'");
        deletion del;
        if (o.has_value && o.value.type == override_value_type::string) del.name = o.value.value.text;
        deletions_[key] = del;
      } else if (o.value.type != override_value_type::string && o.value.type != override_value_type::list) {
        fail(o, "a config group override must be an option name or a list of names; '" + o.input + "' gives " +
                    type_name(o.value.type) + " (quote it to use it as a name, or use ~" + o.key + " to remove the group)");
      } else {
        choice c = to_choice(o);
        if (o.op == override_op::add) {
          input_default d;
          d.is_group = true;
          d.group = o.key;
          d.package = o.package;
          if (d.package && *d.package == "_here_") d.package = std::string();
          d.value = c.name;
          d.is_options = c.is_options;
          d.options = c.options;
          d.external_append = true;
          d.where = o.where();
          append_.push_back(std::move(d));
        } else {
          std::string key = o.key_element();
          c.where = o.where();
          choices_[key] = std::move(c);
          meta_[key] = {true, "", false, o.input};
        }
      }
    }
  }


  struct choice {
    std::optional<std::string> name;
    bool is_options = false;
    std::vector<std::string> options;
    source_location where;  // the command-line override that made it
  };
  struct meta {
    bool external = false;
    std::string containing;
    bool used = false;
    std::string input;
  };
  struct deletion {
    std::optional<std::string> name;
    bool used = false;
  };

  static bool is_hydra_group(std::string_view g) {
    if (!g.empty() && g[0] == '/') g.remove_prefix(1);
    return g == "hydra" || g.rfind("hydra/", 0) == 0;
  }

  [[noreturn]] static void fail(const override_spec& o, std::string msg) {
    throw config_error(problem{o.key, std::move(msg), o.where()});
  }
  static const char* type_name(override_value_type t) {
    switch (t) {
      case override_value_type::null: return "null";
      case override_value_type::boolean: return "a bool";
      case override_value_type::integer: return "an int";
      case override_value_type::floating: return "a float";
      case override_value_type::dict: return "a dict";
      default: return "a string";
    }
  }
  static choice to_choice(const override_spec& o) {
    choice c;
    if (o.value.type == override_value_type::list) {
      c.is_options = true;
      for (const auto& item : o.value.value.items) c.options.push_back(item.text);
    } else {
      c.name = o.value.value.text;
    }
    return c;
  }

  bool is_overridden(const input_default& d) const { return d.is_group && choices_.count(d.override_key()); }
  void override_default_option(input_default& d) {
    std::string key = d.override_key();
    auto it = choices_.find(key);
    if (it == choices_.end()) return;
    d.value = it->second.name;
    d.is_options = it->second.is_options;
    d.options = it->second.options;
    meta_[key].used = true;
  }
  bool is_deleted(const input_default& d) const {
    if (!d.is_group) return false;
    auto it = deletions_.find(d.override_key());
    if (it == deletions_.end()) return false;
    return !it->second.name || it->second.name == d.name();
  }
  void set_known_choice(const input_default& d) {
    if (!d.is_group) return;
    std::string key = d.override_key();
    auto it = std::find_if(known_choices_.begin(), known_choices_.end(), [&](const auto& p) { return p.first == key; });
    if (it == known_choices_.end()) {
      known_choices_.emplace_back(key, d.name());
    } else if (it->second != d.name()) {
      throw config_error(problem{"defaults", "multiple values for " + key + ". To override a value use 'override " + key + ": " +
                                                 it->second.value_or("null") + "'",
                                 d.where});
    }
    per_group_[d.group_path()].insert(key);
  }

  void ensure_used() {
    for (const auto& [key, m] : meta_) {
      if (m.used) continue;
      std::string group = key.substr(0, key.find('@'));
      auto it = per_group_.find(group);
      std::string msg = "Could not override '" + key + "'.";
      if (it != per_group_.end() && it->second.size() > 1) {
        msg += " Did you mean to override one of";
        for (const auto& k : it->second) msg += " " + k;
        msg += "?";
      } else if (it != per_group_.end() && it->second.size() == 1) {
        msg += " Did you mean to override " + *it->second.begin() + "?";
      } else {
        msg += " No match in the defaults list.";
      }
      if (!m.containing.empty()) msg = "In '" + m.containing + "': " + msg;
      if (m.external) {
        const choice& c = choices_.at(key);
        msg += " To append to your defaults list use +" + key + "=" + c.name.value_or("...");
      }
      source_location loc;
      loc.origin = m.input.empty() ? "" : "override '" + m.input + "'";
      throw config_error(problem{key, msg, loc});
    }
    for (const auto& [key, del] : deletions_)
      if (!del.used)
        throw config_error(problem{key, "Could not delete '" + key + (del.name ? "=" + *del.name : "") + "'. No match in the defaults list", {}});
  }

  void update_overrides(std::vector<input_default>& defaults, const input_default& parent) {
    bool seen_override = false;
    const input_default* last = nullptr;
    for (auto& d : defaults) {
      if (d.is_self()) continue;
      d.update_parent(parent.group_path(), parent.final_package());
      if (seen_override && !(d.is_override || d.external_append))
        throw config_error(problem{"defaults", "in " + parent.config_path() + ": override '" + last->override_key() + " : " +
                                                   last->name().value_or("null") + "' is defined before '" + d.override_key() +
                                                   ": " + d.name().value_or("null") + "'. Overrides must be at the end of the defaults list",
                                   d.where});
      if (d.is_group && d.is_override) {
        seen_override = true;
        last = &d;
        std::string key = d.override_key();
        if (!choices_.count(key)) {
          choice c{d.value, d.is_options, d.options, {}};
          choices_[key] = c;
          meta_[key] = {false, parent.config_path(), false, ""};
        }
      }
    }
  }


  std::map<std::string, choice> choices_;
  std::map<std::string, meta> meta_;
  std::vector<input_default> append_;
  std::vector<override_spec> config_overrides_;
  std::map<std::string, deletion> deletions_;
  std::vector<std::pair<std::string, std::optional<std::string>>> known_choices_;
  std::map<std::string, std::set<std::string>> per_group_;
};
}  // namespace detail
}  // namespace vitals::config
