// Bodies of vitals/health/monitor.hpp (see vitals/version.hpp: compiled once in the library, or
// inline in every file in header-only use).
#pragma once

#include "vitals/health/monitor.hpp"

#include "vitals/health/default_rules.hpp"
#include "vitals/sinks/terminal.hpp"

namespace vitals::inline VITALS_ABI {
VITALS_INLINE health_monitor::health_monitor(health_monitor_options opts)
    : health_monitor(default_rules, std::move(opts)) {}

VITALS_INLINE int health_monitor::alerts_active() const {
  int n = 0;
  for (const auto& e : entries_) n += e.enabled && e.firing;
  return n;
}

VITALS_INLINE std::vector<std::string> health_monitor::rule_names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.rule->name);
  return out;
}

VITALS_INLINE void health_monitor::observe(std::span<const metric> metrics) {
  for (const auto& m : metrics)
    if (m.value.type != metric_value::kind::string) table_.set(m.key, m.value.as_double());
}

VITALS_INLINE void health_monitor::observe(const metric_list& metrics) {
  for (const auto& [key, value] : metrics) table_.set(key, value);
}

VITALS_INLINE const health_report& health_monitor::evaluate(std::int64_t epoch) {
  report_.epoch = epoch;
  report_.events.clear();
  report_.metrics.clear();
  for (auto& e : entries_) {
    if (!e.enabled) continue;
    truth t = e.rule->evaluate(table_);
    if (t == truth::unknown) {
      if (!e.not_evaluated_reported) {
        auto missing = e.rule->never_logged(table_);
        if (!missing.empty()) {
          e.not_evaluated_reported = true;
          std::string text = "not evaluated: never logged:";
          for (auto m : missing) (text += ' ') += m;
          push_event(e, alert_state::not_evaluated, epoch, std::move(text));
        }
      }
    } else {
      e.evaluated = true;
      if (t == truth::yes) {
        if (!e.firing) {
          e.firing = true;
          e.last_announced = epoch;
          push_event(e, alert_state::fired, epoch, message_with_values(e));
        } else if (opts_.rate_limit_epochs > 0 && epoch - e.last_announced >= opts_.rate_limit_epochs) {
          e.last_announced = epoch;
          push_event(e, alert_state::firing, epoch, message_with_values(e));
        }
      } else if (e.firing) {
        e.firing = false;
        push_event(e, alert_state::cleared, epoch, "cleared: " + e.rule->describe_values(table_));
      }
    }
    if (e.evaluated) report_.metrics.push_back(metric{e.rule->metric_key, metric_value(e.firing ? 1 : 0)});
  }
  report_.metrics.push_back(metric{"health/alerts_active", metric_value(alerts_active())});
  table_.next_window();
  deliver();
  return report_;
}

VITALS_INLINE void health_monitor::check_name(std::string_view name) {
  if (name.empty()) throw std::invalid_argument("vitals: a health rule needs a name (it becomes health/<name>)");
}

VITALS_INLINE health_monitor::entry* health_monitor::find(std::string_view name) {
  for (auto& e : entries_)
    if (e.rule->name == name) return &e;
  return nullptr;
}

VITALS_INLINE const health_monitor::entry* health_monitor::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.rule->name == name) return &e;
  return nullptr;
}

VITALS_INLINE std::string health_monitor::known_names() const {
  std::string s = " (rules:";
  for (const auto& e : entries_) (s += ' ') += e.rule->name;
  return s + ")";
}

VITALS_INLINE const health_monitor::entry& health_monitor::require(std::string_view name) const {
  if (const entry* e = find(name)) return *e;
  throw std::invalid_argument("vitals: no health rule named '" + std::string(name) + "'" + known_names());
}

VITALS_INLINE void health_monitor::set_enabled(std::string_view name, bool on) {
  auto& e = const_cast<entry&>(require(name));
  e.enabled = on;
  if (!on) e.firing = false;
}

VITALS_INLINE std::string health_monitor::message_with_values(const entry& e) const {
  std::string text = e.rule->message;
  std::string values = e.rule->describe_values(table_);
  if (!values.empty()) text += " (" + values + ")";
  return text;
}

VITALS_INLINE void health_monitor::push_event(const entry& e, alert_state s, std::int64_t epoch, std::string text) {
  alert_event ev;
  ev.rule = e.rule->name;
  ev.state = s;
  ev.level = s == alert_state::not_evaluated ? severity::info : e.rule->level;
  ev.epoch = epoch;
  ev.title = e.rule->name + " " + std::string(to_string(s));
  ev.text = std::move(text);
  report_.events.push_back(std::move(ev));
}

VITALS_INLINE void health_monitor::deliver() {
  if (report_.events.empty()) return;
  if (opts_.console)
    for (const auto& ev : report_.events) {
      if (ev.state == alert_state::not_evaluated) continue;
      detail::write_stderr_line("[vitals] " +
                                std::string(ev.level == severity::error ? "ERROR" : ev.level == severity::warning ? "WARNING" : "info") +
                                ": health/" + ev.rule + " " + std::string(to_string(ev.state)) + " at epoch " +
                                std::to_string(ev.epoch) + ": " + ev.text + "\n");
    }
  for (const auto& ev : report_.events)
    for (const auto& cb : callbacks_) cb(ev);
}

}  // namespace vitals
