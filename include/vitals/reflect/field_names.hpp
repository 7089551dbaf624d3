// Field count and field names of an aggregate, at compile time.
//
// Boost >= 1.84 has boost::pfr::get_name; Debian's 1.81 does not, so the names are read from
// __PRETTY_FUNCTION__ of a function templated on a pointer to a member of an extern object that is
// declared but never defined (so no constructor runs and T need not be default-constructible).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/version.hpp>
#if BOOST_VERSION >= 108400
#include <boost/pfr/core_name.hpp>
#endif

#include "vitals/reflect/field_count.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

#if BOOST_VERSION < 108400
// Declared, never defined: only its members' addresses are used, in unevaluated template arguments.
template <class T>
struct reflect_wrapper {
  const T value;
};
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#endif
template <class T>
extern const reflect_wrapper<T> reflect_fake_object;

// const char*, not string_view: g++ would append "; std::string_view = ..." to the signature.
template <auto Ptr>
consteval const char* raw_field_signature() {
  return __PRETTY_FUNCTION__;
}

// "...reflect_fake_object<S>.value.S::name)]" or "...reflect_fake_object.value.name]": the name is
// the identifier ending the signature.
constexpr std::string_view field_name_from_signature(std::string_view s) {
  std::size_t end = s.size();
  auto is_ident = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  while (end > 0 && !is_ident(s[end - 1])) --end;
  std::size_t begin = end;
  while (begin > 0 && is_ident(s[begin - 1])) --begin;
  return s.substr(begin, end - begin);
}

template <class T>
constexpr const T& fake_object() noexcept {
  return reflect_fake_object<T>.value;
}

// clang prints a bare pointer argument as the whole object; wrapped, it prints the member path.
template <class P>
struct pointer_wrapper {
  P ptr;
};

template <class P>
constexpr auto wrap_pointer(P p) noexcept {
#if defined(__clang__)
  return pointer_wrapper<P>{p};
#else
  return p;
#endif
}

// The tuple of references is named first: nvcc's front end will not take the address of a
// member reached through a temporary tuple.
template <class T, std::size_t I>
constexpr auto field_pointer() noexcept {
  auto refs = tie_fields(fake_object<T>());
  return &boost::pfr::detail::sequence_tuple::get<I>(refs);
}

template <class T, std::size_t I>
consteval std::string_view field_name_impl() {
  return field_name_from_signature(raw_field_signature<wrap_pointer(field_pointer<T, I>())>());
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
#else
template <class T, std::size_t I>
consteval std::string_view field_name_impl() {
  return boost::pfr::get_name<I, T>();
}
#endif

template <class T, std::size_t... I>
consteval std::array<std::string_view, sizeof...(I)> field_names_impl(std::index_sequence<I...>) {
  if constexpr (custom_reflected<T>) return {std::string_view(reflect_fields<T>::names[I])...};
  else return {field_name_impl<T, I>()...};
}

}  // namespace detail

/// Name of the I-th field of T.
template <reflectable T, std::size_t I>
inline constexpr std::string_view field_name = detail::field_names_impl<T>(std::make_index_sequence<field_count<T>>{})[I];

/// All field names of T, in declaration order.
template <reflectable T>
inline constexpr std::array<std::string_view, field_count<T>> field_names =
    detail::field_names_impl<T>(std::make_index_sequence<field_count<T>>{});

}  // namespace vitals
