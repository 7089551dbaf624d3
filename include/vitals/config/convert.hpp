// Value tree <-> C++ config types, with no macros and no registration: aggregates are walked with
// PFR, so a config is a plain struct whose default member initializers are its defaults.
//
//   node to_node(const T&)                        the value as a tree (what the writers print)
//   T from_node(const node&)                      T{} with the tree merged in; throws config_error
//                                                 listing every problem, never returns a partial T
//   merge_into(T&, const node&, problems, path)   the merge step on its own (composition layers)
//   check_required(const T&, const node&, problems)  unset vitals::required fields
//
// Supported: bool, integers (range-checked), floating point, std::string, enums (by name),
// std::vector, std::array, std::map / std::unordered_map with string keys, std::optional (null),
// std::variant (structs chosen by a `_type_` key, scalars by the kind of value), vitals::required,
// and nested aggregates. Lists replace what was there; mappings and structs merge into it.
// Typing follows scalar.hpp: quoted scalars are strings, `on` is a bool only for a bool field,
// ints convert to floats, floats to ints only when exact, `???` is a missing value.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "vitals/config/detail/reader_support.hpp"
#include "vitals/config/detail/suggest.hpp"
#include "vitals/config/detail/type_traits.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/required.hpp"
#include "vitals/config/scalar.hpp"
#include "vitals/config/type_label.hpp"
#include "vitals/reflect.hpp"

// The scalar types whose readers, writers and type labels are compiled once, in the library
// (convert.ipp instantiates them for VITALS_IMPLEMENTATION; compiled users see them extern).
#define VITALS_CONFIG_SCALAR_TYPES(X)                                                                      \
  X(char) X(signed char) X(unsigned char) X(short) X(unsigned short) X(int) X(unsigned) X(long)            \
  X(unsigned long) X(long long) X(unsigned long long) X(float) X(double) X(long double) X(bool)           \
  X(std::string)

namespace vitals::inline VITALS_ABI::config {
namespace detail {

/// The problems found so far and the key path of the value being read.
/// With `more` set, problems past limits().max_errors are only counted there (so a document of a
/// million unknown keys costs neither a million messages nor their memory).
struct read_state {
  std::vector<problem>& problems;
  std::string path;
  std::size_t* more = nullptr;

  bool full() const { return more && problems.size() >= limits().max_errors; }
  VITALS_INLINE void add(const node& n, std::string message);
  VITALS_INLINE void add_at(const source_location& where, std::string message);
};

/// Appends a key or index to the path for one scope.
class path_scope {
 public:
  VITALS_INLINE path_scope(std::string& path, std::string_view key);
  VITALS_INLINE path_scope(std::string& path, std::size_t index);
  VITALS_INLINE ~path_scope();
  path_scope(const path_scope&) = delete;
  path_scope& operator=(const path_scope&) = delete;

