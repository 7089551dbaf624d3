// Bodies of vitals/config/compose/merge.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/merge.hpp"

#include <cstddef>
#include <utility>

#include "vitals/config/detail/suggest.hpp"
#include "vitals/config/error.hpp"

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE bool is_missing_value(const node& n) { return n.is_scalar() && n.text == "???"; }

VITALS_INLINE void merge_nodes(node& dest, const node& src) {
  if (is_missing_value(src)) return;
  if (!(dest.is_mapping() && src.is_mapping())) {
    dest = src;
    return;
  }
  for (const auto& [key, value] : src.entries) {
    if (node* existing = dest.find(key)) merge_nodes(*existing, value);
    else dest.entries.emplace_back(key, value);
  }
}

VITALS_INLINE node embed_in_package(node content, std::string_view package) {
  if (package.empty()) return content;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = package.find('.', start);
    parts.emplace_back(package.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  node out = std::move(content);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    node wrap = node::mapping(out.where);
    wrap.entries.emplace_back(*it, std::move(out));
    out = std::move(wrap);
  }
  return out;
}

VITALS_INLINE std::string closest_key(std::string_view key, const std::vector<std::string>& candidates) {
  return detail::closest_match(key, candidates).value_or("");
}

VITALS_INLINE std::vector<std::string> keys_of(const node& n) {
  std::vector<std::string> out;
  for (const auto& e : n.entries) out.push_back(e.first);
  return out;
}

VITALS_INLINE std::vector<std::string> split_key_path(std::string_view key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

namespace detail {

VITALS_INLINE bool parse_index(std::string_view s, std::size_t& out) {
  if (s.empty()) return false;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}
}  // namespace detail

VITALS_INLINE node* find_path(node& root, std::string_view key) {
  node* cur = &root;
  for (const auto& part : split_key_path(key)) {
    std::size_t idx = 0;
    if (cur->is_mapping()) cur = cur->find(part);
    else if (cur->is_sequence() && detail::parse_index(part, idx) && idx < cur->items.size()) cur = &cur->items[idx];
    else return nullptr;
    if (!cur) return nullptr;
  }
  return cur;
}

VITALS_INLINE const node* find_path(const node& root, std::string_view key) { return find_path(const_cast<node&>(root), key); }

VITALS_INLINE void merge_closed(node& dest, const node& src, const std::string& path, const source_location& where,
                         std::string_view hint_line) {
  if (!(dest.is_mapping() && src.is_mapping())) {
    merge_nodes(dest, src);
    return;
  }
  for (const auto& [key, value] : src.entries) {
    node* existing = dest.find(key);
    std::string sub = path.empty() ? key : path + "." + key;
    if (!existing) {
      std::string msg = "Could not override '" + sub + "': key '" + key + "' is not in the config";
      std::string near = closest_key(key, keys_of(dest));
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      if (!hint_line.empty()) msg += std::string(msg.back() == '?' ? " " : ". ") + "To add keys, use +" + std::string(hint_line);
      throw config_error(problem{sub, msg, where});
    }
    merge_closed(*existing, value, sub, where, hint_line);
  }
}

VITALS_INLINE void update_path(node& root, std::string_view key, const node& value, bool force_add, const source_location& where,
                        std::string_view hint_line) {
  std::vector<std::string> parts = split_key_path(key);
  node* cur = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    node* next = nullptr;
    std::size_t idx = 0;
    if (cur->is_sequence()) {
      if (!detail::parse_index(part, idx) || idx >= cur->items.size())
        throw config_error(problem{std::string(key),
                                   "index '" + part + "' is out of range for the list at '" + walked + "' (it has " +
                                       std::to_string(cur->items.size()) + " items)",
                                   where});
      next = &cur->items[idx];
    } else {
      if (!cur->is_mapping()) {
        if (!force_add)
          throw config_error(problem{std::string(key), "'" + walked + "' is not a mapping, it has no key '" + part + "'", where});
        *cur = node::mapping(where);
      }
      next = cur->find(part);
      if (!next) {
        if (!force_add) {
          std::string msg = "Could not override '" + std::string(key) + "': key '" + part + "' is not in the config";
          if (!walked.empty()) msg += " (at '" + walked + "')";
          std::string near = closest_key(part, keys_of(*cur));
          if (!near.empty()) msg += "; did you mean '" + (walked.empty() ? near : walked + "." + near) + "'?";
          if (!hint_line.empty()) msg += std::string(msg.back() == '?' ? " " : ". ") + "To add it, use +" + std::string(hint_line);
          throw config_error(problem{std::string(key), msg, where});
        }
        next = &cur->set(part, last ? node::null_value(where) : node::mapping(where));
      }
    }
    walked = walked.empty() ? part : walked + "." + part;
    if (!last && !next->is_mapping() && !next->is_sequence()) {
      if (!force_add)
        throw config_error(problem{std::string(key), "'" + walked + "' is not a mapping, it has no key '" + parts[i + 1] + "'", where});
      *next = node::mapping(where);
    }
    cur = next;
  }
  if ((value.is_mapping() || value.is_sequence()) && (cur->is_mapping() || cur->is_sequence())) {
    if (value.is_mapping() != cur->is_mapping())
      throw config_error(problem{std::string(key),
                                 std::string("cannot merge a ") + (value.is_mapping() ? "mapping" : "list") + " into the " +
                                     (cur->is_mapping() ? "mapping" : "list") + " at '" + std::string(key) + "'",
                                 where});
    if (force_add) merge_nodes(*cur, value);
    else merge_closed(*cur, value, std::string(key), where, hint_line);
    return;
  }
  *cur = value;
}

VITALS_INLINE bool erase_path(node& root, std::string_view key) {
  std::vector<std::string> parts = split_key_path(key);
  std::string parent_key;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) parent_key += (i ? "." : "") + parts[i];
  node* parent = parts.size() == 1 ? &root : find_path(root, parent_key);
  if (!parent) return false;
  std::size_t idx = 0;
  if (parent->is_sequence() && detail::parse_index(parts.back(), idx) && idx < parent->items.size()) {
    parent->items.erase(parent->items.begin() + static_cast<std::ptrdiff_t>(idx));
    return true;
  }
  return parent->erase(parts.back());
}
}  // namespace vitals::config
