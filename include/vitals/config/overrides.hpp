// Command-line overrides in Hydra's grammar: `key=value`, `+key=value`, `++key=value`, `~key`,
// `~key=value`, `group@pkg=option`, lists `[1,2]`, dicts `{a: 1}`, quoted strings, escapes, and
// sweeps (`a=1,2,3`, `choice(a,b)`, `range(0,5)`).
//
// The parser follows Hydra 1.3's OverrideLexer/OverrideParser grammar token by token (which
// characters an unquoted value may hold, when `1`, `1.5`, `true`, `null` are typed and when the
// text is a string), because users paste the same command lines into both tools. Values become
// value-tree nodes: typed primitives are plain scalars in canonical spelling, strings are quoted
// scalars, so later YAML 1.2 typing cannot reinterpret a string the user wrote (`yes` stays "yes").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/compose_decimal.hpp"
#include "vitals/config/compose_values.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::config {

/// What an override does with its key.
enum class override_op {
  set,        // key=value: the key must exist
  add,        // +key=value: the key must not exist (or be null)
  force_add,  // ++key=value: add or set
  remove,     // ~key or ~key=value
};

/// The type a value was parsed as (Hydra types unquoted `1` as int, `'1'` as a string).
enum class override_value_type { null, boolean, integer, floating, string, list, dict };

/// One value of an override: the tree node, its parsed type, and its text (to rebuild a job line).
struct override_value {
  node value;
  override_value_type type = override_value_type::string;
  std::string text;
};

/// One parsed override.
struct override_spec {
  std::string input;                   // as written, e.g. "exp.fold=[0,1]"
  int index = 0;                       // 1-based position on the command line (0 = unknown)
  override_op op = override_op::set;
  std::string key;                     // "exp.fold", "exp", "db/mysql"
  std::optional<std::string> package;  // "exp@pkg=..." -> "pkg"
  bool has_value = true;               // false only for "~key"
  bool sweep = false;                  // a=1,2 / choice(...) / range(...) / sort(...) / shuffle(...) / glob(...)
  bool interval = false;               // interval(a,b): a sweep only optimizing sweepers take
  std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> glob;  // glob(include, exclude=)
  override_value value;                // when !sweep
  std::vector<override_value> choices; // when sweep: every value, in order

  /// "+exp@pkg", "~a.b": the key with its prefix, as Hydra's get_key_element().
  std::string key_element() const {
    std::string prefix = op == override_op::add ? "+" : op == override_op::force_add ? "++" : op == override_op::remove ? "~" : "";
    return prefix + key + (package ? "@" + *package : "");
  }
  source_location where() const {
    source_location loc;
    loc.origin = "override" + (index > 0 ? " #" + std::to_string(index) : std::string()) + " '" + input + "'";
    return loc;
  }
};

namespace detail {

class override_parser {
 public:
  override_parser(std::string_view input, int index) : input_(input), index_(index) {}

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
  std::string_view input_;
  int index_;
  std::string_view text_;
  std::size_t pos_ = 0;
  bool top_interval_ = false;  // the value is interval(...)
  std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> glob_;  // glob(include, exclude)

  [[noreturn]] void fail(const std::string& msg) const {
    source_location loc;
    loc.origin = "override" + (index_ > 0 ? " #" + std::to_string(index_) : std::string()) + " '" + std::string(input_) + "'";
    throw config_error(problem{"", msg, loc});
  }
  [[noreturn]] void fail_at(const std::string& msg) const {
    fail(msg + " at column " + std::to_string(input_.size() - text_.size() + pos_ + 1) +
         " (quote the value, e.g. key='a b', or escape the character with '\\')");
  }

  static void stamp(node& n, const source_location& loc) {
    n.where = loc;
    for (auto& i : n.items) stamp(i, loc);
    for (auto& e : n.entries) stamp(e.second, loc);
  }

  static bool key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '$' || c == '.' || c == '/';
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

  static bool id_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool id_char(char c) { return id_start(c) || (c >= '0' && c <= '9') || c == '-'; }

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

