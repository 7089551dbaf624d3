// alerts.jsonl: one JSON line per alert record, written by the run's writer thread like every
// other sink (vitals::watch_health attaches it), so the training thread never touches the file.
//
// {"epoch":3,"timestamp":1700000000.5,"rule":"exploding_gradients","state":"fired","level":"error",
//  "title":"exploding_gradients fired","text":"exploding gradients: ... (train/grad_norm_max=153.2)"}
// Every state is kept here, "not_evaluated" included (the console and W&B leave that one out).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <string_view>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/file.hpp"
#include "vitals/health/alert.hpp"
#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct alerts_jsonl_state {
  append_file file;
  fmt::memory_buffer buf;
  std::vector<std::size_t> ends;
};
}  // namespace detail

struct alerts_jsonl {
  static constexpr std::string_view name = "alerts";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "alerts.jsonl";

  void open(const run_info& info) {
    auto p = path.is_absolute() ? path : info.dir / path;
    state->file.open(p);
  }

  void write(const record& r) {
    if (r.kind != record_kind::alert) return;
    auto& out = state->buf;
    detail::append_alert_json_line(out, r.metrics, r.timestamp);
    out.push_back('\n');
    state->ends.push_back(out.size());
  }

  void flush() {
    auto& st = *state;
    if (st.buf.size() == 0 || (!st.file.is_open() && !st.file.broken())) return;
    st.file.write_records_and_clear(st.buf, st.ends);
  }

  void close(int /*exit_code*/) {
    flush();
    state->file.close();
  }

  detail::fresh_on_copy<detail::alerts_jsonl_state> state{};
};

}  // namespace vitals
