// The health-rule DSL: rules are constexpr values built from metric names given as template
// arguments, so a typo'd operator or a rule without a message fails to compile, and the whole
// default rule set is one constant the compiler can inline.
//
//   using namespace vitals::rules;
//   constexpr auto exploding = rule("exploding_gradients", val<"train/grad_norm_max"> > 100.0,
//                                   severity::error, "gradient norm above 100");
//   constexpr auto plateau = rule("plateau", for_epochs<10>(val<"train/is_improving"> == 0),
//                                 severity::warning, "no improvement for 10 epochs");
//
// Conditions evaluate in three-valued (Kleene) logic: a metric that was not observed this epoch is
// "unknown", `a && b` is false as soon as one side is false, `a || b` true as soon as one is true,
// and a rule whose result stays unknown keeps its previous state (and is reported as "not
// evaluated" if one of its metrics was never logged at all). Every sub-condition is evaluated every
// epoch (no short-circuit), so for_epochs<N> counters stay right whatever the other side says.
//
// Each node states how many metric slots (`leaves`) and counters (`states`) it needs; a bound rule
// keeps them in two flat arrays and hands each child its offset, so evaluation is plain array reads.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "vitals/health/metric_table.hpp"

namespace vitals::inline VITALS_ABI {
/// A string usable as a template argument: val<"train/loss">.
template <std::size_t N>
struct fixed_string {
  char data[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
  }
  constexpr std::string_view view() const { return {data, N - 1}; }
};

enum class severity : std::uint8_t { info, warning, error };

constexpr std::string_view to_string(severity s) {
  switch (s) {
    case severity::info: return "info";
    case severity::warning: return "warning";
    case severity::error: return "error";
  }
  return "warning";
}

/// Three-valued truth: unknown = some metric it needs was not observed this epoch.
enum class truth : std::uint8_t { no, yes, unknown };

namespace detail {

struct rule_ctx {
  const metric_table& table;
};

struct numeric {
  double v;
  bool known;
};

/// Votes for at_least<K>: how many conditions held, how many could not be decided.
struct votes {
  int yes = 0;
  int unknown = 0;
};

/// One leaf a bound rule must resolve: a metric name, or a prefix/suffix pattern.
struct leaf_name {
  std::string_view text;
  enum class kind : std::uint8_t { metric, prefix, suffix } type = kind::metric;
};

enum class cmp_op : std::uint8_t { lt, le, gt, ge, eq, ne };

constexpr std::string_view to_string(cmp_op op) {
  switch (op) {
    case cmp_op::lt: return "<";
    case cmp_op::le: return "<=";
    case cmp_op::gt: return ">";
    case cmp_op::ge: return ">=";
    case cmp_op::eq: return "==";
    case cmp_op::ne: return "!=";
  }
  return "?";
}

constexpr bool compare(double a, cmp_op op, double b) {
  switch (op) {
    case cmp_op::lt: return a < b;
    case cmp_op::le: return a <= b;
    case cmp_op::gt: return a > b;
    case cmp_op::ge: return a >= b;
    case cmp_op::eq: return a == b;
    case cmp_op::ne: return a != b;
  }
  return false;
}

constexpr truth from_bool(bool b) { return b ? truth::yes : truth::no; }

}  // namespace detail

namespace rules {

template <class E>
concept numeric_expr = requires { E::is_numeric; };
template <class E>
concept bool_expr = requires { E::is_condition; };

/// The latest value of one metric this epoch.
template <fixed_string Name>
struct metric_ref {
  static constexpr bool is_numeric = true;
  static constexpr std::size_t leaves = 1, states = 0;
  static constexpr std::string_view name = Name.view();
  constexpr void names(detail::leaf_name* out) const { out[0] = {name, detail::leaf_name::kind::metric}; }
  detail::numeric num(const detail::rule_ctx& c, const metric_table::slot_id* s, int*) const {
    return {c.table.value(s[0]), c.table.fresh(s[0])};
  }
};

template <fixed_string Name>
inline constexpr metric_ref<Name> val{};

struct constant {
  static constexpr bool is_numeric = true;
  static constexpr std::size_t leaves = 0, states = 0;
  double v;
  constexpr void names(detail::leaf_name*) const {}
  detail::numeric num(const detail::rule_ctx&, const metric_table::slot_id*, int*) const { return {v, true}; }
};

/// a / b (e.g. grad_norm_std / grad_norm_mean); known when both are.
template <numeric_expr A, numeric_expr B>
struct ratio_expr {
  static constexpr bool is_numeric = true;
  static constexpr std::size_t leaves = A::leaves + B::leaves, states = A::states + B::states;
  A a;
  B b;
  constexpr void names(detail::leaf_name* out) const {
    a.names(out);
    b.names(out + A::leaves);
  }
  detail::numeric num(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    auto x = a.num(c, s, st);
    auto y = b.num(c, s + A::leaves, st + A::states);
    return {x.v / y.v, x.known && y.known};
  }
};

template <numeric_expr A, numeric_expr B>
constexpr ratio_expr<A, B> ratio(A a, B b) { return {a, b}; }

template <class T>
constexpr auto as_expr(T v) {
  if constexpr (numeric_expr<T>) return v;
  else return constant{static_cast<double>(v)};
}

template <class T>
concept operand = numeric_expr<T> || std::is_arithmetic_v<T>;

/// a <op> b.
template <numeric_expr A, numeric_expr B>
struct compare_expr {
  static constexpr bool is_condition = true;
  static constexpr std::size_t leaves = A::leaves + B::leaves, states = A::states + B::states;
  A a;
  detail::cmp_op op;
  B b;
  constexpr void names(detail::leaf_name* out) const {
    a.names(out);
    b.names(out + A::leaves);
  }
  truth test(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    auto x = a.num(c, s, st);
    auto y = b.num(c, s + A::leaves, st + A::states);
    if (!x.known || !y.known) return truth::unknown;
    return detail::from_bool(detail::compare(x.v, op, y.v));
  }
};

template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto make_compare(A a, detail::cmp_op op, B b) {
  auto x = as_expr(a);
  auto y = as_expr(b);
  return compare_expr<decltype(x), decltype(y)>{x, op, y};
}

// Comparisons: at least one side is a metric expression, the other may be a number.
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator<(A a, B b) { return make_compare(a, detail::cmp_op::lt, b); }
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator<=(A a, B b) { return make_compare(a, detail::cmp_op::le, b); }
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator>(A a, B b) { return make_compare(a, detail::cmp_op::gt, b); }
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator>=(A a, B b) { return make_compare(a, detail::cmp_op::ge, b); }
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator==(A a, B b) { return make_compare(a, detail::cmp_op::eq, b); }
template <class A, class B>
  requires(operand<A> && operand<B> && (numeric_expr<A> || numeric_expr<B>))
constexpr auto operator!=(A a, B b) { return make_compare(a, detail::cmp_op::ne, b); }

/// Every metric whose name starts (or ends) with Text, compared with a number: one vote per
/// matching metric inside at_least<K> (so each user-declared `*_healthy` flag counts once), and
/// "any of them" anywhere else. Metrics that match but were not observed this epoch are unknown.
template <fixed_string Text, bool Suffix>
struct each_compare_expr {
  static constexpr bool is_condition = true;
  static constexpr bool is_vote_source = true;
  static constexpr std::size_t leaves = 1, states = 0;
  detail::cmp_op op;
  double rhs;
  constexpr void names(detail::leaf_name* out) const {
    out[0] = {Text.view(), Suffix ? detail::leaf_name::kind::suffix : detail::leaf_name::kind::prefix};
  }
  detail::votes vote(const detail::rule_ctx& c, const metric_table::slot_id* s, int*) const {
    detail::votes v;
    for (auto id : c.table.pattern_members(s[0])) {
      if (!c.table.fresh(id)) ++v.unknown;
      else if (detail::compare(c.table.value(id), op, rhs)) ++v.yes;
    }
    return v;
  }
  truth test(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    auto v = vote(c, s, st);
    if (v.yes > 0) return truth::yes;
    return v.unknown > 0 ? truth::unknown : truth::no;
  }
};

/// The operand side of each_compare_expr: starting_with<"loss_ratio/"> > 0.9. The operators are
/// hidden friends so the fixed string needs no deduction (nvcc cannot deduce class-type template
/// arguments from a function argument).
template <fixed_string Text, bool Suffix>
struct each_metric {
  static constexpr std::string_view text = Text.view();
  using result = each_compare_expr<Text, Suffix>;

  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator<(each_metric, T v) { return {detail::cmp_op::lt, static_cast<double>(v)}; }
  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator<=(each_metric, T v) { return {detail::cmp_op::le, static_cast<double>(v)}; }
  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator>(each_metric, T v) { return {detail::cmp_op::gt, static_cast<double>(v)}; }
  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator>=(each_metric, T v) { return {detail::cmp_op::ge, static_cast<double>(v)}; }
  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator==(each_metric, T v) { return {detail::cmp_op::eq, static_cast<double>(v)}; }
  template <class T>
    requires std::is_arithmetic_v<T>
  friend constexpr result operator!=(each_metric, T v) { return {detail::cmp_op::ne, static_cast<double>(v)}; }
};

template <fixed_string Text>
inline constexpr each_metric<Text, false> starting_with{};
template <fixed_string Text>
inline constexpr each_metric<Text, true> ending_with{};

template <bool_expr A, bool_expr B, bool IsAnd>
struct logic_expr {
  static constexpr bool is_condition = true;
  static constexpr std::size_t leaves = A::leaves + B::leaves, states = A::states + B::states;
  A a;
  B b;
  constexpr void names(detail::leaf_name* out) const {
    a.names(out);
    b.names(out + A::leaves);
  }
  truth test(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    truth x = a.test(c, s, st);  // both sides always run: stateful children must see every epoch
    truth y = b.test(c, s + A::leaves, st + A::states);
    truth dominant = IsAnd ? truth::no : truth::yes;
    if (x == dominant || y == dominant) return dominant;
    if (x == truth::unknown || y == truth::unknown) return truth::unknown;
    return IsAnd ? truth::yes : truth::no;
  }
};

template <bool_expr A, bool_expr B>
constexpr logic_expr<A, B, true> operator&&(A a, B b) { return {a, b}; }
template <bool_expr A, bool_expr B>
constexpr logic_expr<A, B, false> operator||(A a, B b) { return {a, b}; }

template <bool_expr A>
struct not_expr {
  static constexpr bool is_condition = true;
  static constexpr std::size_t leaves = A::leaves, states = A::states;
  A a;
  constexpr void names(detail::leaf_name* out) const { a.names(out); }
  truth test(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    truth x = a.test(c, s, st);
    return x == truth::unknown ? x : (x == truth::yes ? truth::no : truth::yes);
  }
};

template <bool_expr A>
constexpr not_expr<A> operator!(A a) { return {a}; }

/// Function spellings of the operators, for those who prefer words.
template <bool_expr A, bool_expr B>
constexpr auto all_of(A a, B b) { return a && b; }
template <bool_expr A, bool_expr B>
constexpr auto any_of(A a, B b) { return a || b; }
template <bool_expr A>
constexpr auto not_(A a) { return !a; }

/// True once `cond` has held for N consecutive epochs (on the Nth). An epoch where cond is unknown
/// neither extends nor breaks the run.
template <int N, bool_expr C>
  requires(N >= 1)
struct for_epochs_expr {
  static constexpr bool is_condition = true;
  static constexpr std::size_t leaves = C::leaves, states = C::states + 1;
  C cond;
  constexpr void names(detail::leaf_name* out) const { cond.names(out); }
  truth test(const detail::rule_ctx& c, const metric_table::slot_id* s, int* st) const {
    truth x = cond.test(c, s, st);
    int& run = st[C::states];
    if (x == truth::unknown) return run >= N ? truth::yes : truth::unknown;
    run = x == truth::yes ? (run < N ? run + 1 : N) : 0;
    return detail::from_bool(run >= N);
  }
};

template <int N, bool_expr C>
constexpr for_epochs_expr<N, C> for_epochs(C c) { return {c}; }

/// True when at least K of the conditions hold; an each-metric condition (ending_with<...>)
/// contributes one vote per matching metric.
template <int K, bool_expr... Cs>
struct at_least_expr {
  static constexpr bool is_condition = true;
  static constexpr std::size_t leaves = (Cs::leaves + ... + 0), states = (Cs::states + ... + 0);
  std::tuple<Cs...> conds;
  constexpr void names(detail::leaf_name* out) const {
    std::apply([&](const auto&... c) { ((c.names(out), out += std::remove_cvref_t<decltype(c)>::leaves), ...); },
               conds);
  }
  truth test(const detail::rule_ctx& ctx, const metric_table::slot_id* s, int* st) const {
    detail::votes total;
    std::apply(
        [&](const auto&... c) {
          ((add_votes(c, ctx, s, st, total), s += std::remove_cvref_t<decltype(c)>::leaves,
            st += std::remove_cvref_t<decltype(c)>::states),
           ...);
        },
        conds);
    if (total.yes >= K) return truth::yes;
    return total.yes + total.unknown >= K ? truth::unknown : truth::no;
  }