  // What a call of one of Hydra's grammar functions gives: a plain value (sort([3,1]) is the list
  // [1,3]) or a sweep. Tags only label a sweep for other sweepers; the basic sweeper ignores them.
  struct fn_value {
    enum class kind { element, choice, interval, glob } k = kind::element;
    override_value element;            // kind::element
    std::vector<override_value> list;  // kind::choice: every value (range(...) already expanded)
    std::vector<std::string> include, exclude;  // kind::glob
    std::vector<override_value> range_args;     // kind::choice made by range(...): start, stop, step
  };
  struct fn_arg {
    std::string name;  // "" when positional
    fn_value value;
  };

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

  [[noreturn]] void fail_fn(const std::string& call_text, const std::string& msg) const {
    fail("in '" + call_text + "': " + msg);
  }

  // Takes the named argument `name`, else the next positional one; nullptr when absent.
  static const fn_value* take(std::vector<fn_arg>& args, std::size_t& next, const char* name) {
    for (auto& a : args)
      if (a.name == name) return &a.value;
    if (next < args.size() && args[next].name.empty()) return &args[next++].value;
    return nullptr;
  }
  static bool is_sweep(const fn_value& f) { return f.k != fn_value::kind::element; }
  static bool is_number(const override_value& v) {
    return v.type == override_value_type::integer || v.type == override_value_type::floating || v.type == override_value_type::boolean;
  }

