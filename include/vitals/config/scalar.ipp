// Bodies of vitals/config/scalar.hpp (see vitals/version.hpp): float formatting (fmt).
#pragma once

#include "vitals/config/scalar.hpp"

#include "vitals/detail/fmt.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {
template <class F>
std::string format_float_impl(F v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v < 0 ? "-.inf" : ".inf";
  std::string s = fmt::format("{}", v);
  std::size_t e = s.find('e');
  if (s.find('.') == std::string::npos) s.insert(e == std::string::npos ? s.size() : e, ".0");
  return s;
}
}  // namespace detail

VITALS_INLINE std::string format_float(float v) { return detail::format_float_impl(v); }
VITALS_INLINE std::string format_float(double v) { return detail::format_float_impl(v); }
VITALS_INLINE std::string format_float(long double v) { return detail::format_float_impl(v); }

}  // namespace vitals::config
