// A metric value as JSON text, under an explicit json_policy (format/json.hpp): the one place that
// maps metric_value to JSON for every sink (JSONL, W&B's value_json, alerts, the report).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string_view>

#include "vitals/format/json.hpp"
#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI::detail {
/// A string value that already is a W&B typed JSON object (`{"_type": ...}`, e.g. from
/// vitals::wandb_histogram).
inline bool is_wandb_typed_json(std::string_view s) {
  return s.starts_with("{\"_type\":") || s.starts_with("{\"_type\" :");
}

/// Appends v as JSON to out (a std::string or an fmt::memory_buffer).
template <class Out>
void append_json_value(Out& out, const metric_value& v, const json_policy& policy) {
  switch (v.type) {
    case metric_value::kind::integer: append_json_int(out, v.i); break;
    case metric_value::kind::floating: append_json_double(out, v.d, policy); break;
    case metric_value::kind::boolean: append_text(out, v.b ? std::string_view("true") : std::string_view("false")); break;
    case metric_value::kind::string:
      if (policy.typed_objects_inline && is_wandb_typed_json(v.s)) append_text(out, v.s);
      else append_json_string(out, v.s);
      break;
    default: append_text(out, "null"); break;  // a value kind added after this was written
  }
}

}  // namespace vitals::detail
