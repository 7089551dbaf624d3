// Bodies of vitals/config/json_writer.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/json_writer.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

// A plain scalar as JSON: the core schema decides whether it is a number, bool, null or string.
VITALS_INLINE void write_json_plain(std::string& out, const std::string& text) {
  switch (resolve_plain(text)) {
    case plain_kind::null: out += "null"; return;
    case plain_kind::boolean: out += *parse_core_bool(text) ? "true" : "false"; return;
    case plain_kind::integer:
      if (auto canonical = canonical_int(text)) {
        out += *canonical;
        return;
      }
      break;
    case plain_kind::floating: {
      auto f = parse_core_float(text);
      if (!f) break;
      if (!f->out_of_range && std::isnan(f->value)) out += "\"nan\"";
      else if (!f->out_of_range && std::isinf(f->value)) out += f->value < 0 ? "\"-inf\"" : "\"inf\"";
      else if (is_json_number(text)) out += text;  // as written: it may carry more than a double
      else if (!f->out_of_range) out += format_float(f->value);
      else break;
      return;
    }
    case plain_kind::string:
    case plain_kind::missing: break;
  }
  write_json_string(out, text);
}

VITALS_INLINE void write_json(std::string& out, const node& n, int indent, int depth, std::string& path) {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out += '\n';
    indent_to(out, static_cast<std::size_t>(indent * d));
  };
  switch (n.kind) {
    case node_kind::null: out += "null"; return;
    case node_kind::scalar:
      require_utf8(n.text, path, n);
      if (n.style == scalar_style::quoted) write_json_string(out, n.text);
      else write_json_plain(out, n.text);
      return;
    case node_kind::sequence: {
      if (n.items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      const std::size_t path_size = path.size();
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        path = join_index(path, i);
        write_json(out, n.items[i], indent, depth + 1, path);
        path.resize(path_size);
      }
      newline(depth);
      out += ']';
      return;
    }
    case node_kind::mapping: {
      if (n.entries.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      const std::size_t path_size = path.size();
      bool first = true;
      for (const auto& [key, value] : n.entries) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        path = join_key(path, key);
        require_utf8(key, path, value);
        write_json_string(out, key);
        out += indent > 0 ? ": " : ":";
        write_json(out, value, indent, depth + 1, path);
        path.resize(path_size);
      }
      newline(depth);
      out += '}';
      return;
    }
  }
}

}  // namespace detail

VITALS_INLINE std::string to_json(const node& n, int indent) {
  std::string out, path;
  detail::write_json(out, n, indent, 0, path);
  if (indent > 0) out += '\n';
  return out;
}

}  // namespace vitals::config