  fn_value call(const std::string& name, const std::string& text, std::vector<fn_arg> args) {
    std::size_t next = 0;
    auto positional = [&] {
      std::vector<fn_value> out;
      for (auto& a : args)
        if (a.name.empty()) out.push_back(a.value);
      return out;
    };
    for (const auto& a : args) {  // the keyword arguments each function takes
      static const char* const known[][4] = {{"range", "start", "stop", "step"}, {"interval", "start", "end", ""},
                                              {"sort", "sweep", "list", "reverse"}, {"shuffle", "sweep", "list", ""},
                                              {"tag", "sweep", "", ""},            {"glob", "include", "exclude", ""},
                                              {"int", "value", "", ""},            {"float", "value", "", ""},
                                              {"str", "value", "", ""},            {"bool", "value", "", ""}};
      bool ok = a.name.empty();
      for (const auto& k : known)
        if (name == k[0]) ok = ok || a.name == k[1] || a.name == k[2] || a.name == k[3];
      if (!ok && !a.name.empty() && (name == "choice" || name == "range" || name == "interval" || name == "sort" ||
                                     name == "shuffle" || name == "tag" || name == "glob"))
        fail_fn(text, name + "() got an unexpected keyword argument '" + a.name + "'");
    }
    fn_value out;
    if (name == "choice") {
      std::vector<fn_value> pos = positional();
      if (pos.empty()) fail_fn(text, "empty choice is not legal");
      for (auto& p : pos) {
        if (is_sweep(p)) fail_fn(text, "nesting choices is not supported");
        out.list.push_back(std::move(p.element));
      }
      out.k = fn_value::kind::choice;
      return out;
    }
    if (name == "range" || name == "interval") {
      std::vector<override_value> num;
      const char* names[] = {"start", name == "range" ? "stop" : "end", "step"};
      for (const char* n : names) {
        const fn_value* v = take(args, next, n);
        if (!v) continue;
        if (is_sweep(*v) || !is_number(v->element)) fail_fn(text, name + "() arguments must be numbers");
        num.push_back(v->element);
      }
      if (name == "interval") {
        if (num.size() != 2) fail_fn(text, "interval() takes two numbers: interval(start, end)");
        out.k = fn_value::kind::interval;
        return out;
      }
      if (num.empty()) fail_fn(text, "range() takes 1 to 3 numbers: range(stop), range(start, stop[, step])");
      out.k = fn_value::kind::choice;
      out.list = range(num);
      out.range_args = num;
      return out;
    }
    if (name == "int" || name == "float" || name == "str" || name == "bool") {
      const fn_value* named = nullptr;
      for (auto& a : args)
        if (a.name == "value") named = &a.value;
      std::vector<fn_value> pos = positional();
      if (named && !pos.empty()) fail_fn(text, "cannot use both position and named arguments");
      if (!named && pos.empty()) fail_fn(text, "no positional args or value specified");
      fn_value in;
      if (named) {
        in = *named;
      } else if (pos.size() == 1) {
        in = pos[0];
      } else {  // int(1,2) is int(choice(1,2))
        in.k = fn_value::kind::choice;
        for (auto& p : pos) {
          if (is_sweep(p)) fail_fn(text, "invalid arguments");
          in.list.push_back(p.element);
        }
      }
      if (in.k == fn_value::kind::glob) fail_fn(text, "a glob cannot be cast");
      if (in.k == fn_value::kind::interval) {
        if (name == "str" || name == "bool") fail_fn(text, "Intervals cannot be cast to " + name);
        return in;
      }
      if (!in.range_args.empty()) {  // the range's bounds are cast, then it is expanded again
        if (name != "int" && name != "float") fail_fn(text, "Range can only be cast to int or float");
        for (auto& a : in.range_args) a = cast(name, a, text);
        in.list = range(in.range_args);
        return in;
      }
      if (in.k == fn_value::kind::choice) {
        for (auto& v : in.list) v = cast(name, v, text);
        return in;
      }
      in.element = cast(name, in.element, text);
      return in;
    }
    if (name == "tag") {
      const fn_value* sweep = nullptr;
      for (auto& a : args)
        if (a.name == "sweep") sweep = &a.value;
      std::vector<fn_value> pos = positional();
      if (!sweep && !pos.empty() && is_sweep(pos.back())) {
        sweep = &pos.back();
        pos.pop_back();
      }
      if (!sweep) fail_fn(text, "the last argument to tag() must be a choice(), range() or interval()");
      for (const auto& t : pos)
        if (is_sweep(t) || t.element.type != override_value_type::string)
          fail_fn(text, "tag arguments must be strings, got '" + t.element.text + "'");
      return *sweep;
    }
    if (name == "sort" || name == "shuffle") {
      const fn_value* sw = nullptr;
      const fn_value* lst = nullptr;
      bool reverse = false;
      for (auto& a : args) {
        if (a.name == "sweep") sw = &a.value;
        if (a.name == "list") lst = &a.value;
        if (a.name == "reverse") reverse = a.value.element.type == override_value_type::boolean && a.value.element.value.text == "true";
      }
      std::vector<fn_value> pos = positional();
      if (!sw && !lst && pos.size() == 1) (is_sweep(pos[0]) ? sw : lst) = &pos[0];
      if (sw || lst) {
        const fn_value& in = sw ? *sw : *lst;
        if (in.k == fn_value::kind::interval || in.k == fn_value::kind::glob)
          fail_fn(text, name + "() takes a list, choice() or range()");
        out = in;
        if (!sw && in.element.type != override_value_type::list) {  // sort(x) is x, shuffle(x) is [x]
          if (name == "sort") return out;
          out.element.value = node::sequence();
          out.element.value.items.push_back(in.element.value);
          out.element.type = override_value_type::list;
          out.element.text = "[" + in.element.text + "]";
          return out;
        }
      } else {
        if (pos.empty()) fail_fn(text, "empty " + name + " input");
        out.k = fn_value::kind::choice;
        for (auto& p : pos) {
          if (is_sweep(p)) fail_fn(text, "invalid arguments");
          out.list.push_back(p.element);
        }
      }
      if (out.k == fn_value::kind::choice) {
        name == "sort" ? sort_values(out.list, reverse, text) : shuffle_values(out.list);
      } else {  // a list value: reorder its items, and spell it again
        std::vector<override_value> items;
        for (auto& i : out.element.value.items) items.push_back(as_value(i));
        name == "sort" ? sort_values(items, reverse, text) : shuffle_values(items);
        out.element.value.items.clear();
        out.element.text = "[";
        for (std::size_t i = 0; i < items.size(); ++i) {
          out.element.value.items.push_back(items[i].value);
          out.element.text += (i ? "," : "") + items[i].text;
        }
        out.element.text += "]";
      }
      return out;
    }
    if (name == "glob") {
      auto strings = [&](const fn_value* v, std::vector<std::string>& into) {
        if (!v) return;
        if (is_sweep(*v)) fail_fn(text, "glob() takes strings or lists of strings");
        if (v->element.type == override_value_type::list)
          for (const auto& i : v->element.value.items) into.push_back(i.text);
        else
          into.push_back(v->element.value.text);
      };
      strings(take(args, next, "include"), out.include);
      strings(take(args, next, "exclude"), out.exclude);
      if (out.include.empty()) fail_fn(text, "glob() needs at least one pattern, e.g. glob(*)");
      out.k = fn_value::kind::glob;
      return out;
    }
    fail("unknown function '" + name + "' in '" + text + "' (Hydra's override functions: bool, choice, float, glob, int, " +
         "interval, range, shuffle, sort, str, tag)");
  }

