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

#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct alerts_jsonl_state;  // the open file and its buffer (alerts.ipp)
VITALS_INLINE alerts_jsonl_state* make_state(alerts_jsonl_state*);
VITALS_INLINE void destroy_state(alerts_jsonl_state*) noexcept;
}  // namespace detail

struct alerts_jsonl {
  static constexpr std::string_view name = "alerts";

  /// File to write; relative paths are taken inside the run directory.
  std::filesystem::path path = "alerts.jsonl";

  VITALS_INLINE void open(const run_info& info);
  VITALS_INLINE void write(const record& r);
  VITALS_INLINE void flush();
  VITALS_INLINE void close(int exit_code);

  // Open-file state (public only so that alerts_jsonl stays an aggregate; a copy starts unopened).
  detail::fresh_on_copy_ptr<detail::alerts_jsonl_state> state{};
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/alerts.ipp"
#endif
