// What flows from a run to its sinks: a record of named values at one step.
//
// A record only holds views: keys point at the run's interned key table and string values into the
// record's own buffer, both alive for as long as a sink's write() runs. A sink that keeps anything
// past write() must copy it.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace vitals::inline VITALS_ABI {
/// One logged value: integer, floating, bool or string.
struct metric_value {
  enum class kind : std::uint8_t { integer, floating, boolean, string };
  kind type = kind::floating;
  union {
    std::int64_t i;
    double d;
    bool b;
  };
  std::string_view s;  // type == string

  constexpr metric_value() : d(0) {}
  constexpr metric_value(double v) : type(kind::floating), d(v) {}
  constexpr metric_value(float v) : type(kind::floating), d(v) {}
  constexpr metric_value(bool v) : type(kind::boolean), b(v) {}
  constexpr metric_value(std::string_view v) : type(kind::string), i(0), s(v) {}
  constexpr metric_value(const char* v) : type(kind::string), i(0), s(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  constexpr metric_value(I v) : type(kind::integer), i(static_cast<std::int64_t>(v)) {}

  /// The value as a double (bool -> 0/1; string -> NaN), for sinks that only take numbers.
  constexpr double as_double() const {
    switch (type) {
      case kind::integer: return static_cast<double>(i);
      case kind::floating: return d;
      case kind::boolean: return b ? 1.0 : 0.0;
      case kind::string: break;
    }
    return __builtin_nan("");
  }
};

struct metric {
  std::string_view key;  // "train/loss"
  metric_value value;
};

enum class record_kind : std::uint8_t {
  history,  // one committed step of metrics
  summary,  // run.summary(key, value): final/best values
  alert,    // a health rule fired or cleared: metrics "title", "text", "level", "state"
  config,   // run.update_config(): one metric per changed top-level config key, its new value as
            // JSON text (a string); sinks without a notion of config ignore it
  system,   // one system_sample (run_options::system_metrics.to_sinks): metrics "system/<key>",
            // stamped with the run's current step but not a step of its own; keyed by _timestamp
};

struct record {
  record_kind kind = record_kind::history;
  std::int64_t step = 0;
  double timestamp = 0;  // seconds since the Unix epoch
  double runtime = 0;    // seconds since the run started
  std::span<const metric> metrics;
};

}  // namespace vitals