  // Hydra's casts (Python's int(), float(), str(), bool() on the parsed value; lists and dicts
  // item by item). A cast value is spelled unquoted in a sweep's job lines, as Hydra spells it,
  // so str(1,2) sweeps over the ints 1 and 2 just as in Hydra.
  override_value cast(const std::string& to, const override_value& v, const std::string& text) const {
    override_value out;
    if (v.type == override_value_type::list || v.type == override_value_type::dict) {
      out.type = v.type;
      out.value = v.type == override_value_type::list ? node::sequence() : node::mapping();
      out.text = v.type == override_value_type::list ? "[" : "{";
      bool first = true;
      auto add = [&](const std::string* key, const node& item) {
        override_value c = cast(to, as_value(item), text);
        if (key) out.value.set(*key, c.value);
        else out.value.items.push_back(c.value);
        out.text += (first ? "" : ",") + (key ? *key + ":" : std::string()) + c.text;
        first = false;
      };
      for (const auto& i : v.value.items) add(nullptr, i);
      for (const auto& [k, i] : v.value.entries) add(&k, i);
      out.text += v.type == override_value_type::list ? "]" : "}";
      return out;
    }
    if (v.type == override_value_type::null) fail_fn(text, "null cannot be cast to " + to);
    const std::string& t = v.value.text;
    auto bad = [&] { fail_fn(text, "cannot cast '" + t + "' to " + to); };
    if (to == "str") {
      out.type = override_value_type::string;
      out.text = v.type == override_value_type::boolean ? t : v.type == override_value_type::string ? t : python_str(v.value);
      out.value = node::scalar(out.text, scalar_style::quoted);
      return out;
    }
    if (to == "bool") {
      bool b = false;
      if (v.type == override_value_type::string) {
        std::string l = t;
        for (char& c : l) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (l != "true" && l != "false") bad();
        b = l == "true";
      } else if (v.type == override_value_type::boolean) {
        b = t == "true";
      } else {
        b = core_float_value(t) != 0;
      }
      out.type = override_value_type::boolean;
      out.text = b ? "true" : "false";
      out.value = node::scalar(out.text);
      return out;
    }
    double x = 0;
    if (v.type == override_value_type::boolean) {
      x = t == "true" ? 1 : 0;
    } else if (v.type == override_value_type::string) {  // Python's int("12") / float("1e3")
      std::string d = trim_blanks(t);
      override_value probe;
      type_primitive(d, probe);
      if (probe.type == override_value_type::integer || (to == "float" && probe.type == override_value_type::floating)) x = core_float_value(probe.value.text);
      else bad();
      if (to == "int" && probe.type == override_value_type::integer) {
        out.type = override_value_type::integer;
        out.text = probe.value.text;
        out.value = node::scalar(out.text);
        return out;
      }
    } else if (v.type == override_value_type::integer && to == "int") {
      return v;
    } else {
      x = core_float_value(t);
    }
    if (to == "int") {
      if (!std::isfinite(x)) bad();
      out.type = override_value_type::integer;
      out.text = std::to_string(static_cast<long long>(std::trunc(x)));
    } else {
      out.type = override_value_type::floating;
      out.text = python_float_str(x);
    }
    out.value = node::scalar(out.text == "inf" ? ".inf" : out.text == "-inf" ? "-.inf" : out.text == "nan" ? ".nan" : out.text);
    return out;
  }

  static std::string trim_blanks(const std::string& s) {
    std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }

