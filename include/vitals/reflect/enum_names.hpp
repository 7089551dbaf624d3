// Enum <-> string by the enumerators' names, for scoped and unscoped enums.
//
// Names are read from __PRETTY_FUNCTION__ of a function templated on the enum value: a named
// enumerator prints as "Color::red" (or "red"), a value without a name as "(Color)5". Values are
// probed over vitals::enum_range<E> (default [-128, 384), so at least 256 enumerators from 0);
// specialise enum_range for enums outside it.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace vitals::inline VITALS_ABI {
template <class E>
struct enum_range {
  static constexpr int min = -128;
  static constexpr int max = 384;  // exclusive
};

namespace detail {

// Returns const char* rather than string_view: g++ appends "; std::string_view = ..." to the
// signature of functions whose return type is an alias.
template <auto V>
constexpr const char* raw_enum_signature() {
  return __PRETTY_FUNCTION__;
}

constexpr bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Empty when the value has no enumerator name.
template <class E, E V>
constexpr std::string_view enum_value_name() {
  std::string_view s = raw_enum_signature<V>();  // ends "...V = Color::red]"
  std::size_t end = s.size();
  while (end > 0 && !is_ident_char(s[end - 1])) --end;
  std::size_t begin = end;
  while (begin > 0 && is_ident_char(s[begin - 1])) --begin;
  std::string_view name = s.substr(begin, end - begin);
  // "(Color)5" ends in digits preceded by ')': no name. An identifier never starts with a digit.
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return {};
  return name;
}

template <class E, int... I>
constexpr auto enum_probe(std::integer_sequence<int, I...>) {
  return std::array<std::string_view, sizeof...(I)>{
      enum_value_name<E, static_cast<E>(enum_range<E>::min + I)>()...};
}

template <class E>
struct enum_table {
  static constexpr auto probed =
      enum_probe<E>(std::make_integer_sequence<int, enum_range<E>::max - enum_range<E>::min>{});
  static constexpr std::size_t count = [] {
    std::size_t n = 0;
    for (auto name : probed) n += !name.empty();
    return n;
  }();
  static constexpr auto entries = [] {
    std::array<std::pair<E, std::string_view>, count> out{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < probed.size(); ++i)
      if (!probed[i].empty()) out[k++] = {static_cast<E>(enum_range<E>::min + static_cast<int>(i)), probed[i]};
    return out;
  }();
};

}  // namespace detail

/// All (value, name) pairs of E, ordered by value.
template <class E>
  requires std::is_enum_v<E>
constexpr const auto& enum_entries() {
  return detail::enum_table<E>::entries;
}

/// Name of e, or an empty view when e has no enumerator.
template <class E>
  requires std::is_enum_v<E>
constexpr std::string_view enum_to_string(E e) {
  for (const auto& [value, name] : enum_entries<E>())
    if (value == e) return name;
  return {};
}

/// The enumerator named `name` (case-sensitive), or nullopt.
template <class E>
  requires std::is_enum_v<E>
constexpr std::optional<E> enum_from_string(std::string_view name) {
  for (const auto& [value, n] : enum_entries<E>())
    if (n == name) return value;
  return std::nullopt;
}

}  // namespace vitals