 private:
  std::string& path_;
  std::size_t size_;
};

/// What a node is, for "got ..." in messages.
VITALS_INLINE std::string describe(const node& n);

inline bool is_missing(const node& n) { return n.is_scalar() && n.text == missing_text; }

/// Adds "expected <label>, got ...".
VITALS_INLINE void add_mismatch(const node& n, read_state& s, const std::string& label);

template <class T>
void mismatch(const node& n, read_state& s) {
  add_mismatch(n, s, type_label<T>());
}

template <class I>
std::string int_range_text() {
  return std::to_string(+std::numeric_limits<I>::min()) + " to " + std::to_string(+std::numeric_limits<I>::max());
}

template <class T> void read(const node& n, T& out, read_state& s);
template <class T> node write(const T& v);

// --- scalars ---------------------------------------------------------------------------------

VITALS_INLINE void read_bool(const node& n, bool& out, read_state& s);

template <class I>
void read_integer(const node& n, I& out, read_state& s) {
  if (!n.is_scalar() || n.style != scalar_style::plain) return mismatch<I>(n, s);
  if (auto i = parse_core_int(n.text)) {
    if (auto v = i->template to<I>()) out = *v;
    else s.add(n, n.text + " is out of range for " + type_label<I>() + " (" + int_range_text<I>() + ")");
    return;
  }
  auto f = parse_core_float(n.text);
  if (!f) return mismatch<I>(n, s);
  if (!std::isfinite(f->value) || std::trunc(f->value) != f->value)
    return s.add(n, "expected " + type_label<I>() + ", got " + describe(n) + " (not a whole number)");
  // [min, 2^digits) is exact in double for every integer type.
  const double lo = static_cast<double>(std::numeric_limits<I>::min());
  const double hi = std::ldexp(1.0, std::numeric_limits<I>::digits);
  if (f->value < lo || f->value >= hi)
    return s.add(n, n.text + " is out of range for " + type_label<I>() + " (" + int_range_text<I>() + ")");
  out = static_cast<I>(f->value);
}

template <class F>
void read_floating(const node& n, F& out, read_state& s) {
  if (!n.is_scalar()) return mismatch<F>(n, s);
  if (n.style == scalar_style::quoted) {
    // JSON's only spelling of non-finite values (see json_writer.hpp).
    if (auto v = parse_json_nonfinite(n.text)) {
      out = static_cast<F>(*v);
      return;
    }
    return mismatch<F>(n, s);
  }
  auto f = parse_core_float<F>(n.text);
  if (!f) return mismatch<F>(n, s);
  if (f->out_of_range) return s.add(n, n.text + " is out of range for " + type_label<F>());
  out = f->value;
}

VITALS_INLINE void read_string(const node& n, std::string& out, read_state& s);

template <class E>
std::vector<std::string_view> enum_name_list() {
  std::vector<std::string_view> names;
  for (const auto& entry : vitals::enum_entries<E>()) names.push_back(entry.second);
  return names;
}

template <class E>
void read_enum(const node& n, E& out, read_state& s) {
  if (!n.is_scalar()) return mismatch<E>(n, s);
  if (auto v = vitals::enum_from_string<E>(n.text)) {
    out = *v;
    return;
  }
  auto names = enum_name_list<E>();
  s.add(n, "unknown " + type_label<E>() + " '" + n.text + "'" + did_you_mean(n.text, names) + " (one of: " +
               join_names(names) + ")");
}

// --- containers ------------------------------------------------------------------------------

template <class V>
void read_vector(const node& n, V& out, read_state& s) {
  if (!n.is_sequence()) return mismatch<V>(n, s);
  V fresh;
  fresh.reserve(n.items.size());
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    path_scope scope(s.path, i);
    typename V::value_type item{};
    read(n.items[i], item, s);
    fresh.push_back(std::move(item));
  }
  out = std::move(fresh);
}

template <class A>
void read_array(const node& n, A& out, read_state& s) {
  constexpr std::size_t N = std::tuple_size_v<A>;
  if (!n.is_sequence()) return mismatch<A>(n, s);
  if (n.items.size() != N)
    return s.add(n, "expected a list of " + std::to_string(N) + " items, got " + std::to_string(n.items.size()));
  for (std::size_t i = 0; i < N; ++i) {
    path_scope scope(s.path, i);
    typename A::value_type item{};
    read(n.items[i], item, s);
    out[i] = std::move(item);
  }
}

template <class M>
void read_map(const node& n, M& out, read_state& s) {
  if (!n.is_mapping()) return mismatch<M>(n, s);
  for (const auto& [key, value] : n.entries) {
    path_scope scope(s.path, key);
    read(value, out[key], s);
  }
}

// --- structs ---------------------------------------------------------------------------------

// Calls f(field) for the field at run-time index i.
template <class T, class F, std::size_t... I>
void visit_field(T& obj, std::size_t i, F&& f, std::index_sequence<I...>) {
  ((i == I ? (f(vitals::get_field<I>(obj)), 0) : 0), ...);
}

template <class T>
std::size_t field_index(std::string_view key) {
  const auto& names = vitals::field_names<T>;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == key) return i;
  return names.size();
}

inline constexpr std::string_view variant_tag_key = "_type_";