 private:
  template <class C>
  static void add_votes(const C& c, const detail::rule_ctx& ctx, const metric_table::slot_id* s, int* st,
                        detail::votes& total) {
    if constexpr (requires { C::is_vote_source; }) {
      auto v = c.vote(ctx, s, st);
      total.yes += v.yes;
      total.unknown += v.unknown;
    } else {
      truth t = c.test(ctx, s, st);
      total.yes += t == truth::yes;
      total.unknown += t == truth::unknown;
    }
  }
};

template <int K, bool_expr... Cs>
  requires(K >= 1)
constexpr at_least_expr<K, Cs...> at_least(Cs... cs) { return {{cs...}}; }

/// A named condition with a severity and a message for the human who gets the alert.
template <bool_expr C>
struct rule_def {
  std::string_view name;  // also the metric name: health/<name>
  C cond;
  severity level = severity::warning;
  std::string_view message;
};

template <bool_expr C>
constexpr rule_def<C> rule(std::string_view name, C cond, severity level, std::string_view message) {
  return {name, cond, level, message};
}

/// A compile-time list of rules; `set + rule` and `set + set` make longer ones.
template <class... Rules>
struct rule_set {
  std::tuple<Rules...> rules;
  static constexpr std::size_t size = sizeof...(Rules);
};

template <class... Rules>
constexpr rule_set<Rules...> make_rule_set(Rules... r) { return {{r...}}; }

template <class... A, bool_expr C>
constexpr rule_set<A..., rule_def<C>> operator+(const rule_set<A...>& s, const rule_def<C>& r) {
  return {std::tuple_cat(s.rules, std::tuple<rule_def<C>>{r})};
}
template <class... A, class... B>
constexpr rule_set<A..., B...> operator+(const rule_set<A...>& s, const rule_set<B...>& t) {
  return {std::tuple_cat(s.rules, t.rules)};
}

}  // namespace rules
}  // namespace vitals
