// JSONL backend: <run dir>/metrics.jsonl, one JSON object per committed step, as W&B's history.
//
// {"_step":3,"_runtime":1.25,"_timestamp":1700000000.5,"train/loss":0.31,"lr":0.0001}
// Lines are built in memory and reach the file with write(2) only as whole lines (on flush, or
// when the buffer passes flush_bytes), so after a crash every complete line parses.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/file_io.hpp"
#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals {

namespace detail {
struct jsonl_state {
  append_file file;
  fmt::memory_buffer buf;
};
}  // namespace detail

struct jsonl {
  static constexpr std::string_view name = "jsonl";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "metrics.jsonl";
  /// true: NaN/Inf become null (standard JSON); false: bare NaN/Infinity as W&B writes them.
  bool strict = false;
  /// Buffered bytes that trigger a write before the next flush.
  std::size_t flush_bytes = 1 << 20;

  void open(const run_info& info) {
    auto p = path.is_absolute() ? path : info.dir / path;
    state->file.open(p);
  }

  void write(const record& r) {
    if (r.kind != record_kind::history) return;
    auto& out = state->buf;
    out.append(std::string_view("{\"_step\":"));
    detail::append_int(out, r.step);
    out.append(std::string_view(",\"_runtime\":"));
    detail::json_append_double(out, r.runtime, strict);
    out.append(std::string_view(",\"_timestamp\":"));
    detail::json_append_double(out, r.timestamp, strict);
    for (const auto& m : r.metrics) {
      out.push_back(',');
      detail::append_json_string(out, m.key);
      out.push_back(':');
      detail::json_append_value(out, m.value, strict);
    }
    out.append(std::string_view("}\n"));
    if (out.size() >= flush_bytes) flush();
  }

  void flush() {
    auto& out = state->buf;
    if (out.size() == 0 || !state->file.is_open()) return;
    // Clear first: if the disk is full the bytes are lost either way, and a retry must not grow
    // the buffer without bound.
    std::string_view data(out.data(), out.size());
    struct clear_on_exit {
      fmt::memory_buffer& b;
      ~clear_on_exit() { b.clear(); }
    } guard{out};
    state->file.write(data);
  }

  void close(int /*exit_code*/) {
    flush();
    state->file.close();
  }

  // Open-file state (public only so that jsonl stays an aggregate for designated initializers).
  detail::fresh_on_copy<detail::jsonl_state> state{};
};

}  // namespace vitals
