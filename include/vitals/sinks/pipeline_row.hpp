// One row of a run's logging pipeline: the pending row a log() call builds, a queue slot, a row in
// the writer's batch.
//
// Why values are packed (key id + value, 16 bytes) rather than vitals::metric (48 bytes): the
// caller writes each committed row into a queue slot that the writer, on the other core, read
// last, so every cache line of a row moves between cores once per row; packed, a row of 10 values
// is 3 lines instead of 8. Key names and string views are put back on the writer's side
// (row_dispatch). Slots keep their capacity when cleared, so nothing is allocated per row.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI::detail {
/// One value as a row carries it: its key id and the value; a string is its bytes' place in the
/// row's arena.
struct packed_value {
  std::uint32_t id;
  metric_value::kind type;
  union {
    std::int64_t i;
    double d;
    bool b;
    std::uint64_t str;  // offset << 32 | length
  };
};
static_assert(sizeof(packed_value) == 16);

struct pipeline_row {
  record_kind kind = record_kind::history;
  std::int64_t step = 0;
  double timestamp = 0;
  double runtime = 0;
  std::vector<packed_value> values;
  std::vector<char> arena;  // string values' bytes (a vector: clearing it touches no memory)

  void reserve(std::size_t n, std::size_t bytes) {
    values.reserve(n);
    arena.reserve(bytes);
  }
  void clear() {
    values.clear();
    arena.clear();
  }
  bool empty() const { return values.empty(); }
  /// Copies `o` in, reusing this row's capacity (allocates only while a slot grows to a row's size).
  void copy_from(const pipeline_row& o) {
    kind = o.kind;
    step = o.step;
    timestamp = o.timestamp;
    runtime = o.runtime;
    values.assign(o.values.begin(), o.values.end());
    if (o.arena.empty()) arena.clear();
    else arena.assign(o.arena.begin(), o.arena.end());
  }

  void append(std::uint32_t id, const metric_value& v) { values.push_back(pack(id, v)); }
  /// Replaces the value at `k` (the same key again before a commit: last value wins).
  void replace(std::size_t k, std::uint32_t id, const metric_value& v) { values[k] = pack(id, v); }

  /// The value at `k`, a string as a view into this row's arena.
  metric_value value(std::size_t k) const {
    const packed_value& p = values[k];
    switch (p.type) {
      case metric_value::kind::integer: return metric_value(p.i);
      case metric_value::kind::floating: return metric_value(p.d);
      case metric_value::kind::boolean: return metric_value(p.b);
      case metric_value::kind::string: break;
    }
    return metric_value(std::string_view(arena.data() + (p.str >> 32), static_cast<std::size_t>(p.str & 0xFFFFFFFFu)));
  }

 private:
  packed_value pack(std::uint32_t id, const metric_value& v) {
    packed_value p;
    p.id = id;
    p.type = v.type;
    switch (v.type) {
      case metric_value::kind::integer: p.i = v.i; break;
      case metric_value::kind::floating: p.d = v.d; break;
      case metric_value::kind::boolean: p.b = v.b; break;
      case metric_value::kind::string: {
        const std::uint64_t off = arena.size();
        arena.insert(arena.end(), v.s.begin(), v.s.end());
        p.str = off << 32 | static_cast<std::uint32_t>(v.s.size());
        break;
      }
    }
    return p;
  }
};

}  // namespace vitals::detail
