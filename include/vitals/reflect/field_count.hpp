// Field count of an aggregate and access to its I-th field.
//
// Boost.PFR 1.81's own field counting crashes g++ 12 (internal compiler error in check_noexcept_r)
// on members such as `std::vector<std::string> tags{"a", "b"}`, and fails under nvcc for structs
// with one field. So vitals counts fields itself: the largest N for which `T{x1, ..., xN}` is
// valid, where each x converts to any type (binary search; an aggregate accepts every N up to its
// field count). PFR's structured-binding tie is then called with that explicit count.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/pfr/detail/core17_generated.hpp>
#include <boost/pfr/detail/sequence_tuple.hpp>
#include <boost/pfr/detail/size_t_.hpp>
#include <boost/pfr/detail/unsafe_declval.hpp>

namespace vitals {

template <class T>
concept reflectable = std::is_aggregate_v<T> && std::is_class_v<T>;

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

/// Number of fields of the aggregate T.
template <reflectable T>
inline constexpr std::size_t field_count = detail::count_fields<T, 0, detail::max_fields<T>>();

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
  return boost::pfr::detail::sequence_tuple::get<I>(detail::tie_fields(obj));
}

/// The type of the I-th field of T.
template <std::size_t I, reflectable T>
using field_type_t = std::remove_cvref_t<decltype(get_field<I>(std::declval<T&>()))>;

}  // namespace vitals