/// read_struct's problems: not a mapping; an unknown key (`names`: the struct's fields; `label`
/// gives the struct's type label, called only when needed).
VITALS_INLINE void add_not_a_mapping(const node& n, read_state& s, std::string (*label)());
VITALS_INLINE void add_unknown_key(const std::string& key, const node& value, read_state& s,
                                   std::span<const std::string_view> names, std::string (*label)());

template <class T>
void read_struct(const node& n, T& out, read_state& s, bool skip_tag = false) {
  if (!n.is_mapping()) return add_not_a_mapping(n, s, &type_label<T>);
  for (const auto& entry : n.entries) {
    const std::string& key = entry.first;
    const node& value = entry.second;  // not a structured binding: clang 14 cannot capture those
    if (skip_tag && key == variant_tag_key) continue;
    path_scope scope(s.path, key);
    std::size_t i = field_index<T>(key);
    if (i == vitals::field_count<T>) {
      add_unknown_key(key, value, s, vitals::field_names<T>, &type_label<T>);
      continue;
    }
    visit_field(out, i, [&](auto& field) { read(value, field, s); },
                std::make_index_sequence<vitals::field_count<T>>{});
  }
}

// --- variants --------------------------------------------------------------------------------

// How well a scalar/null node fits alternative A (0 = not at all); the best fit wins, ties go to
// the first alternative. Mappings and lists are matched by shape instead.
template <class A>
int scalar_fit(const node& n) {
  if constexpr (std::is_same_v<A, std::monostate>) {
    return n.is_null() ? 3 : 0;
  } else if constexpr (is_optional<A>::value) {
    return n.is_null() ? 2 : scalar_fit<typename A::value_type>(n);
  } else {
    if (!n.is_scalar()) return 0;
    const bool plain = n.style == scalar_style::plain;
    if constexpr (std::is_same_v<A, bool>) {
      return plain && parse_core_bool(n.text) ? 3 : plain && parse_bool_word(n.text) ? 1 : 0;
    } else if constexpr (is_integer_v<A>) {
      auto i = plain ? parse_core_int(n.text) : std::nullopt;
      return i && i->template to<A>() ? 3 : 0;
    } else if constexpr (std::is_floating_point_v<A>) {
      if (!plain) return parse_json_nonfinite(n.text) ? 2 : 0;
      auto f = parse_core_float<A>(n.text);
      return f && !f->out_of_range ? 2 : 0;
    } else if constexpr (std::is_same_v<A, std::string>) {
      return !plain ? 3 : resolve_plain(n.text) == plain_kind::string ? 2 : 1;
    } else if constexpr (std::is_enum_v<A>) {
      return vitals::enum_from_string<A>(n.text) ? (plain ? 4 : 2) : 0;
    } else {
      return 0;
    }
  }
}

template <class A>
constexpr bool is_list_like_v = is_vector<A>::value || is_std_array<A>::value;

template <class V, std::size_t I = 0>
void emplace_and_read(const node& n, V& out, std::size_t index, read_state& s, bool skip_tag) {
  if constexpr (I < std::variant_size_v<V>) {
    if (I != index) return emplace_and_read<V, I + 1>(n, out, index, s, skip_tag);
    using A = std::variant_alternative_t<I, V>;
    if (out.index() != I) out.template emplace<I>();
    if constexpr (is_config_struct_v<A>) read_struct(n, std::get<I>(out), s, skip_tag);
    else if constexpr (!std::is_same_v<A, std::monostate>) read(n, std::get<I>(out), s);
  }
}

