// Bodies of vitals/config/compose/override_parser.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/override_parser.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "vitals/config/compose/override_functions.hpp"
#include "vitals/config/compose/override_lexicon.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

class override_parser : private override_functions {
 public:
  override_parser(std::string_view input, int index) : override_functions(input, index) {}

  override_spec parse() {
    override_spec o;
    o.input = std::string(input_);
    o.index = index_;
    std::string_view s = input_;
    if (s.substr(0, 2) == "++") {
      o.op = override_op::force_add;
      s.remove_prefix(2);
    } else if (s.substr(0, 1) == "+") {
      o.op = override_op::add;
      s.remove_prefix(1);
    } else if (s.substr(0, 1) == "~") {
      o.op = override_op::remove;
      s.remove_prefix(1);
    }
    std::size_t eq = s.find('=');
    std::string_view key = s.substr(0, eq);
    if (eq == std::string_view::npos && o.op != override_op::remove)
      fail("expected key=value (or ~key to delete a key); a key alone is not an override");
    std::size_t at = key.find('@');
    o.key = std::string(key.substr(0, at));
    if (at != std::string_view::npos) o.package = std::string(key.substr(at + 1));
    check_key(o.key, "key");
    if (o.package && !o.package->empty()) check_key(*o.package, "package");
    if (eq == std::string_view::npos) {
      o.has_value = false;
      o.value.type = override_value_type::null;
      return o;
    }
    text_ = s.substr(eq + 1);
    pos_ = 0;
    skip_ws();  // Hydra's EQUAL token swallows the blanks after '='
    if (pos_ == text_.size()) {  // `key=` and `~key=`: the empty string, as in Hydra
      o.value = {node::scalar("", scalar_style::quoted), override_value_type::string, "''"};
      return o;
    }
    std::vector<override_value> elems;
    bool function_sweep = false;
    elems.push_back(element(&function_sweep, &o.choices));
    while (at_comma()) {
      ++pos_;
      elems.push_back(element(nullptr, nullptr));
    }
    skip_ws();
    if (pos_ != text_.size()) fail_at("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (elems.size() > 1) {
      o.sweep = true;
      o.choices = std::move(elems);
    } else if (function_sweep) {
      o.sweep = true;
      o.interval = top_interval_;
      o.glob = std::move(glob_);
    } else {
      o.value = std::move(elems.front());
    }
    for (auto& c : o.choices) c.value.where = o.where();
    o.value.value.where = o.where();
    stamp(o.value.value, o.where());
    for (auto& c : o.choices) stamp(c.value, o.where());
    return o;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool top_interval_ = false;  // the value is interval(...)
  std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> glob_;  // glob(include, exclude)

  [[noreturn]] void fail_at(const std::string& msg) const {
    fail(msg + " at column " + std::to_string(input_.size() - text_.size() + pos_ + 1) +
         " (quote the value, e.g. key='a b', or escape the character with '\\')");
  }

  static void stamp(node& n, const source_location& loc) {
    n.where = loc;
    for (auto& i : n.items) stamp(i, loc);
    for (auto& e : n.entries) stamp(e.second, loc);
  }

  // Hydra's key grammar: ID | KEY_SPECIAL | DOT_PATH (segments may be list indices) | ID(/ID)+.
  void check_key(const std::string& k, const char* what) const {
    if (k.empty()) fail(std::string("missing ") + what + " before '='");
    for (char c : k)
      if (!key_char(c))
        fail(std::string("invalid character '") + c + "' in " + what + " '" + k +
             "' (keys are letters, digits, '_', '-', '$', separated by '.' or '/')");
    const bool dotted = k.find('.') != std::string::npos, slashed = k.find('/') != std::string::npos;
    if (dotted && slashed) fail(std::string("malformed ") + what + " '" + k + "': use '.' for keys or '/' for groups, not both");
    std::size_t start = 0;
    while (true) {
      std::size_t end = k.find(dotted ? '.' : '/', start);
      std::string_view seg = std::string_view(k).substr(start, end == std::string::npos ? std::string::npos : end - start);
      bool ok = !seg.empty() && (id_start(seg[0]) || (seg[0] == '$' && !slashed));
      if (!ok && dotted && !seg.empty() && is_digit(seg[0])) ok = seg == "0" || (seg[0] != '0' && hydra_int(seg));
      if (ok)
        for (char c : seg) ok = ok && (id_char(c) || (c == '$' && !slashed));
      if (!ok)
        fail(std::string("malformed ") + what + " '" + k + "' (a key part starts with a letter, '_' or '$'; list indices only after a '.')");
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_ws() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool at_comma() {
    std::size_t save = pos_;
    skip_ws();
    if (peek() == ',') return true;
    pos_ = save;
    return false;
  }

  override_value element(bool* function_sweep, std::vector<override_value>* sweep_out) {
    skip_ws();
    std::size_t start = pos_;
    char c = peek();
    override_value v;
    if (c == '[') {
      ++pos_;
      v.value = node::sequence();
      v.type = override_value_type::list;
      skip_ws();
      if (peek() == ']') {
        ++pos_;
      } else {
        for (;;) {
          v.value.items.push_back(element(nullptr, nullptr).value);
          skip_ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          if (peek() == ']') {
            ++pos_;
            break;
          }
          fail_at(at_end() ? "missing ']'" : "unexpected '" + std::string(1, peek()) + "' in a list");
        }
      }
    } else if (c == '{') {
      ++pos_;
      v.value = node::mapping();
      v.type = override_value_type::dict;
      skip_ws();
      if (peek() == '}') {
        ++pos_;
      } else {
        for (;;) {
          std::string key = dict_key();
          skip_ws();
          if (peek() != ':') fail_at("expected ':' after dict key '" + key + "'");
          ++pos_;
          if (v.value.find(key)) fail_at("duplicate dict key '" + key + "'");
          v.value.set(key, element(nullptr, nullptr).value);
          skip_ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          if (peek() == '}') {
            ++pos_;
            break;
          }
          fail_at(at_end() ? "missing '}'" : "unexpected '" + std::string(1, peek()) + "' in a dict");
        }
      }
    } else if (c == '\'' || c == '"') {
      v.value = node::scalar(quoted(), scalar_style::quoted);
      v.type = override_value_type::string;
    } else if (id_start(c) && is_function()) {
      std::size_t call_start = pos_;
      fn_value f = function();
      if (f.k == fn_value::kind::element) {
        v = std::move(f.element);
      } else {
        if (!function_sweep || !sweep_out)
          fail("'" + std::string(text_.substr(call_start, pos_ - call_start)) +
               "' is a sweep; a sweep can only be the whole value of an override (sweeps do not nest)");
        *function_sweep = true;
        *sweep_out = std::move(f.list);
        top_interval_ = f.k == fn_value::kind::interval;
        if (f.k == fn_value::kind::glob) glob_ = std::make_pair(std::move(f.include), std::move(f.exclude));
        v.type = override_value_type::list;
      }
    } else {
      v = primitive();
    }
    std::string_view raw = text_.substr(start, pos_ - start);
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
    if (v.text.empty()) v.text = std::string(raw);
    return v;
  }

  bool is_function() const {
    std::size_t p = pos_;
    while (p < text_.size() && id_char(text_[p])) ++p;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    return p < text_.size() && text_[p] == '(';
  }

  fn_value parse_fn_arg() {
    skip_ws();
    if (id_start(peek()) && is_function()) return function();
    fn_value f;
    f.element = element(nullptr, nullptr);
    return f;
  }

  // A function call, evaluated as Hydra evaluates it (hydra/_internal/grammar/grammar_functions.py).
  fn_value function() {
    std::size_t s = pos_;
    while (id_char(peek())) ++pos_;
    std::string name(text_.substr(s, pos_ - s));
    skip_ws();
    ++pos_;  // '('
    std::vector<fn_arg> args;
    skip_ws();
    if (peek() != ')') {
      for (;;) {
        fn_arg a;
        skip_ws();
        std::size_t save = pos_;
        if (id_start(peek())) {  // name=value
          std::size_t p = pos_;
          while (p < text_.size() && id_char(text_[p])) ++p;
          std::size_t q = p;
          while (q < text_.size() && (text_[q] == ' ' || text_[q] == '\t')) ++q;
          if (q < text_.size() && text_[q] == '=') {
            a.name = std::string(text_.substr(pos_, p - pos_));
            pos_ = q + 1;
          } else {
            pos_ = save;
          }
        }
        if (a.name.empty() && !args.empty() && !args.back().name.empty()) fail("positional argument follows keyword argument");
        a.value = parse_fn_arg();
        args.push_back(std::move(a));
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == ')') break;
        fail_at(at_end() ? "missing ')'" : "unexpected '" + std::string(1, peek()) + "' in " + name + "(...)");
      }
    }
    ++pos_;  // ')'
    return call(name, std::string(text_.substr(s, pos_ - s)), std::move(args));
  }

  std::string quoted() {
    char q = text_[pos_];
    std::size_t s = ++pos_;
    // The closing quote is the first one not escaped by an odd run of backslashes.
    for (;;) {
      if (at_end()) fail_at(std::string("missing closing ") + q);
      if (text_[pos_] == q) {
        std::size_t bs = 0;
        while (pos_ - bs > s && text_[pos_ - bs - 1] == '\\') ++bs;
        if (bs % 2 == 0) break;
      }
      ++pos_;
    }
    std::string_view body = text_.substr(s, pos_ - s);
    ++pos_;
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\') {
        std::size_t j = i;
        while (j < body.size() && body[j] == '\\') ++j;
        std::size_t run = j - i;
        if (j == body.size()) {
          out.append(run / 2, '\\');  // backslashes before the closing quote are escaped pairs
        } else if (body[j] == q) {
          out.append(run / 2, '\\');
          out += q;
          j += 1;
        } else {
          out.append(run, '\\');
        }
        i = j - 1;
        continue;
      }
      out += body[i];
    }
    return out;
  }

