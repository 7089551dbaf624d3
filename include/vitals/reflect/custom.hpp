// Reflection of structs the compiler cannot take apart by itself: aggregates with base classes, and
// classes with constructors or private members. They opt in, and a file that uses no such type
// pays nothing for it:
//
//   VITALS_REFLECT(Derived, base_field, own_field)   // at global scope; public fields, in order
//   BOOST_HANA_ADAPT_STRUCT / BOOST_HANA_DEFINE_STRUCT, with "vitals/reflect/hana.hpp" included
//
// Either specializes vitals::reflect_fields<T>: a field count, the names, and get<I>(obj). Every
// part of vitals that reads or writes a struct (configs, run.log, --help) goes through
// field_count / field_names / get_field, which use it when it is there.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>

namespace vitals::inline VITALS_ABI {
/// Specialize to reflect T by hand: `static constexpr std::size_t count`, `static constexpr
/// std::array<std::string_view, count> names`, and `template <std::size_t I> static constexpr
/// auto& get(T& / const T&)`. VITALS_REFLECT and vitals/reflect/hana.hpp write it for you.
template <class T, class Enable = void>
struct reflect_fields;

/// True when reflect_fields<T> is specialized.
template <class T>
concept custom_reflected = requires {
  { reflect_fields<T>::count } -> std::convertible_to<std::size_t>;
};

namespace detail {

// reflect_fields<T> from member pointers (what VITALS_REFLECT expands to).
template <class T, class Pointers, std::size_t N>
struct member_pointer_fields {
  static constexpr std::size_t count = N;
  template <std::size_t I, class Obj>
  static constexpr auto& get(Obj& obj) noexcept {
    return obj.*std::get<I>(Pointers::value);
  }
};

}  // namespace detail

}  // namespace vitals

// C++20 __VA_OPT__ for-each (up to 256 fields): VITALS_DETAIL_FOR_EACH(m, T, a, b) -> m(T, a) m(T, b)
#define VITALS_DETAIL_PARENS ()
#define VITALS_DETAIL_EXPAND(...) VITALS_DETAIL_EXPAND3(VITALS_DETAIL_EXPAND3(VITALS_DETAIL_EXPAND3(VITALS_DETAIL_EXPAND3(__VA_ARGS__))))
#define VITALS_DETAIL_EXPAND3(...) VITALS_DETAIL_EXPAND2(VITALS_DETAIL_EXPAND2(VITALS_DETAIL_EXPAND2(VITALS_DETAIL_EXPAND2(__VA_ARGS__))))
#define VITALS_DETAIL_EXPAND2(...) VITALS_DETAIL_EXPAND1(VITALS_DETAIL_EXPAND1(VITALS_DETAIL_EXPAND1(VITALS_DETAIL_EXPAND1(__VA_ARGS__))))
#define VITALS_DETAIL_EXPAND1(...) __VA_ARGS__
#define VITALS_DETAIL_FOR_EACH(m, T, ...) __VA_OPT__(VITALS_DETAIL_EXPAND(VITALS_DETAIL_FOR_EACH_STEP(m, T, __VA_ARGS__)))
#define VITALS_DETAIL_FOR_EACH_STEP(m, T, a, ...) m(T, a) __VA_OPT__(VITALS_DETAIL_FOR_EACH_AGAIN VITALS_DETAIL_PARENS(m, T, __VA_ARGS__))
#define VITALS_DETAIL_FOR_EACH_AGAIN() VITALS_DETAIL_FOR_EACH_STEP
#define VITALS_DETAIL_MEMBER_POINTER(T, f) &T::f,
#define VITALS_DETAIL_MEMBER_NAME(T, f) std::string_view(#f),

/// Reflects T's public fields, in the order listed (fields of base classes first, by convention,
/// as vitals lists an aggregate's). Use at global scope, after T is complete.
#define VITALS_REFLECT(T, ...)                                                                       \
  template <>                                                                                        \
  struct vitals::reflect_fields<T>                                                                   \
      : vitals::detail::member_pointer_fields<T, vitals::reflect_fields<T>,                          \
                                              std::tuple_size_v<decltype(std::tuple{                  \
                                                  VITALS_DETAIL_FOR_EACH(VITALS_DETAIL_MEMBER_POINTER, T, __VA_ARGS__)})>> { \
    static constexpr auto value = std::tuple{VITALS_DETAIL_FOR_EACH(VITALS_DETAIL_MEMBER_POINTER, T, __VA_ARGS__)}; \
    static constexpr std::array names{VITALS_DETAIL_FOR_EACH(VITALS_DETAIL_MEMBER_NAME, T, __VA_ARGS__)};         \
  }
