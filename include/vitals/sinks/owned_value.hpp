// A metric value that owns its string: what the writer keeps of a key after the row it came in
// is gone (the last value of every history key, explicit summaries).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <string>
#include <string_view>

#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
struct owned_value {
  metric_value::kind type = metric_value::kind::floating;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string s;
  bool set = false;

  void assign(const metric_value& v) {
    type = v.type;
    set = true;
    switch (v.type) {
      case metric_value::kind::integer: i = v.i; break;
      case metric_value::kind::floating: d = v.d; break;
      case metric_value::kind::boolean: b = v.b; break;
      case metric_value::kind::string: s.assign(v.s); break;
    }
  }
  metric_value view() const {
    switch (type) {
      case metric_value::kind::integer: return metric_value(i);
      case metric_value::kind::floating: return metric_value(d);
      case metric_value::kind::boolean: return metric_value(b);
      case metric_value::kind::string: return metric_value(std::string_view(s));
    }
    return {};
  }
};

}  // namespace vitals