  // A node from a list value, back as an override_value (its type and spelling for job lines).
  static override_value as_value(const node& n) {
    override_value v;
    v.value = n;
    switch (kind_of(n)) {
      case scalar_kind::null: v.type = override_value_type::null; v.text = "null"; break;
      case scalar_kind::boolean: v.type = override_value_type::boolean; v.text = n.text; break;
      case scalar_kind::integer: v.type = override_value_type::integer; v.text = n.text; break;
      case scalar_kind::floating: v.type = override_value_type::floating; v.text = python_str(n); break;
      case scalar_kind::string:
        v.type = n.is_sequence() ? override_value_type::list : n.is_mapping() ? override_value_type::dict : override_value_type::string;
        v.text = n.is_scalar() ? "'" + n.text + "'" : n.text;
        break;
    }
    return v;
  }

  // Python's sorted(): numbers (and bools) by value, strings by code point; mixing them is an error.
  void sort_values(std::vector<override_value>& values, bool reverse, const std::string& text) const {
    bool numbers = is_number(values.front());
    for (const auto& v : values)
      if (is_number(v) != numbers || (!numbers && v.type != override_value_type::string))
        fail_fn(text, "'<' is not supported between these values (sort numbers or strings, not both)");
    auto key = [](const override_value& v) { return v.type == override_value_type::boolean ? (v.value.text == "true" ? 1.0 : 0.0) : core_float_value(v.value.text); };
    auto less = [&](const override_value& a, const override_value& b) { return numbers ? key(a) < key(b) : a.value.text < b.value.text; };
    // stable either way, as Python's sorted(reverse=True)
    std::stable_sort(values.begin(), values.end(), [&](const override_value& a, const override_value& b) { return reverse ? less(b, a) : less(a, b); });
  }

  // Seeded by the override's text, so one command line always gives the same job order (Hydra
  // shuffles with Python's unseeded random; vitals keeps reruns reproducible).
  void shuffle_values(std::vector<override_value>& values) const {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the override
    for (char c : input_) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    for (std::size_t i = values.size(); i > 1; --i) {
      h ^= h >> 33;  // splitmix-style step per draw
      h *= 0xff51afd7ed558ccdull;
      h ^= h >> 33;
      std::swap(values[i - 1], values[static_cast<std::size_t>(h % i)]);
    }
  }

