// Interpolation, resolved eagerly over a composed tree: `${a.b}`, relative `${.sibling}` /
// `${..uncle}`, `${oc.env:VAR}` / `${oc.env:VAR,default}`, and string interpolation
// "run_${exp.fold}" — what OmegaConf.to_container(resolve=True) gives Hydra users.
//
// A value that is exactly one `${...}` takes the referenced value with its type (an int stays an
// int, a mapping is copied); text around an interpolation makes a string, with each piece spelled
// as Python's str() would ("True", "0.0003"), so the strings match what Hydra users see. Cycles
// and dangling references are errors that show the chain of keys.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/compose_merge.hpp"
#include "vitals/config/compose_values.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::config {

namespace detail {

class interpolation_resolver {
 public:
  explicit interpolation_resolver(const node& root) : root_(root) {}

  node run() {
    std::vector<std::string> path;
    return resolve_subtree(root_, path);
  }

 private:
  const node& root_;
  std::map<std::string, node> done_;       // resolved values by key path
  std::vector<std::string> in_progress_;   // key paths being resolved (for cycles)

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
      node v = expression(p.text, path, n);
      if (v.is_mapping() || v.is_sequence())
        fail(path, n, "'${" + p.text + "}' is a " + std::string(v.is_mapping() ? "mapping" : "list") +
                          "; only scalars can be part of a string");
      out += python_str(v);
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
      fail(path, at, "unknown resolver '" + name + "' in '${" + inner_raw + "}' (vitals supports oc.env)");
    }
    return reference(trim(inner), path, at);
  }

  node env(const std::string& args, const std::vector<std::string>& path, const node& at) {
    auto comma = args.find(',');
    std::string var = trim(std::string_view(args).substr(0, comma));
    if (const char* v = std::getenv(var.c_str())) {
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
    if (cur->is_mapping() || cur->is_sequence()) return resolve_subtree(*cur, walked);
    return *cur;
  }
};

}  // namespace detail

/// A copy of `root` with every interpolation resolved. Throws config_error naming the key, the
/// offending reference and, for cycles, the chain of keys.
inline node resolve_interpolations(const node& root) { return detail::interpolation_resolver(root).run(); }

}  // namespace vitals::config
