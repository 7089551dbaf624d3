// Opt-in: reflection of types adapted with Boost.Hana (BOOST_HANA_ADAPT_STRUCT for a class with
// public fields and constructors, BOOST_HANA_DEFINE_STRUCT for fields declared through Hana,
// private ones included). Include this header where such a type is used with vitals (configs,
// run.log, --help); files that do not include it compile no Hana.
//
//   class Optim {
//    public:
//     Optim() = default;
//     BOOST_HANA_DEFINE_STRUCT(Optim, (double, lr), (int, warmup));
//   };
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstddef>
#include <string_view>

#include <boost/hana/accessors.hpp>
#include <boost/hana/adapt_struct.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>

#include "vitals/reflect/custom.hpp"

namespace vitals::inline VITALS_ABI {
template <class T>
  requires(boost::hana::Struct<T>::value)
struct reflect_fields<T, void> {
  static constexpr std::size_t count = decltype(boost::hana::length(boost::hana::accessors<T>()))::value;

  template <std::size_t I, class Obj>
  static constexpr auto& get(Obj& obj) noexcept {
    return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<T>()))(obj);
  }

 private:
  template <std::size_t... I>
  static constexpr std::array<std::string_view, count> names_of(std::index_sequence<I...>) {
    return {std::string_view(boost::hana::to<char const*>(boost::hana::first(boost::hana::at_c<I>(boost::hana::accessors<T>()))))...};
  }

 public:
  static constexpr std::array<std::string_view, count> names = names_of(std::make_index_sequence<count>{});
};

}  // namespace vitals
