// type_name<T>(): a readable, compile-time name of a type, taken from the compiler's
// __PRETTY_FUNCTION__ (the same trick as the field and enum names).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string_view>

namespace vitals::inline VITALS_ABI {
namespace detail {

template <class T>
constexpr std::string_view raw_type_signature() {
  return __PRETTY_FUNCTION__;
}

// The signature of raw_type_signature<int>() tells where T's spelling starts and ends, so
// nothing here hard-codes one compiler's format.
constexpr std::string_view type_name_probe = raw_type_signature<int>();
constexpr std::size_t type_name_prefix = type_name_probe.find("int");
constexpr std::size_t type_name_suffix = type_name_probe.size() - type_name_prefix - 3;

}  // namespace detail

/// The spelled name of T as the compiler writes it, e.g. "my::Optim" (no "struct " prefix).
template <class T>
constexpr std::string_view type_name() {
  std::string_view s = detail::raw_type_signature<T>();
  s = s.substr(detail::type_name_prefix, s.size() - detail::type_name_prefix - detail::type_name_suffix);
  for (std::string_view kw : {std::string_view("struct "), std::string_view("class "), std::string_view("enum ")})
    if (s.substr(0, kw.size()) == kw) s.remove_prefix(kw.size());
  return s;
}

/// The name without namespaces or template arguments: "my::Optim" -> "Optim".
template <class T>
constexpr std::string_view short_type_name() {
  std::string_view s = type_name<T>();
  std::size_t angle = s.find('<');
  std::string_view head = s.substr(0, angle);
  std::size_t colon = head.rfind("::");
  return colon == std::string_view::npos ? s : s.substr(colon + 2);
}

}  // namespace vitals
