// Bodies of vitals/config/compose/values.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/values.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <system_error>

#include "vitals/config/scalar.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

VITALS_INLINE bool is_digit(char c) { return c >= '0' && c <= '9'; }

VITALS_INLINE double core_float_value(std::string_view t) {
  auto f = parse_core_float<double>(t);
  return f ? f->value : 0.0;
}

VITALS_INLINE std::string python_float_str(double v) {
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

VITALS_INLINE scalar_kind kind_of(const node& n) {
  if (n.is_null()) return scalar_kind::null;
  if (!n.is_scalar() || n.style == scalar_style::quoted) return scalar_kind::string;
  switch (resolve_plain(n.text)) {
    case plain_kind::null: return scalar_kind::null;
    case plain_kind::boolean: return scalar_kind::boolean;
    case plain_kind::integer: return scalar_kind::integer;
    case plain_kind::floating: return scalar_kind::floating;
    case plain_kind::string:
    case plain_kind::missing: return scalar_kind::string;  // `???` is text to composition
  }
  return scalar_kind::string;
}

VITALS_INLINE std::string python_str(const node& n) {
  switch (kind_of(n)) {
    case scalar_kind::null: return "None";
    case scalar_kind::boolean: return parse_core_bool(n.text).value_or(false) ? "True" : "False";
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

VITALS_INLINE std::string python_repr(const node& n) {
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

VITALS_INLINE bool same_value(const node& a, const node& b) {
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
