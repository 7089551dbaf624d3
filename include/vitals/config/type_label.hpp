// type_label<T>(): how a field's type is named in messages and in --help: int, uint8, double,
// string, list[int], map[string, double], optional[string], Arch, Optim, Adam | Sgd.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

#include "vitals/config/detail/type_traits.hpp"
#include "vitals/reflect.hpp"

namespace vitals::inline VITALS_ABI::config {
template <class T>
std::string type_label() {
  using detail::is_integer_v;
  if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (is_integer_v<T>) {
    if constexpr (std::is_same_v<T, int>) return "int";
    else return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(sizeof(T) * 8);
  } else if constexpr (std::is_same_v<T, float>) {
    return "float";
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::is_same_v<T, double> ? "double" : "long double";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(vitals::short_type_name<T>());
  } else if constexpr (detail::is_optional<T>::value) {
    return "optional[" + type_label<typename T::value_type>() + "]";
  } else if constexpr (detail::is_required<T>::value) {
    return type_label<typename T::value_type>();
  } else if constexpr (detail::is_vector<T>::value) {
    return "list[" + type_label<typename T::value_type>() + "]";
  } else if constexpr (detail::is_std_array<T>::value) {
    return "list[" + type_label<typename T::value_type>() + "] of " + std::to_string(std::tuple_size_v<T>);
  } else if constexpr (detail::is_string_map<T>::value) {
    return "map[string, " + type_label<typename T::mapped_type>() + "]";
  } else if constexpr (detail::is_variant<T>::value) {
    return []<class... A>(std::variant<A...>*) {
      std::string out;
      ((out += (out.empty() ? "" : " | ") +
               (detail::is_config_struct_v<A> ? std::string(detail::struct_tag<A>()) : type_label<A>())),
       ...);
      return out;
    }(static_cast<T*>(nullptr));
  } else if constexpr (std::is_same_v<T, std::monostate>) {
    return "null";
  } else {
    return std::string(vitals::short_type_name<T>());
  }
}

}  // namespace vitals::config
