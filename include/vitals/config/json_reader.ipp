// Bodies of vitals/config/json_reader.hpp (see vitals/version.hpp): the simdjson On-Demand tree builder.
#pragma once

#include "vitals/config/json_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "vitals/config/scalar.hpp"
#include "vitals/detail/simdjson.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

/// simdjson's error, said the way a config's author thinks of it.
inline std::string describe_json_error(simdjson::error_code e) {
  switch (e) {
    case simdjson::TAPE_ERROR: return "a ',', ':', '{', '}', '[' or ']' is missing or out of place";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "the text ends inside an object or array";
    case simdjson::UNCLOSED_STRING: return "a string is not closed";
    case simdjson::STRING_ERROR: return "invalid string (bad escape or unescaped control character)";
    case simdjson::UTF8_ERROR: return "the text is not valid UTF-8";
    case simdjson::UNESCAPED_CHARS: return "a string holds an unescaped control character";
    case simdjson::EMPTY: return "no JSON value (the text is empty)";
    case simdjson::DEPTH_ERROR: return "nesting is too deep";
    default: return simdjson::error_message(e);
  }
}

/// A bad literal's text for a message: up to the next delimiter, at most 20 bytes.
inline std::string_view literal_of(std::string_view token) {
  std::size_t n = 0;
  while (n < token.size() && n < 20 && token[n] != ',' && token[n] != '}' && token[n] != ']' && token[n] != ' ' &&
         token[n] != '\n' && token[n] != '\t' && token[n] != '\r')
    ++n;
  return token.substr(0, n);
}

class json_tree_builder {
 public:
  json_tree_builder(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  /// An error from simdjson's first pass, which does not say where it failed; for bad UTF-8 we can.
  [[noreturn]] void fail_stage1(simdjson::error_code e) {
    std::size_t at = e == simdjson::UTF8_ERROR ? first_invalid_utf8(text_) : 0;
    fail(text_.data() + at, "JSON syntax error: " + describe_json_error(e));
  }

  node build(simdjson::ondemand::document& doc) {
    doc_ = &doc;
    node root;
    simdjson::ondemand::json_type type = simdjson::ondemand::json_type::null;
    check(doc.type().get(type), doc_location(doc));
    switch (type) {
      case simdjson::ondemand::json_type::object: {
        simdjson::ondemand::object obj;
        const char* at = doc_location(doc);
        check(doc.get_object().get(obj), at);
        root = read_object(obj, at, nullptr, 1);
        break;
      }
      case simdjson::ondemand::json_type::array: {
        simdjson::ondemand::array arr;
        const char* at = doc_location(doc);
        check(doc.get_array().get(arr), at);
        root = read_array(arr, at, nullptr, 1);
        break;
      }
      default: {
        // A scalar document: On-Demand's token runs to the end of the text, so split off
        // whatever follows the scalar here.
        std::string_view token;
        check(doc.raw_json_token().get(token), doc_location(doc));
        std::size_t end = scalar_end(token, type);
        root = read_scalar(doc, type, token.substr(0, end));
        std::size_t after = static_cast<std::size_t>(token.data() - text_.data()) + end;
        std::string_view rest = trim_space(text_.substr(after));
        if (!rest.empty()) fail(rest.data(), "unexpected text after the JSON value");
        break;
      }
    }
    // On-Demand stops after the root value; anything after it is an error.
    const char* rest = nullptr;
    if (type == simdjson::ondemand::json_type::object || type == simdjson::ondemand::json_type::array)
      if (doc.current_location().get(rest) == simdjson::SUCCESS && rest < text_.data() + text_.size())
        fail(rest, "unexpected text after the JSON value");
    if (!problems_.empty()) throw config_error(in_source_order(std::move(problems_)));
    return root;
  }

 private:
  // A key path built only when a problem needs it: each level points at its parent.
  struct path_link {
    const path_link* parent;
    std::string_view key;  // for objects
    std::size_t index;     // for arrays, when key is empty and is_index
    bool is_index;
  };

  static std::string path_of(const path_link* link) {
    if (!link) return {};
    std::string parent = path_of(link->parent);
    return link->is_index ? join_index(parent, link->index) : join_key(parent, link->key);
  }

  static const char* doc_location(simdjson::ondemand::document& doc, const char* fallback) {
    const char* p = nullptr;
    if (doc.current_location().get(p) != simdjson::SUCCESS) p = fallback;
    return p;
  }
  const char* doc_location(simdjson::ondemand::document& doc) { return doc_location(doc, text_.data() + text_.size()); }
  // Where the parser stopped: the best place to point at for an error it reports.
  const char* error_location() { return doc_location(*doc_); }

  // Offsets only grow while the tree is built, so line:col advance from the last answer.
  source_location location(const char* p) {
    std::size_t offset = static_cast<std::size_t>(p - text_.data());
    if (offset > text_.size()) offset = text_.size();
    if (offset < cursor_) cursor_ = 0, line_ = 1, line_start_ = 0;  // never expected; stay correct
    for (; cursor_ < offset; ++cursor_)
      if (text_[cursor_] == '\n') ++line_, line_start_ = cursor_ + 1;
    return source_location::in_file(file_, line_, static_cast<int>(offset - line_start_ + 1));
  }

  [[noreturn]] void fail(const char* p, std::string message) {
    problems_.push_back({"", std::move(message), location(p)});
    throw config_error(in_source_order(std::move(problems_)));
  }

  void check(simdjson::error_code e, const char* p) {
    if (e == simdjson::SUCCESS) return;
    if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
      // On-Demand says this both when the text ends early and when something follows the root
      // object or array (its last token is then not '}' or ']'); tell the two apart.
      std::size_t end = value_end(text_);
      if (end < text_.size()) {
        std::string_view rest = trim_space(text_.substr(end));
        if (!rest.empty()) fail(rest.data(), "unexpected text after the JSON value");
      }
      p = text_.data() + text_.size();  // it ended early: the end is where to look
    }
    fail(p, "JSON syntax error: " + describe_json_error(e));
  }

