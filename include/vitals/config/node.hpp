// The value tree: an untyped, composed config (mapping / sequence / scalar / null) in which every
// node remembers where it came from. Every reader (JSON, YAML, overrides) produces it; composition
// merges it; conversion to a user's struct consumes it.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitals::inline VITALS_ABI::config {
/// Where a value was written: a file position (1-based line and column) or an override.
struct source_location {
  std::string file;    // "experiments/001/config.yaml", "--config a.json", or empty
  int line = 0;        // 1-based; 0 = unknown
  int column = 0;      // 1-based; 0 = unknown
  std::string origin;  // for values from the command line: "override 'optim.lr=abc'"

  /// A position in a file (line and column 1-based; 0 = unknown).
  static source_location in_file(std::string file, int line = 0, int column = 0) {
    source_location loc;
    loc.file = std::move(file);
    loc.line = line;
    loc.column = column;
    return loc;
  }
  /// A value given on the command line: "override 'optim.lr=abc'".
  static source_location from_origin(std::string origin) {
    source_location loc;
    loc.origin = std::move(origin);
    return loc;
  }

  /// "file:line:col", "override 'a=b'", or "<unknown>".
  VITALS_INLINE std::string str() const;
};

enum class node_kind { null, scalar, sequence, mapping };

/// How a scalar was written, so typing can follow YAML 1.2 (a quoted "1" stays a string).
enum class scalar_style { plain, quoted };

class node {
 public:
  node_kind kind = node_kind::null;
  std::string text;                                  // scalar: the text as written (unquoted)
  scalar_style style = scalar_style::plain;          // scalar: plain or quoted
  std::vector<node> items;                           // sequence
  std::vector<std::pair<std::string, node>> entries; // mapping, in source order
  source_location where;
  source_location key_where;  // an entry of a mapping: where its key was written (unknown-key errors)

  // Declared here, defaulted after the class: clang with libstdc++ rejects the implicit ones,
  // because std::pair<std::string, node> is instantiated while node is still incomplete.
  VITALS_INLINE node();
  VITALS_INLINE node(const node&);
  VITALS_INLINE node(node&&) noexcept;
  VITALS_INLINE node& operator=(const node&);
  VITALS_INLINE node& operator=(node&&) noexcept;
  VITALS_INLINE ~node();

  VITALS_INLINE static node null_value(source_location loc = {});
  VITALS_INLINE static node scalar(std::string text, scalar_style style = scalar_style::plain, source_location loc = {});
  VITALS_INLINE static node sequence(source_location loc = {});
  VITALS_INLINE static node mapping(source_location loc = {});

  bool is_null() const { return kind == node_kind::null; }
  bool is_scalar() const { return kind == node_kind::scalar; }
  bool is_sequence() const { return kind == node_kind::sequence; }
  bool is_mapping() const { return kind == node_kind::mapping; }

  /// Mapping lookup; nullptr when absent (or when this is not a mapping).
  const node* find(std::string_view key) const {
    for (const auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }
  node* find(std::string_view key) {
    for (auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }

  /// Mapping insert-or-assign, keeping the first position of an existing key.
  node& set(std::string key, node value) {
    if (node* existing = find(key)) return *existing = std::move(value);
    entries.emplace_back(std::move(key), std::move(value));
    return entries.back().second;
  }

  bool erase(std::string_view key) {
    for (auto it = entries.begin(); it != entries.end(); ++it)
      if (it->first == key) {
        entries.erase(it);
        return true;
      }
    return false;
  }

 private:
  static node with_kind(node_kind k, source_location loc) {
    node n;
    n.kind = k;
    n.where = std::move(loc);
    return n;
  }
};

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/node.ipp"
#endif
