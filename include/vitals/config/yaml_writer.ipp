// Bodies of vitals/config/yaml_writer.hpp (see vitals/version.hpp): the block-style YAML writer.
#pragma once

#include "vitals/config/yaml_writer.hpp"

#include <iterator>

#include "vitals/detail/fmt.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

// Words that YAML 1.2 core or PyYAML (1.1) read as something other than a string, in any case.
inline bool is_yaml_reserved_word(std::string_view s) { return parse_bool_word(s).has_value() || iequals(s, "null"); }

/// True when s can be written as a plain scalar and reads back as the same string everywhere.
inline bool is_safe_plain_string(std::string_view s) {
  if (s.empty() || s.back() == ' ' || is_yaml_reserved_word(s)) return false;
  char c0 = s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
          c == '/' || c == '-' || c == ' '))
      return false;
  return true;
}

inline void write_yaml_quoted(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
          if (c < 0x20 || c == 0x7F) fmt::format_to(std::back_inserter(out), "\\x{:02x}", static_cast<unsigned>(c));
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    std::size_t len = decode_utf8(s, i, cp);  // the caller checked the string is valid UTF-8
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", cp);
    else
      out.append(s.substr(i, len));
    i += len;
  }
  out += '"';
}

inline void write_yaml_string(std::string& out, std::string_view s) {
  if (is_safe_plain_string(s)) out += s;
  else write_yaml_quoted(out, s);
}

// A plain scalar of an untyped tree: numbers and bools in the spelling both schemas read alike.
inline void write_yaml_plain(std::string& out, const std::string& text) {
  switch (resolve_plain(text)) {
    case plain_kind::null: out += "null"; return;
    case plain_kind::missing: out += missing_text; return;
    case plain_kind::boolean: out += *parse_core_bool(text) ? "true" : "false"; return;
    case plain_kind::integer:
      if (auto canonical = canonical_int(text)) {
        out += *canonical;
        return;
      }
      break;
    case plain_kind::floating:
      if (is_portable_yaml_float(text)) {  // kept as written: it may carry more than a double
        out += text;
        return;
      }
      if (auto f = parse_core_float(text); f && !f->out_of_range) {
        out += format_float(f->value);
        return;
      }
      break;
    case plain_kind::string:
      if (parse_bool_word(text)) {  // yes/no/on/off: a string, or a bool for a bool field
        out += text;
        return;
      }
      break;
  }
  write_yaml_string(out, text);
}

inline void write_yaml_scalar(std::string& out, const node& n, const std::string& path) {
  if (n.is_null()) {
    out += "null";
    return;
  }
  require_utf8(n.text, path, n);
  if (n.style == scalar_style::quoted) write_yaml_string(out, n.text);
  else write_yaml_plain(out, n.text);
}

// Longer keys are written as explicit keys ("? key" then ": value").
inline constexpr std::size_t max_implicit_key = 1000;

inline bool is_block(const node& n) {
  return (n.is_mapping() && !n.entries.empty()) || (n.is_sequence() && !n.items.empty());
}

inline void write_yaml_inline(std::string& out, const node& n, const std::string& path) {
  if (n.is_mapping()) out += "{}";
  else if (n.is_sequence()) out += "[]";
  else write_yaml_scalar(out, n, path);
}

// Writes a non-empty mapping or sequence as block lines at `indent`; when `continued`, the first
// line's indentation is already written (after "- ").
inline void write_yaml_block(std::string& out, const node& n, std::size_t indent, bool continued, std::string& path) {
  const std::size_t path_size = path.size();
  bool first = true;
  auto start_line = [&] {
    if (!(first && continued)) indent_to(out, indent);
    first = false;
  };
  if (n.is_mapping()) {
    for (const auto& [key, value] : n.entries) {
      path = join_key(path, key);
      require_utf8(key, path, value);
      start_line();
      std::string written;
      write_yaml_string(written, key);
      if (written.size() > max_implicit_key) {
        // YAML (and so yaml-cpp and PyYAML) allows at most 1024 characters in an implicit key.
        out += "? " + written + '\n';
        indent_to(out, indent);
      } else {
        out += written;
      }
      out += ':';
      if (is_block(value)) {
        out += '\n';
        write_yaml_block(out, value, indent + 2, false, path);
      } else {
        out += ' ';
        write_yaml_inline(out, value, path);
        out += '\n';
      }
      path.resize(path_size);
    }
  } else {
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      path = join_index(path, i);
      start_line();
      out += "- ";
      if (is_block(n.items[i])) {
        write_yaml_block(out, n.items[i], indent + 2, true, path);
      } else {
        write_yaml_inline(out, n.items[i], path);
        out += '\n';
      }
      path.resize(path_size);
    }
  }
}

}  // namespace detail

VITALS_INLINE std::string to_yaml(const node& n) {
  std::string out, path;
  if (detail::is_block(n)) {
    detail::write_yaml_block(out, n, 0, false, path);
  } else {
    detail::write_yaml_inline(out, n, path);
    out += '\n';
  }
  return out;
}

}  // namespace vitals::config
