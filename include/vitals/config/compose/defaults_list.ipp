// Bodies of vitals/config/compose/defaults_list.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/defaults_list.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "vitals/config/compose/config_repository.hpp"
#include "vitals/config/compose/defaults_choices.hpp"
#include "vitals/config/compose/defaults_entry.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

struct defaults_tree {
  input_default node;
  std::vector<std::unique_ptr<defaults_tree>> children;
  bool expanded = false;
  defaults_tree* parent = nullptr;
};

class defaults_builder : private defaults_choices {
 public:
  defaults_builder(config_repository& repo, const std::vector<override_spec>& overrides)
      : defaults_choices(repo, overrides), repo_(repo) {}

  defaults_resolution build(const std::string& config_name) {
    root_.node.path = config_name;
    root_.node.primary = true;
    create(root_, true);
    ensure_used();
    defaults_resolution res;
    walk(root_, res.defaults);
    std::set<std::string> seen;
    for (const auto& r : res.defaults) {
      if (r.is_self || r.override_key.empty()) continue;
      if (!seen.insert(r.override_key).second)
        throw config_error(problem{"defaults", r.override_key + " appears more than once in the final defaults list", {}});
    }
    res.choices = known_choices_;
    res.config_overrides = std::move(config_overrides_);
    return res;
  }

 private:
  static std::string chain(const defaults_tree* t) {
    std::vector<std::string> names;
    for (; t; t = t->parent) names.push_back("'" + t->node.config_path() + "'");
    std::string out;
    for (auto it = names.rbegin(); it != names.rend(); ++it) out += (out.empty() ? "" : " -> ") + *it;
    return out;
  }

  [[noreturn]] void not_found(const defaults_tree& t) {
    const input_default& e = t.node;
    std::string msg;
    if (e.primary) {
      msg = "cannot find the primary config '" + e.config_path() + "' in " + repo_.dir().string();
    } else {
      msg = "could not find '" + e.config_path() + "'";
      if (t.parent) msg = "in '" + t.parent->node.config_path() + "': " + msg;
      if (e.is_group) {
        auto opts = repo_.group_options(e.group_path());
        if (!opts.empty()) {
          msg += "; available options in '" + e.group_path() + "':";
          for (const auto& o : opts) msg += " " + o;
        } else {
          msg += " (the group '" + e.group_path() + "' has no options)";
        }
      }
      msg += " (included by " + chain(t.parent) + ")";
      // An option chosen on the command line is reported at the override that chose it, and the
      // defaults line it replaced.
      if (auto it = choices_.find(e.override_key()); e.is_group && it != choices_.end() && !it->second.where.origin.empty()) {
        msg += "; the option was chosen on the command line, replacing the defaults line at " + e.where.str();
        throw config_error(problem{"defaults", msg, it->second.where});
      }
    }
    throw config_error(problem{"defaults", msg, e.where});
  }

  void validate_self(const input_default& containing, std::vector<input_default>& defaults) {
    bool has_self = false, has_non_override = false;
    for (const auto& d : defaults) {
      if (!d.is_override) has_non_override = true;
      if (d.is_self()) {
        if (has_self) throw config_error(problem{"defaults", "duplicate _self_ defined in " + containing.config_path(), d.where});
        has_self = true;
      }
    }
    if ((!has_self && has_non_override) || defaults.empty()) {
      input_default self;
      self.path = "_self_";
      defaults.push_back(self);
    }
  }

  void add_child(defaults_tree& root, std::vector<std::unique_ptr<defaults_tree>>& out, input_default d) {
    auto child = std::make_unique<defaults_tree>();
    child->node = std::move(d);
    child->parent = &root;
    // A config that (indirectly) includes itself: Hydra recurses until Python gives up.
    auto same_config = [](std::string a, std::string b) {
      for (std::string* p : {&a, &b})
        if (p->size() > 5 && p->compare(p->size() - 5, 5, ".yaml") == 0) p->resize(p->size() - 5);
      return a == b;
    };
    for (const defaults_tree* a = &root; a; a = a->parent)
      if (same_config(a->node.config_path(), child->node.config_path()) && !child->node.is_missing() && child->node.name())
        throw config_error(problem{"defaults", "cycle in defaults lists: " + chain(child.get()), child->node.where});
    create(*child, false);
    out.push_back(std::move(child));
  }