  std::string dict_key() {
    skip_ws();
    std::string out;
    while (!at_end()) {
      char c = peek();
      if (c == ':' || c == ',' || c == '}') break;
      if (c == '\\' && pos_ + 1 < text_.size() && escapable(text_[pos_ + 1])) {
        out += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      if (!unquoted_char(c)) fail_at("invalid character '" + std::string(1, c) + "' in a dict key");
      out += c;
      ++pos_;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    if (out.empty()) fail_at("empty dict key");
    return out;
  }

  override_value primitive() {
    std::string out;         // with escapes resolved
    std::vector<bool> kept;  // per char of `out`: escaped, so never stripped as a blank
    bool escaped = false;    // an escape or interpolation makes it a string, as in Hydra
    std::size_t start = pos_;
    while (!at_end()) {
      char c = peek();
      if (c == ',' || c == ']' || c == '}' || c == ')') break;
      if (c == '$' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        std::size_t close = text_.find('}', pos_);
        if (close == std::string_view::npos) fail_at("unterminated interpolation '${'");
        out.append(text_.substr(pos_, close - pos_ + 1));
        kept.resize(out.size(), true);
        pos_ = close + 1;
        escaped = true;
        continue;
      }
      if (c == '\\' && pos_ + 1 < text_.size() && escapable(text_[pos_ + 1])) {
        out += text_[pos_ + 1];
        kept.push_back(true);
        pos_ += 2;
        escaped = true;
        continue;
      }
      if (c == '\'' || c == '"') fail_at("a quote inside an unquoted value; quote the whole value instead");
      if (!unquoted_char(c)) fail_at("character '" + std::string(1, c) + "' is not allowed in an unquoted value");
      out += c;
      kept.push_back(false);
      ++pos_;
    }
    // Hydra strips the blanks around an unquoted value, but not escaped ones ("a\ ").
    auto blank = [&](std::size_t i) { return !kept[i] && (out[i] == ' ' || out[i] == '\t'); };
    std::size_t b = 0, e = out.size();
    while (b < e && blank(b)) ++b;
    while (e > b && blank(e - 1)) --e;
    out = out.substr(b, e - b);
    if (out.empty() && pos_ == start) fail_at(at_end() ? "missing value" : "unexpected '" + std::string(1, peek()) + "'");
    override_value v;
    if (!escaped) type_primitive(out, v);
    if (v.value.is_null() && v.type == override_value_type::string) v.value = node::scalar(out, scalar_style::quoted);
    return v;
  }

};
}  // namespace detail

VITALS_INLINE override_spec parse_override(std::string_view text, int index) {
  if (std::size_t at = detail::first_invalid_utf8(text); at < text.size()) {
    source_location loc;
    loc.origin = "override" + (index > 0 ? " #" + std::to_string(index) : std::string());
    throw config_error(problem{"", "the override is not valid UTF-8 (" + detail::invalid_byte_text(text, at) + " at byte " +
                                       std::to_string(at + 1) + "); command-line values must be UTF-8",
                               loc});
  }
  return detail::override_parser(text, index).parse();
}

VITALS_INLINE std::vector<override_spec> parse_overrides(const std::vector<std::string>& lines) {
  std::vector<override_spec> out;
  std::vector<problem> problems;
  std::size_t more = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    try {
      out.push_back(parse_override(lines[i], static_cast<int>(i) + 1));
    } catch (const config_error& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
      more += e.more();
    }
  }
  if (!problems.empty()) throw config_error(std::move(problems), more);
  return out;
}
}  // namespace vitals::config
