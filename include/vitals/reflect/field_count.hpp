// Field count of an aggregate and access to its I-th field.
//
// Boost.PFR 1.81's own field counting crashes g++ 12 (internal compiler error in check_noexcept_r)
// on members such as `std::vector<std::string> tags{"a", "b"}`, and fails under nvcc for structs
// with one field. So vitals counts fields itself: the largest N for which `T{x1, ..., xN}` is
// valid, where each x converts to any type (binary search; an aggregate accepts every N up to its
// field count). PFR's structured-binding tie is then called with that explicit count.
//
// Types the compiler cannot take apart (aggregates with base classes, classes with constructors or
// private members) are reflected when they opt in through vitals::reflect_fields (custom.hpp:
// VITALS_REFLECT, or Boost.Hana's adapt macros with vitals/reflect/hana.hpp).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/pfr/detail/core17_generated.hpp>
#include <boost/pfr/detail/sequence_tuple.hpp>
#include <boost/pfr/detail/size_t_.hpp>
#include <boost/pfr/detail/unsafe_declval.hpp>

#include "vitals/reflect/custom.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

// Converts only to a (proper) base class of T: T{any_base_of<T>{}} is valid exactly when T's first
// initializer is a base, i.e. when T is an aggregate with a base class (declared, never defined).
template <class T>
struct any_base_of {
  template <class U>
    requires(std::is_base_of_v<U, T> && !std::is_same_v<U, T>)
  constexpr operator U&&() const&& noexcept;
};

template <class T>
inline constexpr bool has_base_class = std::is_aggregate_v<T> && requires { T{any_base_of<T>{}}; };

}  // namespace detail

/// A struct vitals can list the fields of: an aggregate class without base classes, or any class
/// that opted in through reflect_fields (VITALS_REFLECT, Boost.Hana with vitals/reflect/hana.hpp).
template <class T>
concept reflectable = std::is_class_v<T> && (custom_reflected<T> || (std::is_aggregate_v<T> && !detail::has_base_class<T>));

/// Compiles only for reflectable types; otherwise it stops the build with why T is not and what
/// to do about it (called where a struct was expected, for that message).
template <class T>
constexpr bool require_reflectable() {
  static_assert(std::is_class_v<T>, "vitals: reflection needs a struct or class type");
  static_assert(custom_reflected<T> || !detail::has_base_class<T>,
                "vitals: this struct has a base class, and C++ cannot list the fields of a derived aggregate. List them "
                "(base fields first) with VITALS_REFLECT(Type, field, ...) at global scope (vitals/reflect/custom.hpp), or "
                "adapt the type with BOOST_HANA_ADAPT_STRUCT and include vitals/reflect/hana.hpp");
  static_assert(custom_reflected<T> || std::is_aggregate_v<T>,
                "vitals: this class is not an aggregate (it has constructors, private or virtual members), so vitals "
                "cannot list its fields. Adapt it with BOOST_HANA_ADAPT_STRUCT / BOOST_HANA_DEFINE_STRUCT and include "
                "vitals/reflect/hana.hpp, or list its public fields with VITALS_REFLECT(Type, field, ...)");
  return true;
}

namespace detail {

// Converts to any type by rvalue reference (so move-only members count too); only ever used in
// unevaluated initialisations.
struct any_field {
  template <class U>
  constexpr operator U&&() const&& noexcept {
    return boost::pfr::detail::unsafe_declval<U&&>();
  }
};

template <class T, std::size_t... I>
constexpr bool initializable_with(std::index_sequence<I...>) {
  return requires { T{(void(I), any_field{})...}; };
}

template <class T, std::size_t Lo, std::size_t Hi>
constexpr std::size_t count_fields() {
  if constexpr (Lo == Hi) {
    return Lo;
  } else {
    constexpr std::size_t mid = (Lo + Hi + 1) / 2;
    if constexpr (initializable_with<T>(std::make_index_sequence<mid>{}))
      return count_fields<T, mid, Hi>();
    else
      return count_fields<T, Lo, mid - 1>();
  }
}

// Every field takes at least one byte (empty types aside), so sizeof * 8 bounds the count.
template <class T>
inline constexpr std::size_t max_fields = sizeof(T) * 8 < 256 ? sizeof(T) * 8 : 256;

}  // namespace detail

namespace detail {
template <class T>
constexpr std::size_t field_count_of() {
  if constexpr (custom_reflected<T>) return reflect_fields<T>::count;
  else return count_fields<T, 0, max_fields<T>>();
}
}  // namespace detail

/// Number of fields of T.
template <reflectable T>
inline constexpr std::size_t field_count = detail::field_count_of<T>();

namespace detail {
template <class T>
constexpr auto tie_fields(T& obj) noexcept {
  return boost::pfr::detail::tie_as_tuple(obj, boost::pfr::detail::size_t_<field_count<std::remove_cv_t<T>>>{});
}
}  // namespace detail

/// The I-th field of obj, by reference (const follows obj).
template <std::size_t I, class T>
  requires reflectable<std::remove_cv_t<T>>
constexpr auto& get_field(T& obj) noexcept {
  if constexpr (custom_reflected<std::remove_cv_t<T>>)
    return reflect_fields<std::remove_cv_t<T>>::template get<I>(obj);
  else
    return boost::pfr::detail::sequence_tuple::get<I>(detail::tie_fields(obj));
}

/// The type of the I-th field of T.
template <std::size_t I, reflectable T>
using field_type_t = std::remove_cvref_t<decltype(get_field<I>(std::declval<T&>()))>;

}  // namespace vitals
