// How composition reads scalars: the few places where composing (not converting to a struct) must
// know what a scalar *is* — string interpolation ("run_${fold}"), `~key=value` comparisons, range
// sweeps. Follows the YAML 1.2 core schema the readers document, and spells values the way Python
// (Hydra/OmegaConf) does when it turns them into strings, so "lr_${lr}" reads the same in both.
#pragma once

#include <charconv>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "vitals/config/node.hpp"

namespace vitals::config {

/// What a scalar holds under the YAML 1.2 core schema (a quoted scalar is always a string).
enum class scalar_kind { null, boolean, integer, floating, string };

namespace detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline bool core_null(std::string_view t) { return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL"; }
inline bool core_true(std::string_view t) { return t == "true" || t == "True" || t == "TRUE"; }
inline bool core_false(std::string_view t) { return t == "false" || t == "False" || t == "FALSE"; }

inline bool core_int(std::string_view t) {
  if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {  // 0o17 is a string, as PyYAML (Hydra) reads it
    for (char c : t.substr(2))
      if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    return true;
  }
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  if (t.empty()) return false;
  for (char c : t)
    if (!is_digit(c)) return false;
  return true;
}

inline bool core_float(std::string_view t) {
  std::string_view s = t;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  if (t == ".nan" || t == ".NaN" || t == ".NAN") return true;
  // [0-9]+ ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )?  |  . [0-9]+ ( [eE] [-+]? [0-9]+ )?
  std::size_t i = 0, digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  bool dot = false;
  if (i < s.size() && s[i] == '.') {
    dot = true;
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  bool exp = false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exp = true;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t e = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++e;
    if (e == 0) return false;
  }
  return i == s.size() && (dot || exp);
}

inline double core_float_value(std::string_view t) {
  std::string_view s = t;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() == 4 && s[0] == '.' && (s[1] == 'i' || s[1] == 'I')) return neg ? -HUGE_VAL : HUGE_VAL;
  if (s.size() == 4 && s[0] == '.' && (s[1] == 'n' || s[1] == 'N')) return std::nan("");
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return neg ? -v : v;
}

/// Python's repr of a float ("0.0003", "1e-05", "1.0", "inf"): shortest round-trip digits, with
/// Python's choice between fixed and exponent notation.
inline std::string python_float_str(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci = [-]d[.ddd]e[+-]XX
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  std::size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp < -4 || exp >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  } else {
    std::size_t int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return neg ? "-" + out : out;
}

}  // namespace detail

/// The kind of a scalar or null node (sequences and mappings are not scalars: string is returned).
inline scalar_kind kind_of(const node& n) {
  if (n.is_null()) return scalar_kind::null;
  if (!n.is_scalar() || n.style == scalar_style::quoted) return scalar_kind::string;
  const std::string& t = n.text;
  if (detail::core_null(t)) return scalar_kind::null;
  if (detail::core_true(t) || detail::core_false(t)) return scalar_kind::boolean;
  if (detail::core_int(t)) return scalar_kind::integer;
  if (detail::core_float(t)) return scalar_kind::floating;
  return scalar_kind::string;
}

/// A scalar as Python's str() would print the value OmegaConf holds: "True", "None", "0.0003".
inline std::string python_str(const node& n) {
  switch (kind_of(n)) {
    case scalar_kind::null: return "None";
    case scalar_kind::boolean: return detail::core_true(n.text) ? "True" : "False";
    case scalar_kind::integer: {
      if (n.text.size() > 2 && n.text[0] == '0' && n.text[1] == 'x') {
        long long v = 0;
        std::from_chars(n.text.data() + 2, n.text.data() + n.text.size(), v, 16);
        return std::to_string(v);
      }
      std::string t = n.text[0] == '+' ? n.text.substr(1) : n.text;
      // Strip leading zeros the way int() does ("007" -> "7").
      bool neg = !t.empty() && t[0] == '-';
      std::string d = neg ? t.substr(1) : t;
      std::size_t nz = d.find_first_not_of('0');
      d = nz == std::string::npos ? "0" : d.substr(nz);
      return (neg && d != "0") ? "-" + d : d;
    }
    case scalar_kind::floating: return detail::python_float_str(detail::core_float_value(n.text));
    case scalar_kind::string: return n.text;
  }
  return n.text;
}

/// Python's repr() of the value OmegaConf holds: strings quoted ('a', "it's"), lists and dicts
/// spelled as Python prints them — what "fold${exp.fold}" makes of a list: "fold[0, 1, 2]".
inline std::string python_repr(const node& n) {
  if (n.is_sequence()) {
    std::string out = "[";
    for (std::size_t i = 0; i < n.items.size(); ++i) out += (i ? ", " : "") + python_repr(n.items[i]);
    return out + "]";
  }
  if (n.is_mapping()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : n.entries) {
      out += (first ? "'" : ", '") + k + "': " + python_repr(v);
      first = false;
    }
    return out + "}";
  }
  if (kind_of(n) != scalar_kind::string) return python_str(n);
  const std::string& t = n.text;
  char q = t.find('\'') != std::string::npos && t.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (char c : t) {
    if (c == '\\' || c == q) out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out + q;
}

/// Value equality of two trees as data (1 == 1.0, a quoted "1" != 1), used by `~key=value`.
inline bool same_value(const node& a, const node& b) {
  if (a.kind != b.kind && !(a.is_null() || b.is_null() || a.is_scalar() || b.is_scalar())) return false;
  if (a.is_mapping() || b.is_mapping()) {
    if (!a.is_mapping() || !b.is_mapping() || a.entries.size() != b.entries.size()) return false;
    for (const auto& [k, v] : a.entries) {
      const node* o = b.find(k);
      if (!o || !same_value(v, *o)) return false;
    }
    return true;
  }
  if (a.is_sequence() || b.is_sequence()) {
    if (!a.is_sequence() || !b.is_sequence() || a.items.size() != b.items.size()) return false;
    for (std::size_t i = 0; i < a.items.size(); ++i)
      if (!same_value(a.items[i], b.items[i])) return false;
    return true;
  }
  scalar_kind ka = kind_of(a), kb = kind_of(b);
  auto numeric = [](scalar_kind k) { return k == scalar_kind::integer || k == scalar_kind::floating; };
  if (numeric(ka) && numeric(kb)) return std::stod(python_str(a)) == std::stod(python_str(b));
  return ka == kb && python_str(a) == python_str(b);
}

}  // namespace vitals::config