  // Where the root object or array closes (brackets counted outside strings), or text.size().
  static std::size_t value_end(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return text.size();
  }

  // The size of the scalar at the start of a root token (strings end at their closing quote).
  static std::size_t scalar_end(std::string_view token, simdjson::ondemand::json_type type) {
    std::size_t i = 0;
    if (type == simdjson::ondemand::json_type::string) {
      for (i = 1; i < token.size() && token[i] != '"'; ++i)
        if (token[i] == '\\') ++i;
      return i < token.size() ? i + 1 : token.size();
    }
    while (i < token.size() && !is_space(token[i])) ++i;
    return i;
  }

  template <class V>
  node read_scalar(V& v, simdjson::ondemand::json_type type, std::string_view token) {
    const char* at = token.data();
    source_location where = location(at);
    switch (type) {
      case simdjson::ondemand::json_type::string: {
        std::string_view s;
        check(v.get_string().get(s), at);
        return node::scalar(std::string(s), scalar_style::quoted, std::move(where));
      }
      case simdjson::ondemand::json_type::number: {
        std::string_view text = trim_trailing_space(token);
        if (!is_json_number(text)) fail(at, "JSON syntax error: invalid number '" + std::string(text) + "'");
        return node::scalar(std::string(text), scalar_style::plain, std::move(where));
      }
      case simdjson::ondemand::json_type::boolean:
      case simdjson::ondemand::json_type::null: {
        // Checked by their text: simdjson's checks of a root literal look past its end.
        std::string_view literal = literal_of(token);
        if (literal == "null") return node::null_value(std::move(where));
        if (literal == "true" || literal == "false")
          return node::scalar(std::string(literal), scalar_style::plain, std::move(where));
        fail(at, "JSON syntax error: invalid literal '" + std::string(literal) + "'");
      }
      default:
        fail(at, "JSON syntax error: unexpected value");
    }
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static std::string_view trim_trailing_space(std::string_view s) {
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
  }
  static std::string_view trim_space(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return trim_trailing_space(s);
  }

  node read_value(simdjson::ondemand::value v, const path_link* path, std::size_t depth) {
    const char* here = nullptr;
    check(v.current_location().get(here), error_location());
    std::string_view token = v.raw_json_token();
    simdjson::ondemand::json_type type = simdjson::ondemand::json_type::null;
    check(v.type().get(type), here);
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object obj;
      check(v.get_object().get(obj), here);
      return read_object(obj, here, path, depth + 1);
    }
    if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array arr;
      check(v.get_array().get(arr), here);
      return read_array(arr, here, path, depth + 1);
    }
    return read_scalar(v, type, token);
  }

  void check_depth(std::size_t depth, const char* at) {
    if (depth > max_nesting_depth)
      fail(at, "nesting is deeper than " + std::to_string(max_nesting_depth) + " levels");
  }

  node read_object(simdjson::ondemand::object& obj, const char* at, const path_link* path, std::size_t depth) {
    check_depth(depth, at);
    node out = node::mapping(location(at));
    for (auto field : obj) {
      if (field.error() != simdjson::SUCCESS) {
        check(field.error(), error_location());
      }
      std::string_view key;
      const char* key_at = field.value_unsafe().key().raw();
      check(field.unescaped_key().get(key), key_at);
      std::string key_text(key);
      path_link link{path, key_text, 0, false};
      simdjson::ondemand::value v;
      check(field.value().get(v), key_at);
      node child = read_value(v, &link, depth);
      child.key_where = location(key_at - 1);  // key_at is just past the key's opening quote
      out.entries.emplace_back(std::move(key_text), std::move(child));
    }
    check_duplicate_keys(out, path_of(path), problems_);
    return out;
  }

  node read_array(simdjson::ondemand::array& arr, const char* at, const path_link* path, std::size_t depth) {
    check_depth(depth, at);
    node out = node::sequence(location(at));
    for (auto element : arr) {
      simdjson::ondemand::value v;
      if (element.get(v) != simdjson::SUCCESS) check(element.error(), error_location());
      path_link link{path, {}, out.items.size(), true};
      out.items.push_back(read_value(v, &link, depth));
    }
    return out;
  }

  std::string_view text_;
  std::string file_;
  simdjson::ondemand::document* doc_ = nullptr;
  std::vector<problem> problems_;
  std::size_t cursor_ = 0, line_start_ = 0;
  int line_ = 1;
};

}  // namespace detail

