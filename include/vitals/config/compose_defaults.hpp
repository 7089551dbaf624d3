// Defaults lists: which configs a composition merges, in which order, under which package.
//
// This is Hydra 1.3's algorithm (hydra/_internal/defaults_list.py) transcribed, not re-imagined:
// users rely on its exact answers (where `_self_` goes, what `@_here_` means in a nested file,
// which `override` wins), and the oracle in tests/oracle/hydra compares against it. The tree is
// built depth first, each defaults list walked from its end (so overrides declared by later
// entries win, as in Hydra), and flattened into the merge order. Where Hydra would recurse
// forever (a file that includes itself) or fail with a bare "not found", the errors here name the
// chain of files that led there.
#pragma once

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

#include "vitals/config/compose_store.hpp"
#include "vitals/config/detail/reader_support.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/overrides.hpp"
#include "vitals/config/yaml_reader.hpp"

namespace vitals::config {

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

  bool group_exists(std::string_view group) const {
    std::string g = input_default::strip_slash(group);
    std::error_code ec;
    if (!g.empty() && std::filesystem::is_directory(dir_ / g, ec)) return true;
    return store_.has_group(g);
  }

  bool config_exists(const std::string& path) { return load(path) != nullptr; }

  /// Sorted option names of a group (files and stored options), for "available options" lists.
  std::vector<std::string> group_options(std::string_view group) const {
    std::set<std::string> names;
    std::error_code ec;
    std::string g = input_default::strip_slash(group);
    for (auto it = std::filesystem::directory_iterator(dir_ / g, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      const auto& p = it->path();
      if (p.extension() == ".yaml" && it->is_regular_file(ec)) names.insert(p.stem().string());
    }
    for (auto& n : store_.options(g)) names.insert(n);
    return {names.begin(), names.end()};
  }

  /// The config at `path` ("exp/001", "config.yaml"), or nullptr when there is none.
  const loaded_config* load(const std::string& path) {
    std::string key = path;
    if (key.size() > 5 && key.compare(key.size() - 5, 5, ".yaml") == 0) key.resize(key.size() - 5);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second ? &*it->second : nullptr;
    std::optional<loaded_config> result;
    std::filesystem::path file = dir_ / (key + ".yaml");
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) {
      std::string text = detail::read_text_file(file);
      result = make(key, file.string(), parse_yaml(text, file.string()), package_header(text, file.string()));
    } else if (auto stored = store_.find(parent_of(key), name_of(key))) {
      result = make(key, "config_store://" + key, std::move(*stored), std::nullopt);
    }
    auto [pos, inserted] = cache_.emplace(key, std::move(result));
    return pos->second ? &*pos->second : nullptr;
  }

  /// Parses one defaults-list entry (exposed for tests).
  static input_default parse_default(const node& item, const std::string& source) {
    input_default d;
    d.where = item.where;
    auto split = [&](std::string_view text, std::string& name, std::optional<std::string>& pkg) {
      auto at = text.find('@');
      name = std::string(text.substr(0, at));
      if (at != std::string_view::npos) {
        std::string p(text.substr(at + 1));
        if (p.find(':') != std::string::npos)
          throw config_error(problem{"defaults", "package renames ('@a:b') were removed in Hydra 1.1 and are not supported: '" + std::string(text) + "'", item.where});
        pkg = p == "_here_" ? std::string() : p;
      }
    };
    if (item.is_scalar()) {
      split(item.text, d.path, d.package);
      if (d.path == "_self_" && d.package)
        throw config_error(problem{"defaults", "_self_@PACKAGE is not supported", item.where});
      return d;
    }
    if (item.is_mapping()) {
      if (item.entries.size() != 1)
        throw config_error(problem{"defaults", std::string(item.entries.empty() ? "missing group name in a defaults entry" : "too many keys in a defaults entry (one `group: option` per line)") + " in " + source, item.where});
      const auto& [key, value] = item.entries.front();
      d.is_group = true;
      // "optional override db@pkg" -> keywords, then group@package
      std::vector<std::string> words;
      std::size_t s = 0;
      while (true) {
        auto sp = key.find(' ', s);
        words.push_back(key.substr(s, sp - s));
        if (sp == std::string::npos) break;
        s = sp + 1;
      }
      std::string last = words.back();
      words.pop_back();
      for (const auto& w : words) {
        if (w == "optional") d.optional = true;
        else if (w == "override") d.is_override = true;
        else break;
      }
      split(last, d.group, d.package);
      if (d.group.empty()) throw config_error(problem{"defaults", "missing group name in '" + key + "'", item.where});
      if (value.is_null()) {
        d.value.reset();
      } else if (value.is_scalar()) {
        d.value = value.text;
      } else if (value.is_sequence()) {
        d.is_options = true;
        for (const auto& v : value.items) {
          if (!v.is_scalar())
            throw config_error(problem{"defaults", "items of an options list must be names, in '" + key + "'", v.where});
          d.options.push_back(v.text);
        }
      } else {
        throw config_error(problem{"defaults", "the option of '" + key + "' must be a name, a list of names or null", value.where});
      }
      return d;
    }
    throw config_error(problem{"defaults", "a defaults entry is a name (`- base`) or `group: option`, not " +
                                               std::string(item.is_null() ? "null" : "a list"),
                               item.where});
  }

