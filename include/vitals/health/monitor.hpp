// health_monitor: evaluates health rules once per epoch over the metrics it has observed and turns
// state changes into alerts (console line, alerts.jsonl, alert records, callbacks) plus
// `health/<rule>` 0/1 and `health/alerts_active` metrics for the sinks.
//
// Rules come in as a compile-time rule_set (each rule's condition is inlined into one small
// virtual evaluate(): one indirect call per rule per epoch) and can be added, replaced or disabled
// at run time by name.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "vitals/health/alert.hpp"
#include "vitals/health/metric_list.hpp"
#include "vitals/health/metric_table.hpp"
#include "vitals/health/rule.hpp"
#include "vitals/sinks/alerts.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
struct health_monitor_options {
  /// A rule that keeps holding is announced again ("firing") at most once per this many epochs;
  /// 0 = only state changes are announced.
  int rate_limit_epochs = 10;
  /// Also print each alert to stderr (off by default: alerts reach the console sink, once, through
  /// the run - see health_monitor::send_alerts_to). "Not evaluated" notices are never printed.
  bool console = false;
};

/// What one evaluate() produced. Views point into the monitor: valid until its next non-const call.
struct health_report {
  std::int64_t epoch = 0;
  std::vector<alert_event> events;
  std::vector<metric> metrics;  // health/<rule> (0/1) for each rule evaluated so far, health/alerts_active
};

namespace detail {

struct bound_rule_base {
  std::string name, message, metric_key;
  severity level = severity::warning;
  virtual ~bound_rule_base() = default;
  virtual truth evaluate(const metric_table& t) = 0;
  /// Metric names (not patterns) the rule uses that were never observed.
  virtual std::vector<std::string_view> never_logged(const metric_table& t) const = 0;
  /// "train/grad_norm_max=153.2, ..." for the metrics observed this epoch.
  virtual std::string describe_values(const metric_table& t) const = 0;
};

template <class C>
struct bound_rule final : bound_rule_base {
  static constexpr std::size_t nl = C::leaves > 0 ? C::leaves : 1, ns = C::states > 0 ? C::states : 1;
  C cond;
  std::array<leaf_name, nl> leaves{};
  std::array<metric_table::slot_id, nl> slots{};
  std::array<int, ns> states{};

  bound_rule(const rules::rule_def<C>& r, metric_table& t) : cond(r.cond) {
    name = std::string(r.name);
    message = std::string(r.message);
    metric_key = "health/" + name;
    level = r.level;
    cond.names(leaves.data());
    for (std::size_t i = 0; i < C::leaves; ++i)
      slots[i] = leaves[i].type == leaf_name::kind::metric
                     ? t.intern(leaves[i].text)
                     : t.intern_pattern(leaves[i].text, leaves[i].type == leaf_name::kind::suffix);
  }
  // A metric used twice in one rule (a > 1 || a < -1) is named once in messages.
  bool first_use(std::size_t i) const {
    for (std::size_t j = 0; j < i; ++j)
      if (leaves[j].type == leaves[i].type && slots[j] == slots[i]) return false;
    return true;
  }
  truth evaluate(const metric_table& t) override {
    return cond.test(rule_ctx{t}, slots.data(), states.data());
  }
  std::vector<std::string_view> never_logged(const metric_table& t) const override {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < C::leaves; ++i)
      if (leaves[i].type == leaf_name::kind::metric && !t.ever_observed(slots[i]) && first_use(i))
        out.push_back(leaves[i].text);
    return out;
  }
  std::string describe_values(const metric_table& t) const override {
    std::string out;
    auto add = [&](metric_table::slot_id id) {
      if (!t.fresh(id)) return;
      if (!out.empty()) out += ", ";
      out += t.at(id).name;
      out += '=';
      out += format_number(t.value(id));
    };
    for (std::size_t i = 0; i < C::leaves; ++i) {
      if (!first_use(i)) continue;
      if (leaves[i].type == leaf_name::kind::metric) add(slots[i]);
      else
        for (auto id : t.pattern_members(slots[i])) add(id);
    }
    return out;
  }
};

}  // namespace detail

class health_monitor {
 public:
  using callback = std::function<void(const alert_event&)>;

  /// The seed-003 default rules.
  VITALS_INLINE explicit health_monitor(health_monitor_options opts = {});

