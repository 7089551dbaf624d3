// JSONL backend: <run dir>/metrics.jsonl, one JSON object per committed step, as W&B's history.
//
// {"_step":3,"_runtime":1.25,"_timestamp":1700000000.5,"train/loss":0.31,"lr":0.0001}
// Lines are built in memory and reach the file with write(2) only as whole lines (on flush, or
// when the buffer passes flush_bytes), so after a crash every complete line parses. When a write
// fails (full disk, file-size limit) the file is cut back to its last whole line and the error
// thrown once (the run reports it and disables this sink); lines not yet written are lost.
// An existing file is continued (a resumed run): appended to, after any torn last line is cut.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/json_format.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
struct jsonl;

namespace detail {
struct jsonl_state;  // the open file and its buffer (jsonl.ipp)
VITALS_INLINE jsonl_state* make_state(jsonl_state*);
VITALS_INLINE void destroy_state(jsonl_state*) noexcept;
}  // namespace detail

struct jsonl {
  static constexpr std::string_view name = "jsonl";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "metrics.jsonl";
  /// true: NaN/Inf become null (standard JSON); false: bare NaN/Infinity as W&B writes them.
  bool strict = false;
  /// Buffered bytes that trigger a write before the next flush.
  std::size_t flush_bytes = 1 << 20;

  VITALS_INLINE void open(const run_info& info);

  VITALS_INLINE void write(const record& r);

  VITALS_INLINE void flush();

  VITALS_INLINE void close(int exit_code);

 private:
  // System samples (run_options::system_metrics.to_sinks) go to <stem>.system.jsonl beside the
  // file, one line per sample with the step the run was on, as W&B keeps them apart from the
  // history: metrics.jsonl stays one line per committed step for every reader (resume included).
  VITALS_INLINE void write_system(const record& r);

 public:

  /// The JSON policy `strict` selects (format/json.hpp).
  const detail::json_policy& policy() const { return strict ? detail::strict_json : detail::jsonl_json; }

  // Open-file state (public only so that jsonl stays an aggregate for designated initializers).
  detail::fresh_on_copy_ptr<detail::jsonl_state> state{};
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/jsonl.ipp"
#endif