template <class V>
void read_variant(const node& n, V& out, read_state& s) {
  constexpr std::size_t count = std::variant_size_v<V>;
  std::size_t chosen = count;
  bool skip_tag = false;
  auto each = [&]<std::size_t... I>(std::index_sequence<I...>, auto&& f) { (f.template operator()<I>(), ...); };
  if (n.is_mapping()) {
    std::vector<std::string_view> tags;
    each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
      using A = std::variant_alternative_t<I, V>;
      if constexpr (is_config_struct_v<A>) tags.push_back(struct_tag<A>());
    });
    if (const node* tag = n.find(variant_tag_key)) {
      skip_tag = true;
      if (!tag->is_scalar()) {
        path_scope scope(s.path, variant_tag_key);
        return s.add(*tag, "expected the name of one of " + join_names(tags) + ", got " + describe(*tag));
      }
      each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
        using A = std::variant_alternative_t<I, V>;
        if constexpr (is_config_struct_v<A>)
          if (chosen == count && struct_tag<A>() == tag->text) chosen = I;
      });
      if (chosen == count) {
        path_scope scope(s.path, variant_tag_key);
        return s.add(*tag, "unknown _type_ '" + tag->text + "'" + did_you_mean(tag->text, tags) + " (one of: " +
                               join_names(tags) + ")");
      }
    } else {
      // No _type_: keep the struct alternative already there (overriding some of its fields), or
      // take a map alternative.
      each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
        using A = std::variant_alternative_t<I, V>;
        if constexpr (is_config_struct_v<A>)
          if (chosen == count && out.index() == I) chosen = I;
      });
      each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
        using A = std::variant_alternative_t<I, V>;
        if constexpr (is_string_map<A>::value)
          if (chosen == count) chosen = I;
      });
      if (chosen == count) {
        if (tags.empty()) return mismatch<V>(n, s);
        return s.add(n, "a mapping for " + type_label<V>() + " needs a '_type_' key naming one of: " +
                            join_names(tags));
      }
    }
  } else if (n.is_sequence()) {
    each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
      if (chosen == count && is_list_like_v<std::variant_alternative_t<I, V>>) chosen = I;
    });
  } else {
    int best = 0;
    each(std::make_index_sequence<count>{}, [&]<std::size_t I>() {
      int fit = scalar_fit<std::variant_alternative_t<I, V>>(n);
      if (fit > best) best = fit, chosen = I;
    });
  }
  if (chosen == count) return mismatch<V>(n, s);
  emplace_and_read(n, out, chosen, s, skip_tag);
}

// --- dispatch --------------------------------------------------------------------------------

template <class T>
void read(const node& n, T& out, read_state& s) {
  if constexpr (is_required<T>::value) {
    if (is_missing(n)) out.reset();
    else read(n, out.emplace_or_get(), s);
  } else {
    if (is_missing(n)) return s.add(n, "missing value ('" + std::string(missing_text) + "') for a field that is not vitals::required");
    if constexpr (std::is_same_v<T, bool>) read_bool(n, out, s);
    else if constexpr (is_integer_v<T>) read_integer(n, out, s);
    else if constexpr (std::is_floating_point_v<T>) read_floating(n, out, s);
    else if constexpr (std::is_same_v<T, std::string>) read_string(n, out, s);
    else if constexpr (std::is_enum_v<T>) read_enum(n, out, s);
    else if constexpr (is_optional<T>::value) {
      if (n.is_null()) out.reset();
      else read(n, out ? *out : out.emplace(), s);
    } else if constexpr (is_vector<T>::value) read_vector(n, out, s);
    else if constexpr (is_std_array<T>::value) read_array(n, out, s);
    else if constexpr (is_string_map<T>::value) read_map(n, out, s);
    else if constexpr (is_variant<T>::value) read_variant(n, out, s);
    else if constexpr (is_config_struct_v<T>) read_struct(n, out, s);
    else {
      static_assert(!user_struct<T> || vitals::require_reflectable<T>());  // says why a struct is not one, and the fix
      static_assert(sizeof(T) == 0, "vitals::config: this field type is not supported");
    }
  }
}

// --- required fields -------------------------------------------------------------------------

