// Metric values as the JSON text W&B stores in `value_json`.
//
// W&B's JSON is Python's json.dumps with allow_nan: NaN and ±Infinity are written bare (`NaN`,
// `Infinity`, `-Infinity`), which strict JSON forbids but every W&B reader accepts. Doubles use
// the shortest text that round-trips (fmt's default), as wandb-core writes them.
#pragma once

#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/detail/json_string.hpp"

namespace vitals::detail {

inline void append_json_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
  } else if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", d);
  }
}

/// A string value that already is a W&B typed JSON object (`{"_type": ...}`, e.g. from
/// vitals::wandb_histogram) is written as that object, not as a JSON string.
inline bool is_wandb_typed_json(std::string_view s) {
  return s.starts_with("{\"_type\":") || s.starts_with("{\"_type\" :");
}

inline void append_json_value(std::string& out, const metric_value& v) {
  switch (v.type) {
    case metric_value::kind::integer: fmt::format_to(std::back_inserter(out), "{}", v.i); break;
    case metric_value::kind::floating: append_json_double(out, v.d); break;
    case metric_value::kind::boolean: out += v.b ? "true" : "false"; break;
    case metric_value::kind::string:
      if (is_wandb_typed_json(v.s)) {
        out += v.s;
      } else {
        append_json_string(out, v.s);
      }
      break;
    default: out += "null"; break;  // a value kind added after this sink was written
  }
}

}  // namespace vitals::detail
