// What a health monitor reports when a rule changes state: an alert event, the alert record the
// sinks receive (alert_event::record_fields) and the alerts.jsonl line written from that record.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <array>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "vitals/health/rule.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/format/json.hpp"
#include "vitals/sinks/json_format.hpp"

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

namespace detail {

/// The one alerts.jsonl line (no trailing newline), appended to `out` (a std::string or an
/// fmt::memory_buffer), from an alert record's fields (alert_event::record_fields(): the record
/// watch_health and health_monitor::send_alerts_to send) and its timestamp (seconds since the Unix
/// epoch): {"epoch":3,"timestamp":1700000000.5,"rule":"...","state":"fired","level":"ERROR",
/// "title":"...","text":"..."}. Fields the record lacks are left out ("epoch" becomes null). The
/// alerts_jsonl sink writes each line with this.
template <class Out>
void append_alert_json_line(Out& out, std::span<const metric> fields, double timestamp) {
  auto field = [&](std::string_view key, bool first = false) -> const metric* {
    for (const auto& m : fields)
      if (m.key == key) {
        if (!first) out.push_back(',');
        append_json_string(out, key);
        out.push_back(':');
        return &m;
      }
    return nullptr;
  };
  out.push_back('{');
  if (const metric* m = field("epoch", true)) append_json_value(out, m->value, strict_json);
  else out.append(std::string_view("\"epoch\":null"));
  out.append(std::string_view(",\"timestamp\":"));
  append_json_double(out, timestamp, strict_json);
  for (std::string_view k : {"rule", "state", "level", "title", "text"})
    if (const metric* m = field(k)) append_json_value(out, m->value, strict_json);
  out.push_back('}');
}

}  // namespace detail

}  // namespace vitals
