// Bodies of vitals/sinks/jsonl.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/jsonl.hpp"

#include <utility>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/file.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct jsonl_state {
  append_file file;
  std::filesystem::path path;
  std::unique_ptr<jsonl> system;  // <stem>.system.jsonl, opened with the first system record
  fmt::memory_buffer buf;
  std::vector<std::size_t> ends;  // offset in buf just past each line
};
VITALS_INLINE jsonl_state* make_state(jsonl_state*) { return new jsonl_state(); }
VITALS_INLINE void destroy_state(jsonl_state* p) noexcept { delete p; }
}  // namespace detail

VITALS_INLINE void jsonl::open(const run_info& info) {
  auto p = path.is_absolute() ? path : info.dir / path;
  // A resumed run appends to the file its earlier starts wrote (from a whole line on).
  detail::cut_to_last_newline(p);
  state->file.open(p);
  state->path = p;
}

VITALS_INLINE void jsonl::write(const record& r) {
  if (r.kind == record_kind::system) return write_system(r);
  if (r.kind != record_kind::history) return;
  auto& out = state->buf;
  out.append(std::string_view("{\"_step\":"));
  detail::append_json_int(out, r.step);
  out.append(std::string_view(",\"_runtime\":"));
  detail::append_json_double(out, r.runtime, policy());
  out.append(std::string_view(",\"_timestamp\":"));
  detail::append_json_double(out, r.timestamp, policy());
  for (const auto& m : r.metrics) {
    out.push_back(',');
    detail::append_json_string(out, m.key);
    out.push_back(':');
    detail::append_json_value(out, m.value, policy());
  }
  out.append(std::string_view("}\n"));
  state->ends.push_back(out.size());
  if (out.size() >= flush_bytes) flush();
}

VITALS_INLINE void jsonl::flush() {
  auto& st = *state;
  if (st.system) st.system->flush();
  if (st.buf.size() == 0 || (!st.file.is_open() && !st.file.broken())) return;
  st.file.write_records_and_clear(st.buf, st.ends);  // emptied whatever happens
}

VITALS_INLINE void jsonl::close(int exit_code) {
  flush();
  state->file.close();
  if (state->system) state->system->close(exit_code);
}

VITALS_INLINE void jsonl::write_system(const record& r) {
  detail::write_system_side(state->system, state->path, r, [&](std::filesystem::path p) {
    return jsonl{.path = std::move(p), .strict = strict, .flush_bytes = flush_bytes};
  });
}

}  // namespace vitals
