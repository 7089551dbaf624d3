// JSON text for records: string escaping and numbers, appended to a caller-owned buffer.
//
// Sinks format into a reused fmt::memory_buffer so that steady-state writing does not allocate.
// Non-finite floats follow W&B (bare NaN / Infinity / -Infinity, which Python's json and pandas
// read) unless strict mode asks for standard JSON (null).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/record.hpp"
#include "vitals/detail/json_string.hpp"

namespace vitals::detail {

// Numbers are written with std::to_chars / fmt::format_int rather than format strings: the sinks'
// writer thread spends most of its time here, and these skip format-string parsing.
inline void append_int(fmt::memory_buffer& out, std::int64_t v) {
  fmt::format_int f(v);
  out.append(f.data(), f.data() + f.size());
}

/// Shortest round-trip representation of a finite double ("0.1", "1e-07", "12345").
inline void append_double_shortest(fmt::memory_buffer& out, double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
}

inline void json_append_double(fmt::memory_buffer& out, double d, bool strict) {
  if (std::isnan(d)) {
    out.append(strict ? std::string_view("null") : std::string_view("NaN"));
  } else if (std::isinf(d)) {
    if (strict) out.append(std::string_view("null"));
    else out.append(d > 0 ? std::string_view("Infinity") : std::string_view("-Infinity"));
  } else {
    // Shortest representation that round-trips; integral doubles keep a ".0" so readers keep
    // the column floating.
    auto start = out.size();
    append_double_shortest(out, d);
    std::string_view written(out.data() + start, out.size() - start);
    if (written.find_first_of(".eE") == std::string_view::npos) out.append(std::string_view(".0"));
  }
}

inline void json_append_value(fmt::memory_buffer& out, const metric_value& v, bool strict) {
  switch (v.type) {
    case metric_value::kind::integer: append_int(out, v.i); break;
    case metric_value::kind::floating: json_append_double(out, v.d, strict); break;
    case metric_value::kind::boolean: out.append(v.b ? std::string_view("true") : std::string_view("false")); break;
    case metric_value::kind::string: append_json_string(out, v.s); break;
  }
}

}  // namespace vitals::detail
