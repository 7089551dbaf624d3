// Which config shape a C++ type has. The standard containers are aggregates or classes that PFR
// must never see, so they are recognised first; whatever aggregate is left is a struct of fields.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "vitals/config/required.hpp"
#include "vitals/reflect.hpp"

namespace vitals::inline VITALS_ABI::config::detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T> struct is_std_array : std::false_type {};
template <class T, std::size_t N> struct is_std_array<std::array<T, N>> : std::true_type {};

template <class T> struct is_string_map : std::false_type {};
template <class V, class C, class A> struct is_string_map<std::map<std::string, V, C, A>> : std::true_type {};
template <class V, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, V, H, E, A>> : std::true_type {};

template <class T> struct is_variant : std::false_type {};
template <class... A> struct is_variant<std::variant<A...>> : std::true_type {};

template <class T> struct is_required : std::false_type {};
template <class T> struct is_required<vitals::required<T>> : std::true_type {};

template <class T>
inline constexpr bool is_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// A struct read field by field: an aggregate class that is none of the shapes above.
template <class T>
inline constexpr bool is_config_struct_v = vitals::reflectable<T> && !is_std_array<T>::value &&
                                           !is_variant<T>::value && !std::is_same_v<T, std::monostate>;

/// A class of the user's (not std::...): when it is not reflectable, the error says why.
template <class T>
inline constexpr bool user_struct = std::is_class_v<T> && !vitals::type_name<T>().starts_with("std::");

/// The name a variant's `_type_` key uses for a struct alternative: T::config_tag when the struct
/// declares one (static constexpr std::string_view config_tag = "adam";), else T's short name.
template <class T>
constexpr std::string_view struct_tag() {
  if constexpr (requires { std::string_view(T::config_tag); }) return std::string_view(T::config_tag);
  else return vitals::short_type_name<T>();
}

}  // namespace vitals::config::detail
