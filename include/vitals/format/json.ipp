// Bodies of vitals/format/json.hpp (compiled once in the library, or inline in header-only use).
#pragma once

#include "vitals/format/json.hpp"

#include "vitals/detail/fmt.hpp"

namespace vitals::inline VITALS_ABI::detail {
VITALS_INLINE std::size_t format_double_like_fmt(char (&buf)[40], double d) noexcept {
  // The longest "{}" text of a double is 24 characters (-2.2250738585072014e-308); format_to_n
  // reports the untruncated size, so it is clamped to what buf holds all the same.
  const std::size_t n = fmt::format_to_n(buf, sizeof buf, "{}", d).size;
  return n < sizeof buf ? n : sizeof buf;
}
}  // namespace vitals::detail