  template <class... R>
  explicit health_monitor(const rules::rule_set<R...>& set, health_monitor_options opts = {})
      : opts_(std::move(opts)) {
    std::apply([&](const auto&... r) { (add(r), ...); }, set.rules);
  }

  /// Adds a rule; throws if a rule of that name exists (use replace()).
  template <class C>
  void add(const rules::rule_def<C>& r) {
    check_name(r.name);
    if (find(r.name)) throw std::invalid_argument("vitals: health rule '" + std::string(r.name) +
                                                  "' already exists; use replace() to change it");
    entries_.push_back(entry{std::make_unique<detail::bound_rule<C>>(r, table_)});
  }

  /// Replaces the rule of the same name (its state starts afresh); throws if there is none.
  template <class C>
  void replace(const rules::rule_def<C>& r) {
    entry* e = find(r.name);
    if (!e) throw std::invalid_argument("vitals: no health rule named '" + std::string(r.name) + "' to replace" +
                                        known_names());
    *e = entry{std::make_unique<detail::bound_rule<C>>(r, table_)};
  }

  /// Stops evaluating a rule (a firing rule is dropped silently); throws if there is none.
  void disable(std::string_view name) { set_enabled(name, false); }
  void enable(std::string_view name) { set_enabled(name, true); }

  bool has_rule(std::string_view name) const { return find(name) != nullptr; }
  bool enabled(std::string_view name) const { return require(name).enabled; }
  /// True if the rule's condition held at the last evaluation that could decide it.
  bool firing(std::string_view name) const { return require(name).firing; }
  VITALS_INLINE int alerts_active() const;
  VITALS_INLINE std::vector<std::string> rule_names() const;

  /// Called for every alert event, after the console and alerts.jsonl; may throw (e.g. to stop).
  void on_alert(callback cb) { callbacks_.push_back(std::move(cb)); }

  /// Sends every alert to a run (anything with vitals::run's alert(fields) and attach) as an alert
  /// record (alert_event::record_fields), so that each sink shows it once: the console prints one
  /// line, W&B an alert, and the alerts_jsonl sink attached here writes alerts.jsonl on the run's
  /// writer thread. "Not evaluated" notices (a rule's metric never logged) reach alerts.jsonl and
  /// the report only. Call it before the run's first record; the run must outlive the monitor's
  /// evaluate() calls. (watch_health does all of this on the writer thread, with no observe calls.)
  template <class Run>
    requires requires(Run& r, std::span<const metric> f) { r.alert(f); }
  void send_alerts_to(Run& run) {
    on_alert([&run](const alert_event& e) {
      const auto fields = e.record_fields();
      run.alert(std::span<const metric>(fields));
    });
    run.attach(alerts_jsonl{});
  }

  void observe(std::string_view key, double value) { table_.set(key, value); }
  VITALS_INLINE void observe(std::span<const metric> metrics);
  void observe(std::initializer_list<metric> metrics) { observe(std::span<const metric>(metrics.begin(), metrics.size())); }
  VITALS_INLINE void observe(const metric_list& metrics);

  /// Evaluates every enabled rule over the metrics observed since the previous call, delivers the
  /// alerts, and starts the next epoch's window.
  VITALS_INLINE const health_report& evaluate(std::int64_t epoch);

  const health_report& last_report() const { return report_; }
  const metric_table& table() const { return table_; }

 private:
  struct entry {
    std::unique_ptr<detail::bound_rule_base> rule;
    bool enabled = true;
    bool firing = false;
    bool evaluated = false;
    bool not_evaluated_reported = false;
    std::int64_t last_announced = 0;
  };

  VITALS_INLINE static void check_name(std::string_view name);
  VITALS_INLINE entry* find(std::string_view name);
  VITALS_INLINE const entry* find(std::string_view name) const;
  VITALS_INLINE std::string known_names() const;
  VITALS_INLINE const entry& require(std::string_view name) const;
  VITALS_INLINE void set_enabled(std::string_view name, bool on);
  VITALS_INLINE std::string message_with_values(const entry& e) const;
  VITALS_INLINE void push_event(const entry& e, alert_state s, std::int64_t epoch, std::string text);
  VITALS_INLINE void deliver();

  health_monitor_options opts_;
  metric_table table_;
  std::vector<entry> entries_;
  std::vector<callback> callbacks_;
  health_report report_;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/monitor.ipp"
#endif
