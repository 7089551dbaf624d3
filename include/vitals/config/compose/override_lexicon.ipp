// Bodies of vitals/config/compose/override_lexicon.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/override_lexicon.hpp"

#include <string>
#include <string_view>

#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/compose/values.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

/// The character classes and number spellings of Hydra's override lexer (OverrideLexer.g4),
/// shared by the parser and the function calls.
struct override_lexicon {
  static bool key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '$' || c == '.' || c == '/';
  }
  static bool id_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool id_char(char c) { return id_start(c) || (c >= '0' && c <= '9') || c == '-'; }

  static bool unquoted_char(char c) {
    return id_char(c) || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '\\' || c == '+' || c == '.' ||
           c == '$' || c == '%' || c == '*' || c == '@' || c == '?' || c == '|' || c == ':' || c == ' ' || c == '\t';
  }
  static bool escapable(char c) {
    return c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ':' ||
           c == '=' || c == ',' || c == ' ' || c == '\t';
  }

  static bool hydra_int(std::string_view t) {
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
    if (t == "0") return true;
    if (t.empty() || t[0] < '1' || t[0] > '9') return false;
    for (std::size_t i = 1; i < t.size(); ++i) {
      if (t[i] == '_') {
        if (i + 1 >= t.size() || t[i + 1] < '0' || t[i + 1] > '9') return false;
        continue;
      }
      if (t[i] < '0' || t[i] > '9') return false;
    }
    return true;
  }
  static bool digits_(std::string_view t) {  // DIGIT (('_')? DIGIT)*
    if (t.empty() || !is_digit(t[0])) return false;
    for (std::size_t i = 1; i < t.size(); ++i) {
      if (t[i] == '_') {
        if (i + 1 >= t.size() || !is_digit(t[i + 1])) return false;
        continue;
      }
      if (!is_digit(t[i])) return false;
    }
    return true;
  }
  static bool point_float(std::string_view t) {
    std::size_t dot = t.find('.');
    if (dot == std::string_view::npos) return false;
    std::string_view a = t.substr(0, dot), b = t.substr(dot + 1);
    if (b.empty()) return !a.empty() && hydra_int(a) && a[0] != '+' && a[0] != '-';
    return (a.empty() || (hydra_int(a) && a[0] != '+' && a[0] != '-')) && digits_(b);
  }
  static bool hydra_float(std::string_view t) {
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
    auto lower = [](std::string_view x) {
      std::string l(x);
      for (char& c : l) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      return l;
    };
    if (lower(t) == "inf" || lower(t) == "nan") return true;
    std::size_t e = t.find_first_of("eE");
    if (e == std::string_view::npos) return point_float(t);
    std::string_view m = t.substr(0, e), x = t.substr(e + 1);
    if (!(point_float(m) || (hydra_int(m) && m[0] != '+' && m[0] != '-'))) return false;
    if (!x.empty() && (x[0] == '+' || x[0] == '-')) x.remove_prefix(1);
    return digits_(x);
  }

  static void type_primitive(const std::string& t, override_value& v) {
    std::string lower = t;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "null") {
      v.value = node::null_value();
      v.type = override_value_type::null;
    } else if (lower == "true" || lower == "false") {
      v.value = node::scalar(lower);
      v.type = override_value_type::boolean;
    } else if (hydra_int(t)) {
      std::string d;
      for (char c : t)
        if (c != '_' && c != '+') d += c;
      v.value = node::scalar(d);
      v.type = override_value_type::integer;
    } else if (hydra_float(t)) {
      std::string d;
      for (char c : lower)
        if (c != '_') d += c;
      bool neg = !d.empty() && d[0] == '-';
      std::string body = (!d.empty() && (d[0] == '-' || d[0] == '+')) ? d.substr(1) : d;
      std::string text;
      if (body == "inf") text = neg ? "-.inf" : ".inf";
      else if (body == "nan") text = ".nan";
      else {
        double x = 0;
        if (!body.empty() && body[0] == '.') body = "0" + body;
        if (!body.empty() && body.back() == '.') body += "0";
        x = std::stod(body);
        text = python_float_str(neg ? -x : x);
        if (text.find_first_of(".e") == std::string::npos) text += ".0";
      }
      v.value = node::scalar(text);
      v.type = override_value_type::floating;
    }
  }
};
}  // namespace detail
}  // namespace vitals::config