// Whether T can hold a vitals::required anywhere (so the check skips plain data quickly).
template <class T>
constexpr bool may_hold_required() {
  if constexpr (is_required<T>::value) return true;
  else if constexpr (is_optional<T>::value || is_vector<T>::value || is_std_array<T>::value)
    return may_hold_required<typename T::value_type>();
  else if constexpr (is_string_map<T>::value) return may_hold_required<typename T::mapped_type>();
  else if constexpr (is_variant<T>::value)
    return []<class... A>(std::variant<A...>*) { return (may_hold_required<A>() || ...); }(static_cast<T*>(nullptr));
  else if constexpr (is_config_struct_v<T>)
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (may_hold_required<vitals::field_type_t<I, T>>() || ...);
    }(std::make_index_sequence<vitals::field_count<T>>{});
  else return false;
}

/// check_required_in's problem: an unset vitals::required (`label` gives its value type's label).
VITALS_INLINE void add_missing_required(read_state& s, std::string (*label)(), const source_location& where);

// n: the node the value was read from (null when absent); near: where to point when it is absent.
template <class T>
void check_required_in(const T& v, const node* n, const source_location& near, read_state& s) {
  if constexpr (!may_hold_required<T>()) {
    return;
  } else if constexpr (is_required<T>::value) {
    if (!v.has_value()) {
      add_missing_required(s, &type_label<typename T::value_type>, n ? n->where : near);
    } else {
      check_required_in(v.value(), n, near, s);
    }
  } else if constexpr (is_optional<T>::value) {
    if (v) check_required_in(*v, n, near, s);
  } else if constexpr (is_vector<T>::value || is_std_array<T>::value) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      path_scope scope(s.path, i);
      const node* child = n && n->is_sequence() && i < n->items.size() ? &n->items[i] : nullptr;
      check_required_in(v[i], child, n ? n->where : near, s);
    }
  } else if constexpr (is_string_map<T>::value) {
    for (const auto& [key, value] : v) {
      path_scope scope(s.path, key);
      check_required_in(value, n && n->is_mapping() ? n->find(key) : nullptr, n ? n->where : near, s);
    }
  } else if constexpr (is_variant<T>::value) {
    std::visit([&](const auto& alt) { check_required_in(alt, n, near, s); }, v);
  } else if constexpr (is_config_struct_v<T>) {
    vitals::for_each_field(v, [&](std::string_view name, const auto& field) {
      path_scope scope(s.path, name);
      check_required_in(field, n && n->is_mapping() ? n->find(name) : nullptr, n ? n->where : near, s);
    });
  }
}

// --- writing ---------------------------------------------------------------------------------

/// A mapping with room for `fields` entries; appends one entry.
VITALS_INLINE node mapping_with(std::size_t fields);
VITALS_INLINE void add_entry(node& map, std::string_view key, node value);

template <class T>
node write_struct(const T& v) {
  node out = mapping_with(vitals::field_count<T>);
  vitals::for_each_field(v, [&](std::string_view name, const auto& field) { add_entry(out, name, write(field)); });
  return out;
}