  void create(defaults_tree& root, bool is_root_config) {
    input_default& parent = root.node;
    if (is_root_config) {
      parent.update_parent("", "");
      if (!repo_.config_exists(parent.config_path())) not_found(root);
    }
    if (!parent.is_missing() && parent.name())
      if (const loaded_config* hdr = repo_.load(parent.config_path())) parent.set_package_header(hdr->package_header);
    if (is_deleted(parent)) {
      parent.deleted = true;
      deletions_[parent.override_key()].used = true;
      return;
    }
    set_known_choice(parent);
    if (!parent.name()) return;
    if (parent.is_missing()) {
      std::string key = parent.override_key();
      std::string msg = "You must specify '" + key + "', e.g, " + key + "=<OPTION>. Available options:";
      for (const auto& o : repo_.group_options(parent.group_path())) msg += " " + o;
      throw config_error(problem{key, msg, parent.where});
    }
    const std::string path = parent.config_path();
    const loaded_config* loaded = repo_.load(path);
    if (!loaded) {
      if (parent.optional) {
        parent.deleted = true;
        return;
      }
      not_found(root);
    }
    std::vector<input_default> defaults = loaded->defaults;
    // Hydra's own groups (hydra/launcher, hydra/job_logging, ...) configure Hydra, not the app:
    // they are not part of the composed config, so entries for them are skipped.
    std::erase_if(defaults, [](const input_default& d) { return is_hydra_group(d.is_group ? d.group : d.path); });
    if (!defaults.empty() || (is_root_config && !append_.empty())) validate_self(parent, defaults);
    if (is_root_config) defaults.insert(defaults.end(), append_.begin(), append_.end());
    update_overrides(defaults, parent);
    std::vector<std::unique_ptr<defaults_tree>> children;
    std::vector<defaults_tree*> interpolated;
    for (auto it = defaults.rbegin(); it != defaults.rend(); ++it) {
      input_default d = *it;
      if (d.is_self()) {
        d.update_parent(parent.parent_base_dir, parent.get_package().value_or(""));
        auto leaf = std::make_unique<defaults_tree>();
        leaf->node = std::move(d);
        leaf->parent = &root;
        children.push_back(std::move(leaf));
        continue;
      }
      if (d.is_override) continue;
      d.update_parent(parent.group_path(), parent.final_package());
      if (is_overridden(d)) override_default_option(d);
      if (d.is_group && d.is_options) {
        for (auto o = d.options.rbegin(); o != d.options.rend(); ++o) {
          if (o->find("${") != std::string::npos)
            throw config_error(problem{"defaults", "in '" + path + "': defaults list interpolation is not supported in options list items", d.where});
          input_default c;
          c.path = d.group + "/" + *o;
          c.package = d.package;
          c.optional = d.optional;
          c.where = d.where;
          c.update_parent(parent.group_path(), parent.final_package());
          add_child(root, children, std::move(c));
        }
        continue;
      }
      if (d.name() && d.name()->find("${") != std::string::npos) {
        // `- db_schema: ${db}`: resolved once the whole list's choices are known (below).
        auto pending = std::make_unique<defaults_tree>();
        pending->node = std::move(d);
        pending->parent = &root;
        interpolated.push_back(pending.get());
        children.push_back(std::move(pending));
        continue;
      }
      add_child(root, children, std::move(d));
    }
    for (defaults_tree* t : interpolated) {
      input_default& d = t->node;
      std::string resolved = resolve_choice_interpolation(*d.name(), path, d.where);
      if (d.is_group) d.value = resolved;
      else d.path = resolved;
      d.update_parent(parent.group_path(), parent.final_package());
      for (const defaults_tree* a = &root; a; a = a->parent)
        if (a->node.config_path() == d.config_path())
          throw config_error(problem{"defaults", "cycle in defaults lists: " + chain(t), d.where});
      create(*t, false);
    }
    if (!children.empty()) {
      std::reverse(children.begin(), children.end());
      root.children = std::move(children);
      root.expanded = true;
    }
  }

  // Hydra's defaults-list interpolation: `${db}` is the option chosen for group `db` (after
  // command-line overrides); text around it is kept ("${db}_schema").
  std::string resolve_choice_interpolation(const std::string& text, const std::string& path, const source_location& where) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, 2, "${") != 0) {
        out += text[i++];
        continue;
      }
      std::size_t close = text.find('}', i);
      if (close == std::string::npos)
        throw config_error(problem{"defaults", "in '" + path + "': unterminated interpolation in '" + text + "'", where});
      std::string key = text.substr(i + 2, close - i - 2);
      auto it = std::find_if(known_choices_.begin(), known_choices_.end(), [&](const auto& p) { return p.first == key; });
      if (it == known_choices_.end() || !it->second) {
        std::string msg = "in '" + path + "': error resolving interpolation '" + text + "': ";
        msg += it == known_choices_.end()
                   ? "no group '" + key + "' is chosen (defaults-list interpolation refers to group choices, not config keys)"
                   : "group '" + key + "' is null";
        if (!known_choices_.empty()) {
          msg += "; possible interpolation keys:";
          for (const auto& [k, v] : known_choices_) msg += " " + k;
        }
        throw config_error(problem{"defaults", msg, where});
      }
      out += *it->second;
      i = close + 1;
    }
    return out;
  }

  void collect(const defaults_tree* tree, const input_default& n, std::vector<result_default>& out) {
    if (n.deleted || n.is_missing() || !n.name()) return;
    result_default r;
    if (n.is_self()) {
      r.config_path = tree->node.config_path();
      r.is_self = true;
      if (tree->parent) r.parent = tree->parent->node.config_path();
      r.package = tree->node.final_package();
      r.primary = tree->node.primary;
    } else {
      r.config_path = n.config_path();
      if (tree) r.parent = tree->node.config_path();
      r.package = n.final_package();
      if (n.is_group) r.override_key = n.override_key();
      r.primary = n.primary;
    }
    out.push_back(std::move(r));
  }

  void walk(const defaults_tree& tree, std::vector<result_default>& out) {
    if (!tree.expanded) {
      collect(tree.parent, tree.node, out);
      return;
    }
    for (const auto& c : tree.children) {
      if (!c->expanded) collect(&tree, c->node, out);
      else walk(*c, out);
    }
  }

  config_repository& repo_;
  defaults_tree root_;
};
}  // namespace detail

VITALS_INLINE defaults_resolution resolve_defaults(config_repository& repo, const std::string& config_name,
                                            const std::vector<override_spec>& overrides) {
  return detail::defaults_builder(repo, overrides).build(config_name);
}
}  // namespace vitals::config
