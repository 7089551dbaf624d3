// Bodies of vitals/config/interpolation.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/interpolation.hpp"

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "vitals/config/compose/merge.hpp"
#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/compose/project_root.hpp"
#include "vitals/config/compose/values.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

struct resolver_registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const resolver_function>, std::less<>> functions;
  static resolver_registry& instance() {
    static resolver_registry r;
    return r;
  }
};

VITALS_INLINE std::shared_ptr<const resolver_function> find_resolver(const std::string& name) {
  resolver_registry& r = resolver_registry::instance();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.functions.find(name);
  return it == r.functions.end() ? nullptr : it->second;
}

VITALS_INLINE bool builtin_resolver(std::string_view name) {
  return name == "oc.env" || name == "oc.select" || name == "oc.decode" || name == "oc.create" || name == "oc.dict.keys" ||
         name == "oc.dict.values" || name == "hydra" || name == "now";
}

class interpolation_resolver {
 public:
  // With `hydra_at_root`, the root's `hydra` entry is what `${hydra:...}` reads (a composition's
  // hydra block and run facts); it is left out of run() and resolved only where it is read.
  explicit interpolation_resolver(const node& root, bool hydra_at_root = false) : root_(root), hydra_at_root_(hydra_at_root) {}

  node run() {
    std::vector<std::string> path;
    if (!hydra_at_root_ || !root_.is_mapping()) return resolve_subtree(root_, path);
    node out = node::mapping(root_.where);
    for (const auto& [k, v] : root_.entries) {
      if (k == "hydra") continue;
      path.assign(1, k);
      out.entries.emplace_back(k, resolve_subtree(v, path));
    }
    return out;
  }

  /// The resolved value at a dotted key ("hydra.run.dir").
  node value_at(const std::string& key) {
    node at = node::null_value();
    hydra_access guard(hydra_access_);
    return reference(key, {}, at);
  }

 private:
  const node& root_;
  bool hydra_at_root_;
  int hydra_access_ = 0;  // > 0 inside ${hydra:...}: the app config itself has no `hydra` key
  struct hydra_access {
    int& n;
    explicit hydra_access(int& c) : n(++c) {}
    ~hydra_access() { --n; }
  };
  std::map<std::string, node> done_;       // resolved values by key path
  std::vector<std::string> in_progress_;   // key paths being resolved (for cycles)
  std::optional<node> last_container_;     // the unresolved list/mapping the last reference found

  static std::string join(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
    return out;
  }

  [[noreturn]] void fail(const std::vector<std::string>& path, const node& at, std::string msg) const {
    throw config_error(problem{join(path), std::move(msg), at.where});
  }