  std::vector<override_value> range(const std::vector<override_value>& args) const {
    if (args.empty() || args.size() > 3) fail("range() takes 1 to 3 numbers: range(stop), range(start, stop[, step])");
    bool any_float = false;
    std::vector<double> num;
    for (const auto& a : args) {
      if (a.type == override_value_type::floating) any_float = true;
      else if (a.type != override_value_type::integer) fail("range() arguments must be numbers, got '" + a.text + "'");
      num.push_back(detail::core_float_value(a.value.text));
    }
    double start = args.size() == 1 ? 0 : num[0], stop = args.size() == 1 ? num[0] : num[1];
    double step = args.size() == 3 ? num[2] : 1;
    if (step == 0) fail("range() step must not be zero");
    constexpr std::size_t limit = 1000000;
    std::vector<double> xs;
    if (any_float) {
      xs = decimal_range(start, stop, step, limit);  // Hydra's Decimal stepping
    } else {
      for (long long i = 0; xs.size() <= limit; ++i) {
        double x = start + static_cast<double>(i) * step;
        if ((step > 0 && x >= stop) || (step < 0 && x <= stop)) break;
        xs.push_back(x);
      }
    }
    if (xs.size() > limit) fail("range() expands to more than a million values");
    std::vector<override_value> out;
    for (double x : xs) {
      override_value v;
      if (any_float) {
        v.text = python_float_str(x);
        if (v.text.find_first_of(".en") == std::string::npos) v.text += ".0";
        v.type = override_value_type::floating;
      } else {
        v.text = std::to_string(static_cast<long long>(x));
        v.type = override_value_type::integer;
      }
      v.value = node::scalar(v.text);
      out.push_back(std::move(v));
    }
    return out;
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

  static bool unquoted_char(char c) {
    return id_char(c) || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '\\' || c == '+' || c == '.' ||
           c == '$' || c == '%' || c == '*' || c == '@' || c == '?' || c == '|' || c == ':' || c == ' ' || c == '\t';
  }
  static bool escapable(char c) {
    return c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ':' ||
           c == '=' || c == ',' || c == ' ' || c == '\t';
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

/// Parses one override; `index` (1-based) only labels error messages. Throws config_error.
inline override_spec parse_override(std::string_view text, int index = 0) {
  if (std::size_t at = detail::first_invalid_utf8(text); at < text.size()) {
    source_location loc;
    loc.origin = "override" + (index > 0 ? " #" + std::to_string(index) : std::string());
    throw config_error(problem{"", "the override is not valid UTF-8 (" + detail::invalid_byte_text(text, at) + " at byte " +
                                       std::to_string(at + 1) + "); command-line values must be UTF-8",
                               loc});
  }
  return detail::override_parser(text, index).parse();
}

/// Parses a command line's overrides, collecting every malformed one into one config_error.
inline std::vector<override_spec> parse_overrides(const std::vector<std::string>& lines) {
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

namespace detail {

// fnmatch-style: '*' any run, '?' one character, [abc] / [!abc] a set.
inline bool glob_match(std::string_view s, std::string_view p) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (std::size_t i = 0; i <= s.size(); ++i)
      if (glob_match(s.substr(i), p.substr(1))) return true;
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '[') {
    std::size_t close = p.find(']', 2);
    if (close != std::string_view::npos) {
      std::string_view set = p.substr(1, close - 1);
      bool negate = !set.empty() && set[0] == '!';
      if (negate) set.remove_prefix(1);
      bool in = false;
      for (std::size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          in = in || (s[0] >= set[i] && s[0] <= set[i + 2]);
          i += 2;
        } else {
          in = in || s[0] == set[i];
        }
      }
      return in != negate && glob_match(s.substr(1), p.substr(close + 1));
    }
  }
  return (p[0] == '?' || p[0] == s[0]) && glob_match(s.substr(1), p.substr(1));
}

// Hydra's Glob.filter: the names matching an include pattern and no exclude pattern, in order.
inline std::vector<std::string> glob_filter(const std::vector<std::string>& names, const std::vector<std::string>& include,
                                            const std::vector<std::string>& exclude) {
  std::vector<std::string> out;
  auto any = [](const std::string& n, const std::vector<std::string>& pats) {
    return std::any_of(pats.begin(), pats.end(), [&](const std::string& p) { return glob_match(n, p); });
  };
  for (const auto& n : names)
    if (any(n, include) && !any(n, exclude)) out.push_back(n);
  return out;
}

}  // namespace detail

/// Expands sweeps into one override list per job: the cartesian product over the overrides in
/// order, the first override varying slowest, exactly as Hydra's BasicSweeper. A key given twice
/// keeps its first position and its last value (BasicSweeper keys an ordered dict by key).
/// `group_options` lists a config group's options, for glob(...); without it a glob is an error.
inline std::vector<std::vector<std::string>> expand_sweeps(
    const std::vector<override_spec>& overrides,
    const std::function<std::vector<std::string>(const std::string&)>& group_options = {}) {
  std::vector<std::pair<std::string, std::vector<std::string>>> slots;
  for (const auto& o : overrides) {
    std::vector<std::string> lines;
    std::string key = o.key_element();
    if (o.interval)  // Hydra's own words
      throw config_error(problem{o.key, "BasicSweeper does not support sweep type : INTERVAL_SWEEP", o.where()});
    if (o.glob) {
      if (!group_options)
        throw config_error(problem{o.key, "glob(...) selects options of a config group; it needs the config directory", o.where()});
      for (const auto& name : detail::glob_filter(group_options(o.key), o.glob->first, o.glob->second)) lines.push_back(key + "=" + name);
    } else if (o.sweep) {
      for (const auto& c : o.choices) lines.push_back(key + "=" + c.text);
    } else {
      std::size_t eq = o.input.find('=');
      lines.push_back(eq == std::string::npos ? o.input : key + o.input.substr(o.input.find('=')));
    }
    auto it = slots.begin();
    for (; it != slots.end(); ++it)
      if (it->first == key) break;
    if (it != slots.end()) it->second = std::move(lines);
    else slots.emplace_back(key, std::move(lines));
  }
  std::vector<std::vector<std::string>> jobs{{}};
  for (const auto& [key, lines] : slots) {
    std::vector<std::vector<std::string>> next;
    for (const auto& job : jobs)
      for (const auto& line : lines) {
        next.push_back(job);
        next.back().push_back(line);
      }
    jobs = std::move(next);
  }
  return jobs;
}

}  // namespace vitals::config
