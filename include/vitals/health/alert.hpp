// What a health monitor reports when a rule changes state: an alert event, and its three renderings
// (an alert record for the sinks, a console line, an alerts.jsonl line).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "vitals/health/rule.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/format/json.hpp"

namespace vitals::inline VITALS_ABI {
enum class alert_state : std::uint8_t {
  fired,          // the rule's condition started to hold
  firing,         // still holds: a reminder, at most once per rate-limit window
  cleared,        // stopped holding
  not_evaluated,  // some metric it needs was never logged (reported once per rule)
};

constexpr std::string_view to_string(alert_state s) {
  switch (s) {
    case alert_state::fired: return "fired";
    case alert_state::firing: return "firing";
    case alert_state::cleared: return "cleared";
    case alert_state::not_evaluated: return "not_evaluated";
  }
  return "unknown";
}

struct alert_event {
  std::string rule;      // "exploding_gradients"
  alert_state state = alert_state::fired;
  severity level = severity::warning;
  std::int64_t epoch = 0;
  std::string title;     // "exploding_gradients fired"
  std::string text;      // the rule's message plus the values that triggered it

  /// The record payload W&B-style alert sinks expect: "title", "text", "level", "state".
  /// The views point into this event; keep it alive while the record is written.
  std::array<metric, 4> metrics() const {
    return {metric{"title", std::string_view(title)}, metric{"text", std::string_view(text)},
            metric{"level", to_string(level)}, metric{"state", to_string(state)}};
  }

  /// The whole alert record a run sends to its sinks (what watch_health and
  /// health_monitor::send_alerts_to emit): title, text, level in W&B's words (ERROR/WARN/INFO),
  /// state, rule and epoch - the fields alerts.jsonl, the console and the W&B sink read. The views
  /// point into this event.
  std::array<metric, 6> record_fields() const {
    const std::string_view wandb_level =
        level == severity::error ? "ERROR" : level == severity::warning ? "WARN" : "INFO";
    return {metric{"title", std::string_view(title)}, metric{"text", std::string_view(text)},
            metric{"level", wandb_level},             metric{"state", to_string(state)},
            metric{"rule", std::string_view(rule)},   metric{"epoch", metric_value(epoch)}};
  }
};

namespace detail {

/// Shortest round-trip text of a double; NaN/Inf as the strings JSON cannot hold otherwise.
inline std::string format_number(double v) {
  if (v != v) return "NaN";
  if (v - v != 0) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace detail

/// One alerts.jsonl line (no trailing newline): {"epoch":3,"rule":"...","state":"fired",...}.
/// `timestamp` is seconds since the Unix epoch.
inline std::string to_json_line(const alert_event& e, double timestamp) {
  std::string out = "{\"epoch\":";
  out += std::to_string(e.epoch);
  out += ",\"timestamp\":";
  out += detail::format_number(timestamp);
  out += ",\"rule\":";
  detail::append_json_string(out, e.rule);
  out += ",\"state\":";
  detail::append_json_string(out, to_string(e.state));
  out += ",\"level\":";
  detail::append_json_string(out, to_string(e.level));
  out += ",\"title\":";
  detail::append_json_string(out, e.title);
  out += ",\"text\":";
  detail::append_json_string(out, e.text);
  out += '}';
  return out;
}

}  // namespace vitals