VITALS_INLINE node parse_json(std::string_view text, std::string file) {
  if (text.size() > limits().max_config_bytes)
    throw config_error(problem{"", "config text is larger than the " + detail::byte_size_text(limits().max_config_bytes) +
                                       " limit (vitals::config::limits().max_config_bytes)",
                               source_location::in_file(file)});
  // A UTF-8 byte-order mark (Windows editors write one) is skipped, as YAML readers do; columns on
  // the first line then count from after it, as an editor shows them.
  using namespace std::string_view_literals;
  if (text.substr(0, 3) == "\xEF\xBB\xBF"sv) text.remove_prefix(3);
  else if (text.substr(0, 2) == "\xFF\xFE"sv || text.substr(0, 2) == "\xFE\xFF"sv)
    throw config_error(problem{"", "the text is UTF-16 (it starts with a UTF-16 byte-order mark); a JSON config must be UTF-8",
                               source_location::in_file(file, 1, 1)});
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  std::string_view body(padded.data(), padded.size());
  detail::json_tree_builder builder(body, file);
  if (auto e = parser.iterate(padded).get(doc); e != simdjson::SUCCESS) builder.fail_stage1(e);
  return builder.build(doc);
}

/// Reads and parses a JSON file; locations name the file as given.
VITALS_INLINE node load_json_file(const std::filesystem::path& path) {
  return parse_json(detail::read_text_file(path), path.string());
}

}  // namespace vitals::config
