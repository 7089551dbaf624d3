// Bodies of vitals/sinks/alerts.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/alerts.hpp"

#include <string_view>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/file.hpp"
#include "vitals/health/alert.hpp"
#include "vitals/sinks/json_format.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct alerts_jsonl_state {
  append_file file;
  fmt::memory_buffer buf;
  std::vector<std::size_t> ends;
};
VITALS_INLINE alerts_jsonl_state* make_state(alerts_jsonl_state*) { return new alerts_jsonl_state(); }
VITALS_INLINE void destroy_state(alerts_jsonl_state* p) noexcept { delete p; }
}  // namespace detail

VITALS_INLINE void alerts_jsonl::open(const run_info& info) {
  auto p = path.is_absolute() ? path : info.dir / path;
  state->file.open(p);
}

VITALS_INLINE void alerts_jsonl::write(const record& r) {
  if (r.kind != record_kind::alert) return;
  auto& out = state->buf;
  detail::append_alert_json_line(out, r.metrics, r.timestamp);
  out.push_back('\n');
  state->ends.push_back(out.size());
}

VITALS_INLINE void alerts_jsonl::flush() {
  auto& st = *state;
  if (st.buf.size() == 0 || (!st.file.is_open() && !st.file.broken())) return;
  st.file.write_records_and_clear(st.buf, st.ends);
}

VITALS_INLINE void alerts_jsonl::close(int /*exit_code*/) {
  flush();
  state->file.close();
}
}  // namespace vitals
