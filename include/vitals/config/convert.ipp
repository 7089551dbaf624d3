// Bodies of vitals/config/convert.hpp (see vitals/version.hpp): the parts that do not depend on the
// config's type, and the scalar types' readers and writers.
#pragma once

#include "vitals/config/convert.hpp"

namespace vitals::inline VITALS_ABI::config::detail {

VITALS_INLINE void read_state::add(const node& n, std::string message) { add_at(n.where, std::move(message)); }
VITALS_INLINE void read_state::add_at(const source_location& where, std::string message) {
  if (full()) ++*more;
  else problems.push_back({path, std::move(message), where});
}

VITALS_INLINE std::string describe(const node& n) {
  switch (n.kind) {
    case node_kind::null: return "null";
    case node_kind::mapping: return "a mapping";
    case node_kind::sequence: return "a list";
    case node_kind::scalar: break;
  }
  std::string text = n.text.size() > 60 ? n.text.substr(0, 57) + "..." : n.text;
  return (n.style == scalar_style::quoted ? "string '" : "'") + text + "'";
}

VITALS_INLINE void read_bool(const node& n, bool& out, read_state& s) {
  if (n.is_scalar() && n.style == scalar_style::plain)
    if (auto b = parse_bool_word(n.text)) {
      out = *b;
      return;
    }
  mismatch<bool>(n, s);
}

VITALS_INLINE void read_string(const node& n, std::string& out, read_state& s) {
  if (n.is_scalar()) out = n.text;
  else mismatch<std::string>(n, s);
}

VITALS_INLINE path_scope::path_scope(std::string& path, std::string_view key) : path_(path), size_(path.size()) {
  path = join_key(path, key);
}
VITALS_INLINE path_scope::path_scope(std::string& path, std::size_t index) : path_(path), size_(path.size()) {
  path = join_index(path, index);
}
VITALS_INLINE path_scope::~path_scope() { path_.resize(size_); }

VITALS_INLINE void add_mismatch(const node& n, read_state& s, const std::string& label) {
  s.add(n, "expected " + label + ", got " + describe(n));
}

VITALS_INLINE void add_not_a_mapping(const node& n, read_state& s, std::string (*label)()) {
  s.add(n, "expected a mapping (" + label() + "), got " + describe(n));
}

VITALS_INLINE void add_unknown_key(const std::string& key, const node& value, read_state& s,
                                   std::span<const std::string_view> names, std::string (*label)()) {
  if (s.full()) {
    ++*s.more;
    return;
  }
  std::string hint = did_you_mean(key, names);
  if (hint.empty()) hint = " (known keys: " + join_names(names) + ")";
  // Pointed at the key (where it was written), not at its value.
  s.add_at(value.key_where.line ? value.key_where : value.where, "unknown key '" + key + "' in " + label() + hint);
}

VITALS_INLINE node mapping_with(std::size_t fields) {
  node out = node::mapping();
  out.entries.reserve(fields);
  return out;
}

VITALS_INLINE void add_entry(node& map, std::string_view key, node value) {
  map.entries.emplace_back(std::string(key), std::move(value));
}

VITALS_INLINE void add_missing_required(read_state& s, std::string (*label)(), const source_location& where) {
  problem p{s.path, "missing required value (" + label() + ")", where};
  s.problems.push_back(std::move(p));
}

#if defined(VITALS_IMPLEMENTATION)
#define VITALS_INSTANTIATE_READ_WRITE(T)                   \
  template void read<T>(const node&, T&, read_state&); \
  template node write<T>(const T&);
VITALS_CONFIG_SCALAR_TYPES(VITALS_INSTANTIATE_READ_WRITE)
#undef VITALS_INSTANTIATE_READ_WRITE
#endif

}  // namespace vitals::config::detail

#if defined(VITALS_IMPLEMENTATION)
namespace vitals::inline VITALS_ABI::config {
#define VITALS_INSTANTIATE_TYPE_LABEL(T) template std::string type_label<T>();
VITALS_CONFIG_SCALAR_TYPES(VITALS_INSTANTIATE_TYPE_LABEL)
#undef VITALS_INSTANTIATE_TYPE_LABEL
}  // namespace vitals::config
#endif
