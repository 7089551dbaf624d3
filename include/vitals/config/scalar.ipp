// Bodies of vitals/config/scalar.hpp (see vitals/version.hpp): scalar parsing, float formatting (fmt).
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

VITALS_INLINE std::optional<core_int> parse_core_int(std::string_view s) {
  core_int out;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
    base = 16;
    out.decimal = false;
    s.remove_prefix(2);
  } else if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    out.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = unsigned(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (out.magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / base) out.overflow = true;
    out.magnitude = out.magnitude * base + d;
  }
  return out;
}

VITALS_INLINE bool is_json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  auto digits = [&] {
    std::size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

VITALS_INLINE plain_kind resolve_plain(std::string_view s) {
  if (is_null_text(s)) return plain_kind::null;
  if (s == missing_text) return plain_kind::missing;
  if (parse_core_bool(s)) return plain_kind::boolean;
  if (parse_core_int(s)) return plain_kind::integer;
  if (is_core_float(s)) return plain_kind::floating;
  return plain_kind::string;
}

VITALS_INLINE std::optional<std::string> canonical_int(std::string_view s) {
  auto i = parse_core_int(s);
  if (!i) return std::nullopt;
  if (!i->overflow) return (i->negative && i->magnitude ? "-" : "") + std::to_string(i->magnitude);
  if (!i->decimal) return std::nullopt;
  std::string_view digits = s;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  return (i->negative ? "-" : "") + std::string(digits);
}

#if defined(VITALS_IMPLEMENTATION)
template std::optional<core_float<float>> parse_core_float<float>(std::string_view);
template std::optional<core_float<double>> parse_core_float<double>(std::string_view);
template std::optional<core_float<long double>> parse_core_float<long double>(std::string_view);
#endif

VITALS_INLINE std::string format_float(float v) { return detail::format_float_impl(v); }
VITALS_INLINE std::string format_float(double v) { return detail::format_float_impl(v); }
VITALS_INLINE std::string format_float(long double v) { return detail::format_float_impl(v); }

}  // namespace vitals::config
