// Typing of scalar text by the YAML 1.2 core schema, done by vitals rather than by a parser, so the
// target field decides what `on` means and every reader and writer agrees on what `1e-4` is.
//
//   null   ~ null Null NULL (and the empty plain scalar; readers already make these null nodes)
//   bool   true True TRUE false False FALSE      (+ yes/no/on/off/y/n, any case, for bool fields:
//                                                  Hydra's meaning)
//   int    [-+]?[0-9]+  0x[0-9a-fA-F]+   (not 0o17: PyYAML, and so Hydra, keeps that a string)
//   float  [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?  [-+]?\.(inf|Inf|INF)  \.(nan|NaN|NAN)
//   "???"  a missing value, as in OmegaConf
// Quoted scalars are always strings; only "nan", "inf" and "-inf" are also read as floats, because
// JSON has no other way to write them.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>


namespace vitals::inline VITALS_ABI::config {
/// OmegaConf's spelling of "no value yet".
inline constexpr std::string_view missing_text = "???";

/// The core-schema null spellings.
constexpr bool is_null_text(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

/// true/True/TRUE/false/False/FALSE.
constexpr std::optional<bool> parse_core_bool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

/// ASCII case-insensitive equality.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (low(a[i]) != low(b[i])) return false;
  return true;
}

/// The core words plus yes/no/on/off/y/n in any case: what a bool field accepts (as Hydra does).
constexpr std::optional<bool> parse_bool_word(std::string_view s) {
  for (std::string_view w : {"true", "yes", "on", "y"})
    if (iequals(s, w)) return true;
  for (std::string_view w : {"false", "no", "off", "n"})
    if (iequals(s, w)) return false;
  return std::nullopt;
}

/// A core-schema integer: sign and magnitude; `overflow` when the magnitude exceeds 64 bits.
struct core_int {
  bool negative = false;
  std::uint64_t magnitude = 0;
  bool overflow = false;
  bool decimal = true;

  /// Converts to an integer type, or nullopt when out of its range.
  template <class I>
  std::optional<I> to() const {
    if (overflow) return std::nullopt;
    if (negative) {
      if constexpr (std::is_unsigned_v<I>) {
        if (magnitude != 0) return std::nullopt;
        return I{0};
      } else {
        using U = std::make_unsigned_t<I>;
        if (magnitude > static_cast<std::uint64_t>(static_cast<U>(std::numeric_limits<I>::max())) + 1)
          return std::nullopt;
        return static_cast<I>(-static_cast<I>(magnitude - 1) - 1);
      }
    }
    if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<I>::max())) return std::nullopt;
    return static_cast<I>(magnitude);
  }
};

/// Parses [-+]?[0-9]+ | 0x[0-9a-fA-F]+; nullopt for anything else ("0o17" is a string, as in Hydra).
VITALS_INLINE std::optional<core_int> parse_core_int(std::string_view s);

/// True when s is a core-schema float (which includes integers' spelling).
constexpr bool is_core_float(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return true;
  std::size_t i = 0, n = body.size(), int_digits = 0, frac_digits = 0;
  while (i < n && body[i] >= '0' && body[i] <= '9') ++i, ++int_digits;
  if (i < n && body[i] == '.') {
    ++i;
    while (i < n && body[i] >= '0' && body[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < n && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < n && (body[i] == '-' || body[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < n && body[i] >= '0' && body[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

/// A parsed float: the value, or out_of_range when the text's magnitude does not fit F.
template <class F = double>
struct core_float {
  F value = 0;
  bool out_of_range = false;
};

/// Parses a core-schema float or integer as F, rounding once (straight from the text, so the
/// shortest text of a float reads back as that float); nullopt when s is neither.
template <class F = double>
std::optional<core_float<F>> parse_core_float(std::string_view s) {
  constexpr F inf = std::numeric_limits<F>::infinity();
  if (auto i = parse_core_int(s); i && !i->decimal)
    return core_float<F>{i->overflow ? inf : static_cast<F>(i->magnitude), i->overflow};
  if (!is_core_float(s)) return std::nullopt;
  bool negative = !s.empty() && s[0] == '-';
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body.size() == 4 && body[0] == '.' && (body[1] == 'n' || body[1] == 'N'))
    return core_float<F>{std::numeric_limits<F>::quiet_NaN(), false};
  if (body.size() == 4 && body[0] == '.') return core_float<F>{negative ? -inf : inf, false};
  F v = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) return core_float<F>{negative ? -inf : inf, true};
  if (ec != std::errc() || ptr != body.data() + body.size()) return std::nullopt;
  return core_float<F>{negative ? -v : v, false};
}

#if !VITALS_HEADER_BODIES
// Compiled once, in the library (scalar.ipp).
extern template std::optional<core_float<float>> parse_core_float<float>(std::string_view);
extern template std::optional<core_float<double>> parse_core_float<double>(std::string_view);
extern template std::optional<core_float<long double>> parse_core_float<long double>(std::string_view);
#endif

/// The three strings JSON uses for non-finite floats ("nan", "inf", "-inf"), and nothing else.
inline std::optional<double> parse_json_nonfinite(std::string_view s) {
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

/// Shortest text that reads back to the same value, spelled so that the YAML 1.2 core schema,
/// PyYAML (YAML 1.1: needs a '.' and a signed exponent) and JSON all read it as that float:
/// 3 -> "3.0", 1e-07 -> "1.0e-07", NaN -> ".nan", -Inf -> "-.inf".
VITALS_INLINE std::string format_float(float v);
VITALS_INLINE std::string format_float(double v);
VITALS_INLINE std::string format_float(long double v);

/// True for float text that YAML 1.2 core and PyYAML (YAML 1.1) both read as the same float:
/// digits, a '.', digits, an optional exponent with a sign; or .inf/-.inf/.nan and case variants.
constexpr bool is_portable_yaml_float(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return true;
  std::size_t i = 0, n = body.size();
  auto digits = [&] {
    std::size_t start = i;
    while (i < n && body[i] >= '0' && body[i] <= '9') ++i;
    return i - start;
  };
  if (digits() == 0 || i == n || body[i] != '.') return false;
  ++i;
  digits();
  if (i < n && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i == n || (body[i] != '-' && body[i] != '+')) return false;
    ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

/// True when s is spelled as a JSON number (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
VITALS_INLINE bool is_json_number(std::string_view s);

/// How a plain scalar's text resolves under the core schema.
enum class plain_kind { null, boolean, integer, floating, string, missing };

VITALS_INLINE plain_kind resolve_plain(std::string_view s);

/// Integer text in canonical decimal (for writers): "+0x1F" style input gives "31". Overflowing
/// hex/octal gives nullopt; overflowing decimals keep their digits.
VITALS_INLINE std::optional<std::string> canonical_int(std::string_view s);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/scalar.ipp"
#endif
