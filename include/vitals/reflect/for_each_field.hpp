// for_each_field(obj, f): calls f(name, field) for every field of an aggregate, in order.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "vitals/reflect/field_count.hpp"
#include "vitals/reflect/field_names.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
template <class T, class F, std::size_t... I>
constexpr void for_each_field_impl(T& obj, F& f, std::index_sequence<I...>) {
  using plain = std::remove_cv_t<T>;
  (f(field_names<plain>[I], get_field<I>(obj)), ...);
}
}  // namespace detail

/// f(std::string_view name, Field& value) for each field; constness follows obj.
template <class T, class F>
  requires reflectable<std::remove_cv_t<T>>
constexpr void for_each_field(T& obj, F&& f) {
  detail::for_each_field_impl(obj, f, std::make_index_sequence<field_count<std::remove_cv_t<T>>>{});
}

}  // namespace vitals