template <class T>
node write(const T& v) {
  if constexpr (is_required<T>::value) {
    return v.has_value() ? write(v.value()) : node::scalar(std::string(missing_text));
  } else if constexpr (std::is_same_v<T, bool>) {
    return node::scalar(v ? "true" : "false");
  } else if constexpr (is_integer_v<T>) {
    return node::scalar(std::to_string(+v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return node::scalar(format_float(v));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return node::scalar(v, scalar_style::quoted);
  } else if constexpr (std::is_enum_v<T>) {
    std::string_view name = vitals::enum_to_string(v);
    if (name.empty())
      throw config_error(problem{"", "value " + std::to_string(+static_cast<std::underlying_type_t<T>>(v)) + " of " +
                                         type_label<T>() + " has no enumerator name",
                                 {}});
    return node::scalar(std::string(name), scalar_style::quoted);
  } else if constexpr (is_optional<T>::value) {
    return v ? write(*v) : node::null_value();
  } else if constexpr (is_vector<T>::value || is_std_array<T>::value) {
    node out = node::sequence();
    out.items.reserve(v.size());
    for (const auto& item : v) out.items.push_back(write(static_cast<const typename T::value_type&>(item)));
    return out;
  } else if constexpr (is_string_map<T>::value) {
    // Sorted, so unordered maps are written the same way every time.
    std::vector<const typename T::value_type*> sorted;
    sorted.reserve(v.size());
    for (const auto& entry : v) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    node out = node::mapping();
    out.entries.reserve(v.size());
    for (auto* entry : sorted) out.entries.emplace_back(entry->first, write(entry->second));
    return out;
  } else if constexpr (is_variant<T>::value) {
    return std::visit(
        [](const auto& alt) -> node {
          using A = std::decay_t<decltype(alt)>;
          if constexpr (std::is_same_v<A, std::monostate>) {
            return node::null_value();
          } else if constexpr (is_config_struct_v<A>) {
            node out = write_struct(alt);
            out.entries.insert(out.entries.begin(), {std::string(variant_tag_key),
                                                     node::scalar(std::string(struct_tag<A>()), scalar_style::quoted)});
            return out;
          } else {
            return write(alt);
          }
        },
        v);
  } else if constexpr (is_config_struct_v<T>) {
    return write_struct(v);
  } else {
    static_assert(!user_struct<T> || vitals::require_reflectable<T>());  // says why a struct is not one, and the fix
    static_assert(sizeof(T) == 0, "vitals::config: this field type is not supported");
  }
}

}  // namespace detail
#if !VITALS_HEADER_BODIES
#define VITALS_EXTERN_TYPE_LABEL(T) extern template std::string type_label<T>();
VITALS_CONFIG_SCALAR_TYPES(VITALS_EXTERN_TYPE_LABEL)
#undef VITALS_EXTERN_TYPE_LABEL
#endif
namespace detail {

#if !VITALS_HEADER_BODIES
// The scalar types' readers and writers are compiled once, in the library (convert.ipp).
#define VITALS_EXTERN_READ_WRITE(T)                               \
  extern template void read<T>(const node&, T&, read_state&); \
  extern template node write<T>(const T&);
VITALS_CONFIG_SCALAR_TYPES(VITALS_EXTERN_READ_WRITE)
#undef VITALS_EXTERN_READ_WRITE
#endif

}  // namespace detail

/// The value as a tree: structs and maps become mappings, lists sequences, strings and enum names
/// quoted scalars, numbers and bools plain scalars, nullopt null, an unset required `???`.
template <class T>
node to_node(const T& value) {
  return detail::write(value);
}

/// Merges the tree into `value`: fields present in the tree are set, others keep their values;
/// lists replace, mappings merge. Every problem is appended to `problems` (paths start at `path`);
/// when any is added, `value` may be partly updated. Does not check required fields.
template <class T>
void merge_into(T& value, const node& tree, std::vector<problem>& problems, std::string path = "") {
  detail::read_state s{problems, std::move(path)};
  detail::read(tree, value, s);
}

/// The same, keeping at most limits().max_errors problems and counting the rest in `more` (for
/// config_error(problems, more)).
template <class T>
void merge_into(T& value, const node& tree, std::vector<problem>& problems, std::size_t& more, std::string path = "") {
  detail::read_state s{problems, std::move(path), &more};
  detail::read(tree, value, s);
}

/// Appends a problem for every vitals::required field of `value` that is unset, pointing at its
/// `???` in `tree` when there is one, else at the nearest enclosing mapping.
template <class T>
void check_required(const T& value, const node& tree, std::vector<problem>& problems, std::string path = "") {
  detail::read_state s{problems, std::move(path)};
  detail::check_required_in(value, &tree, tree.where, s);
}

/// T{} with the tree merged in, all required fields set. An empty document (null) leaves a
/// struct's defaults. Throws config_error listing every problem (up to limits().max_errors, then
/// how many more).
template <class T>
T from_node(const node& tree) {
  T value{};
  std::vector<problem> problems;
  std::size_t more = 0;
  if (!(detail::is_config_struct_v<T> && tree.is_null())) merge_into(value, tree, problems, more);
  check_required(value, tree, problems);
  if (!problems.empty()) throw config_error(std::move(problems), more);
  return value;
}

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/convert.ipp"
#endif