  static bool has_interpolation(const std::string& s) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      if (s[i] == '$' && s[i + 1] == '{') return true;
    return false;
  }

  node resolve_subtree(const node& n, std::vector<std::string>& path) {
    if (n.is_mapping()) {
      node out = node::mapping(n.where);
      for (const auto& [k, v] : n.entries) {
        path.push_back(k);
        out.entries.emplace_back(k, resolve_subtree(v, path));
        path.pop_back();
      }
      return out;
    }
    if (n.is_sequence()) {
      node out = node::sequence(n.where);
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        path.push_back(std::to_string(i));
        out.items.push_back(resolve_subtree(n.items[i], path));
        path.pop_back();
      }
      return out;
    }
    if (n.is_scalar() && has_interpolation(n.text)) return resolve_value(n, path);
    return n;
  }

  // A scalar holding ${...}: resolved once, memoized by key path.
  node resolve_value(const node& n, const std::vector<std::string>& path) {
    std::string key = join(path);
    if (auto it = done_.find(key); it != done_.end()) return it->second;
    for (std::size_t i = 0; i < in_progress_.size(); ++i)
      if (in_progress_[i] == key) {
        std::string chain;
        for (std::size_t j = i; j < in_progress_.size(); ++j) chain += in_progress_[j] + " -> ";
        fail(path, n, "interpolation cycle: " + chain + key);
      }
    in_progress_.push_back(key);
    node out = evaluate(n, path);
    in_progress_.pop_back();
    done_[key] = out;
    return out;
  }

  // Splits text into literal pieces and ${...} expressions (nested braces balanced, \${ escaped).
  struct piece {
    bool expr = false;
    std::string text;
  };
  std::vector<piece> split(const std::string& s, const std::vector<std::string>& path, const node& at) const {
    std::vector<piece> out;
    std::string lit;
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] == '\\' && i + 2 < s.size() + 1 && s.compare(i + 1, 2, "${") == 0) {
        lit += "${";
        i += 3;
        continue;
      }
      if (s.compare(i, 2, "${") == 0) {
        int depth = 0;
        std::size_t j = i;
        char quote = 0;
        for (; j < s.size(); ++j) {
          char c = s[j];
          if (quote) {
            if (c == quote) quote = 0;
            continue;
          }
          if (c == '\'' || c == '"') quote = c;
          else if (c == '{') ++depth;
          else if (c == '}' && --depth == 0) break;
        }
        if (j >= s.size()) fail(path, at, "unterminated interpolation in '" + s + "'");
        if (!lit.empty()) out.push_back({false, std::move(lit)});
        lit.clear();
        out.push_back({true, s.substr(i + 2, j - i - 2)});
        i = j + 1;
        continue;
      }
      lit += s[i++];
    }
    if (!lit.empty()) out.push_back({false, std::move(lit)});
    return out;
  }

  node evaluate(const node& n, const std::vector<std::string>& path) {
    std::vector<piece> pieces = split(n.text, path, n);
    if (pieces.size() == 1 && pieces[0].expr) {
      node v = expression(pieces[0].text, path, n);
      v.where = n.where;
      return v;
    }
    std::string out;
    for (const auto& p : pieces) {
      if (!p.expr) {
        out += p.text;
        continue;
      }
      last_container_.reset();
      node v = expression(p.text, path, n);
      // A list or mapping inside a string reads as Python prints it, unresolved inside ("f[0, 1]",
      // "g{'a': '${b}'}"), as OmegaConf's str() of the container does.
      if (v.is_mapping() || v.is_sequence()) out += python_repr(last_container_ ? *last_container_ : v);
      else out += python_str(v);
    }
    return node::scalar(std::move(out), scalar_style::quoted, n.where);
  }

  static std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
  }

  // The inside of ${...}: a key path or `resolver:args`.
  node expression(const std::string& inner_raw, const std::vector<std::string>& path, const node& at) {
    // `name:` first (a resolver name has no interpolation in it); oc.env keeps its text-first
    // handling of nested interpolations, the others take typed arguments.
    std::string lead = trim(inner_raw);
    std::size_t n = 0;
    while (n < lead.size() && (std::isalnum(static_cast<unsigned char>(lead[n])) || lead[n] == '_' || lead[n] == '.')) ++n;
    if (n > 0 && n < lead.size() && lead[n] == ':' && lead.substr(0, n) != "oc.env")
      return call_resolver(lead.substr(0, n), lead.substr(n + 1), inner_raw, path, at);
    // Nested interpolations in the key (${a.${b}}) are resolved to text first.
    std::string inner;
    {
      std::vector<piece> parts = split(inner_raw, path, at);
      for (const auto& p : parts) inner += p.expr ? python_str(expression(p.text, path, at)) : p.text;
    }
    auto colon = inner.find(':');
    if (colon != std::string::npos) {
      std::string name = trim(std::string_view(inner).substr(0, colon));
      std::string args = inner.substr(colon + 1);
      if (name == "oc.env") return env(args, path, at);
      fail(path, at, "unknown resolver '" + name + "' in '${" + inner_raw + "}'");
    }
    return reference(trim(inner), path, at);
  }

  // Resolver arguments split at top-level commas (quotes, brackets and ${...} kept whole).
  static std::vector<std::string> split_args(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == '\\' && i + 1 < s.size()) {
          cur += c;
          cur += s[++i];
          continue;
        }
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        --depth;
      } else if (c == ',' && depth == 0) {
        out.push_back(trim(cur));
        cur.clear();
        continue;
      }
      cur += c;
    }
    if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
    return out;
  }

  // Resolves the interpolations inside a value built from resolver arguments ([${a}, 1]).
  node resolve_inside(node v, const std::vector<std::string>& path, const node& at) {
    if (v.is_scalar() && has_interpolation(v.text)) {
      node tmp = v;
      tmp.where = at.where;
      return evaluate(tmp, path);
    }
    for (auto& i : v.items) i = resolve_inside(std::move(i), path, at);
    for (auto& e : v.entries) e.second = resolve_inside(std::move(e.second), path, at);
    return v;
  }

  // One resolver argument as OmegaConf's grammar types it: ${x} keeps x's type, 'a' is a string,
  // [..] / {..} are containers, 1 / 1.5 / true / null are typed, anything else a string.
  node argument(const std::string& a, const std::vector<std::string>& path, const node& at) {
    if (a.size() >= 3 && a.compare(0, 2, "${") == 0 && a.back() == '}') {
      std::vector<piece> parts = split(a, path, at);
      if (parts.size() == 1 && parts[0].expr) return expression(parts[0].text, path, at);
    }
    if (a.size() >= 2 && (a.front() == '\'' || a.front() == '"') && a.back() == a.front()) {
      std::string body;
      for (std::size_t i = 1; i + 1 < a.size(); ++i) {
        if (a[i] == '\\' && i + 2 < a.size() && (a[i + 1] == a.front() || a[i + 1] == '\\')) ++i;
        body += a[i];
      }
      return resolve_inside(node::scalar(body, scalar_style::quoted), path, at);
    }
    if (a.empty()) return node::scalar("", scalar_style::quoted);
    if (has_interpolation(a) && a.front() != '[' && a.front() != '{')
      return resolve_inside(node::scalar(a, scalar_style::quoted), path, at);
    try {
      override_spec o = parse_override("x=" + a);
      if (!o.sweep) return resolve_inside(o.value.value, path, at);
    } catch (const config_error&) {
    }
    return node::scalar(a, scalar_style::quoted);
  }

  // oc.select's "not there": a key that does not exist, or a ??? value.
  std::optional<node> select(const std::string& key, const std::vector<std::string>& path, const node& at) {
    try {
      return reference(key, path, at);
    } catch (const config_error& e) {
      std::string what = e.what();
      if (what.find("not found") != std::string::npos || what.find("is missing") != std::string::npos) return std::nullopt;
      throw;
    }
  }

  node call_resolver(const std::string& name, const std::string& raw_args, const std::string& inner_raw,
                     const std::vector<std::string>& path, const node& at) {
    std::vector<std::string> raw = split_args(raw_args);
    auto arg = [&](std::size_t i) { return argument(raw.at(i), path, at); };
    auto need = [&](std::size_t lo, std::size_t hi) {
      if (raw.size() < lo || raw.size() > hi)
        fail(path, at, "'${" + inner_raw + "}': " + name + " takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                           " argument" + (hi == 1 ? "" : "s") + ", got " + std::to_string(raw.size()));
    };
    auto key_of = [&](const node& v) {
      if (!v.is_scalar()) fail(path, at, "'${" + inner_raw + "}': " + name + " takes a key, got a " + (v.is_mapping() ? "mapping" : "list"));
      return python_str(v);
    };
    if (name == "oc.select") {
      need(1, 2);
      std::string key = key_of(arg(0));
      if (auto v = select(key, path, at)) return *v;
      return raw.size() == 2 ? arg(1) : node::null_value();
    }
    if (name == "oc.decode") {
      need(1, 1);
      node v = arg(0);
      if (v.is_null() || kind_of(v) == scalar_kind::null) return node::null_value();
      if (kind_of(v) != scalar_kind::string)
        fail(path, at, "'${" + inner_raw + "}': oc.decode can only take strings or None as input, not " + python_repr(v));
      return argument(trim(v.text), path, at);
    }
    if (name == "oc.create") {
      need(1, 1);
      node v = arg(0);
      if (kind_of(v) == scalar_kind::string && v.is_scalar()) v = argument(trim(v.text), path, at);
      if (!v.is_mapping() && !v.is_sequence() && !v.is_null())
        fail(path, at, "'${" + inner_raw + "}': oc.create takes a dict or a list, got " + python_repr(v));
      return v;
    }
    if (name == "oc.dict.keys" || name == "oc.dict.values") {
      need(1, 1);
      node key = arg(0);
      if (kind_of(key) != scalar_kind::string || !key.is_scalar())
        fail(path, at, "'${" + inner_raw + "}': " + name + " takes the key of a mapping as a string, not " + python_repr(key));
      node v = reference(key.text, path, at);
      if (!v.is_mapping()) fail(path, at, "'${" + inner_raw + "}': " + name + " needs a mapping, got " + python_repr(v));
      node out = node::sequence();
      for (const auto& [k, val] : v.entries) out.items.push_back(name == "oc.dict.keys" ? node::scalar(k, scalar_style::quoted) : val);
      return out;
    }
    if (name == "hydra") {
      need(1, 1);
      std::string key = key_of(arg(0));
      if (!hydra_at_root_) fail(path, at, "'${" + inner_raw + "}': the hydra resolver needs a composition (HydraConfig was not set)");
      // As Hydra's OmegaConf.select: a key that is not there (job.num outside a multirun, or one
      // vitals does not know) is null. Known: runtime.choices.<group>, runtime.cwd,
      // runtime.output_dir, job.name, job.config_name, job.override_dirname, job.num, run.dir,
      // sweep.dir, sweep.subdir, and whatever the config's hydra block sets.
      hydra_access guard(hydra_access_);
      std::optional<node> v = select("hydra." + key, path, at);
      return v ? *v : node::null_value();
    }
    if (name == "now") {  // Hydra's: the time the process first asked, one per pattern
      need(1, 1);
      std::string pattern = python_str(arg(0));
      static const std::time_t start = std::time(nullptr);
      std::tm tm{};
      localtime_r(&start, &tm);
      char buf[256];
      std::size_t len = std::strftime(buf, sizeof buf, pattern.c_str(), &tm);
      return node::scalar(std::string(buf, len), scalar_style::quoted);
    }
    if (auto fn = find_resolver(name)) {
      std::vector<node> args;
      for (std::size_t i = 0; i < raw.size(); ++i) args.push_back(arg(i));
      try {
        return (*fn)(args);
      } catch (const config_error&) {
        throw;
      } catch (const std::exception& e) {
        fail(path, at, "resolver '" + name + "' failed in '${" + inner_raw + "}': " + e.what());
      }
    }
    fail(path, at, "unknown resolver '" + name + "' in '${" + inner_raw + "}' (built in: oc.env, oc.select, oc.decode, oc.create, " +
                       "oc.dict.keys, oc.dict.values, hydra, now; register others with vitals::config::register_resolver)");
  }

  node env(const std::string& args, const std::vector<std::string>& path, const node& at) {
    auto comma = args.find(',');
    std::string var = trim(std::string_view(args).substr(0, comma));
    if (var == "PROJECT_ROOT") {
      // One rule in every front door (compose/project_root.hpp): $PROJECT_ROOT, else the git
      // root, else the default, else the working directory - so configs need no setenv.
      if (auto root = project_root_env()) return node::scalar(root->string(), scalar_style::quoted);
      if (auto git = git_root()) return node::scalar(git->string(), scalar_style::quoted);
      if (comma == std::string::npos) return node::scalar(project_root().string(), scalar_style::quoted);
    } else if (const char* v = std::getenv(var.c_str())) {
      if (std::string bad = utf8_problem(v); !bad.empty())
        fail(path, at, "environment variable '" + var + "' " + bad + " (config values must be UTF-8)");
      return node::scalar(v, scalar_style::quoted);
    }
    if (comma == std::string::npos)
      fail(path, at, "environment variable '" + var + "' is not set (give a default: ${oc.env:" + var + ",default})");
    std::string def = trim(std::string_view(args).substr(comma + 1));
    if (def.size() >= 2 && (def.front() == '\'' || def.front() == '"') && def.back() == def.front())
      return node::scalar(def.substr(1, def.size() - 2), scalar_style::quoted);
    if (def.find("${") != std::string::npos) {
      node tmp = node::scalar(def, scalar_style::quoted, at.where);
      node v = evaluate(tmp, path);
      if (v.is_null()) return v;
      return node::scalar(python_str(v), scalar_style::quoted);
    }
    node plain = node::scalar(def);
    if (kind_of(plain) == scalar_kind::null) return node::null_value();
    return node::scalar(python_str(plain), scalar_style::quoted);  // oc.env returns str(default)
  }

  node reference(const std::string& key, const std::vector<std::string>& path, const node& at) {
    if (key.empty()) fail(path, at, "empty interpolation '${}'");
    // Relative keys: each leading dot goes one level up from the node's container.
    std::vector<std::string> target;
    std::string rest = key;
    if (key[0] == '.') {
      std::size_t dots = key.find_first_not_of('.');
      if (dots == std::string::npos) dots = key.size();
      target.assign(path.begin(), path.end() - 1);  // the containing node
      for (std::size_t i = 1; i < dots; ++i) {
        if (target.empty()) fail(path, at, "'${" + key + "}' goes above the root of the config");
        target.pop_back();
      }
      rest = key.substr(dots);
    }
    // a[0] is the same as a.0
    std::string norm;
    for (char c : rest) {
      if (c == '[') norm += '.';
      else if (c != ']') norm += c;
    }
    if (!norm.empty())
      for (auto& part : split_key_path(norm)) {
        if (part.empty()) fail(path, at, "malformed interpolation key '${" + key + "}'");
        target.push_back(part);
      }
    // In a composition the app config has no `hydra` key (as in Hydra): only ${hydra:...} and the
    // hydra block itself read it.
    if (hydra_at_root_ && !target.empty() && target[0] == "hydra" && hydra_access_ == 0 && (path.empty() || path[0] != "hydra"))
      fail(path, at, "interpolation key '" + key + "' not found (the hydra block is read with ${hydra:" +
                         (key.size() > 6 ? key.substr(6) : std::string("...")) + "})");
    // Walk the original tree; resolve interpolations met on the way (a.b where a = ${c}).
    const node* cur = &root_;
    node hold;
    std::vector<std::string> walked;
    for (const auto& part : target) {
      if (cur->is_scalar() && has_interpolation(cur->text)) {
        hold = resolve_value(*cur, walked);
        cur = &hold;
      }
      const node* next = nullptr;
      std::size_t idx = 0;
      if (cur->is_mapping()) next = cur->find(part);
      else if (cur->is_sequence() && detail::parse_index(part, idx) && idx < cur->items.size()) next = &cur->items[idx];
      if (!next) {
        std::string msg = "interpolation key '" + key + "' not found";
        if (cur->is_mapping()) {
          std::string near = closest_key(part, keys_of(*cur));
          if (!near.empty()) msg += " (did you mean '" + near + "' at '" + join(walked) + "'?)";
        }
        if (!in_progress_.empty()) {
          msg += "; while resolving ";
          for (std::size_t i = 0; i < in_progress_.size(); ++i) msg += (i ? " -> " : "") + in_progress_[i];
        }
        fail(path, at, msg);
      }
      walked.push_back(part);
      if (next == cur) break;
      // copy out when `cur` points into `hold`, which the next iteration may overwrite
      if (cur == &hold) {
        node tmp = *next;
        hold = std::move(tmp);
        cur = &hold;
      } else {
        cur = next;
      }
    }
    if (is_missing_value(*cur))
      fail(path, at, "interpolation '${" + key + "}' refers to '" + join(walked) + "', which is missing (" + std::string(3, '?') + ") and must be set");
    if (cur->is_scalar() && has_interpolation(cur->text)) return resolve_value(*cur, walked);
    if (cur->is_mapping() || cur->is_sequence()) {
      node resolved = resolve_subtree(*cur, walked);
      last_container_ = *cur;  // after: resolving the inside may reference other containers
      return resolved;
    }
    return *cur;
  }
};
}  // namespace detail

VITALS_INLINE node resolve_interpolations(const node& root) { return detail::interpolation_resolver(root).run(); }

VITALS_INLINE void register_resolver(const std::string& name, resolver_function fn, bool replace) {
  bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
  if (!ok) throw std::invalid_argument("resolver name '" + name + "': use letters, digits, '_' and '.'");
  if (detail::builtin_resolver(name)) throw std::invalid_argument("resolver '" + name + "' is built in and cannot be replaced");
  detail::resolver_registry& r = detail::resolver_registry::instance();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!replace && r.functions.count(name)) throw std::invalid_argument("resolver '" + name + "' is already registered (pass replace = true)");
  r.functions[name] = std::make_shared<const resolver_function>(std::move(fn));
}

VITALS_INLINE bool unregister_resolver(const std::string& name) {
  detail::resolver_registry& r = detail::resolver_registry::instance();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.functions.erase(name) > 0;
}
}  // namespace vitals::config
