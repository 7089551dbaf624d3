// Bodies of vitals/config/compose/override_functions.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/override_functions.hpp"

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

#include "vitals/config/compose/decimal.hpp"
#include "vitals/config/compose/override_lexicon.hpp"
#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/compose/values.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

/// Hydra's grammar functions evaluated on parsed arguments (choice, range, interval, sort,
/// shuffle, tag, glob and the casts int/float/str/bool), as
/// hydra/_internal/grammar/grammar_functions.py evaluates them. The parser derives from it.
class override_functions : protected override_lexicon {
 protected:
  override_functions(std::string_view input, int index) : input_(input), index_(index) {}

  std::string_view input_;
  int index_;

  [[noreturn]] void fail(const std::string& msg) const {
    source_location loc;
    loc.origin = "override" + (index_ > 0 ? " #" + std::to_string(index_) : std::string()) + " '" + std::string(input_) + "'";
    throw config_error(problem{"", msg, loc});
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

};
}  // namespace detail
}  // namespace vitals::config