 private:
  static std::string parent_of(const std::string& key) {
    auto i = key.rfind('/');
    return i == std::string::npos ? "" : key.substr(0, i);
  }
  static std::string name_of(const std::string& key) {
    auto i = key.rfind('/');
    return i == std::string::npos ? key : key.substr(i + 1);
  }

  // Hydra's header: leading `# @key value` lines, blank lines skipped, stopping at anything else.
  static std::optional<std::string> package_header(std::string_view text, const std::string& file) {
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      auto b = line.find_first_not_of(" \t\r");
      if (b == std::string_view::npos) continue;
      line = line.substr(b);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
      if (line[0] != '#') break;
      auto rest = line.substr(1);
      auto r = rest.find_first_not_of(" \t");
      if (r == std::string_view::npos || rest[r] != '@') break;
      rest = rest.substr(r + 1);
      std::vector<std::string> words;
      std::size_t s = 0;
      while (s < rest.size()) {
        auto e = rest.find_first_of(" \t", s);
        if (e == std::string_view::npos) e = rest.size();
        if (e > s) words.emplace_back(rest.substr(s, e - s));
        s = e + 1;
      }
      if (words.size() != 2)
        throw config_error(problem{"", "expected a header '# @package <package>', got '" + std::string(line) + "'",
                                   source_location::in_file(file, line_no, 1)});
      if (words[0] == "package") return words[1];
    }
    return std::nullopt;
  }

  static loaded_config make(std::string key, std::string source, node content, std::optional<std::string> header) {
    loaded_config c;
    c.path = std::move(key);
    c.source = std::move(source);
    c.package_header = std::move(header);
    if (content.is_mapping()) {
      if (const node* defaults = content.find("defaults")) {
        if (!defaults->is_sequence())
          throw config_error(problem{"defaults", std::string("invalid defaults list in '") + c.source + "': defaults must be a list (got " +
                                                     (defaults->is_mapping() ? "a mapping" : "a scalar") + ")",
                                     defaults->where});
        for (const auto& item : defaults->items) c.defaults.push_back(config_repository::parse_default(item, c.source));
        content.erase("defaults");
      }
      for (const auto& [k, v] : content.entries)
        if (!(v.is_scalar() && v.text == "???")) c.has_content = true;
    } else if (!content.is_null()) {
      throw config_error(problem{"", "a config file must hold a mapping, '" + c.source + "' holds a " +
                                         (content.is_sequence() ? "list" : "scalar"),
                                 content.where});
    }
    c.content = std::move(content);
    return c;
  }

  std::filesystem::path dir_;
  const config_store& store_;
  std::map<std::string, std::optional<loaded_config>> cache_;
};

/// One config of the final, flattened defaults list, in merge order.
struct result_default {
  std::string config_path;   // "exp/001"
  std::string package;       // where its content goes: "exp", "" (root)
  std::string parent;        // the config whose defaults list brought it in
  std::string override_key;  // "exp" for group options
  bool is_self = false, primary = false;
};

/// What a defaults-list resolution yields: the merge order, the group choices made, and the
/// overrides that were not group selections (applied to the merged config afterwards).
struct defaults_resolution {
  std::vector<result_default> defaults;
  std::vector<std::pair<std::string, std::optional<std::string>>> choices;  // "exp" -> "001"
  std::vector<override_spec> config_overrides;
};

namespace detail {

struct defaults_tree {
  input_default node;
  std::vector<std::unique_ptr<defaults_tree>> children;
  bool expanded = false;
  defaults_tree* parent = nullptr;
};

class defaults_builder {
 public:
  defaults_builder(config_repository& repo, const std::vector<override_spec>& overrides) : repo_(repo) {
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
  std::map<std::string, choice> choices_;
  std::map<std::string, meta> meta_;
  std::vector<input_default> append_;
  std::vector<override_spec> config_overrides_;
  std::map<std::string, deletion> deletions_;
  std::vector<std::pair<std::string, std::optional<std::string>>> known_choices_;
  std::map<std::string, std::set<std::string>> per_group_;
};

}  // namespace detail

/// Resolves the defaults list of `config_name` under the group selections among `overrides`.
/// Sweeps are skipped (the caller expands them first); overrides that are not group selections
/// come back in `config_overrides`.
inline defaults_resolution resolve_defaults(config_repository& repo, const std::string& config_name,
                                            const std::vector<override_spec>& overrides) {
  return detail::defaults_builder(repo, overrides).build(config_name);
}

}  // namespace vitals::config
