// Console backend: aligned metric lines every N steps, and always the rows that carry keys logged
// less often than the step rows (epoch and validation rows); each alert once; the summary as one
// aligned block at the end. On a terminal, with total steps known, a progress bar with rate and
// ETA redrawn in place; the console owns that line (vitals' other stderr lines erase the bar
// first, see terminal.hpp). When the stream is not a terminal (a pipe, a log file under a batch
// system) it prints plain lines only - no carriage returns, no escapes.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/hash.hpp"
#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"
#include "vitals/sinks/terminal.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct console_key {
  std::size_t width = 0;     // widest value printed so far (aligned columns)
  bool epoch_key = false;    // val/, validation/, eval/, test/, health/: an epoch/validation row
};

/// Keys that mark an epoch or validation row: their first path segment is one of these.
VITALS_INLINE bool is_epoch_key(std::string_view key);

struct console_state {
  std::FILE* out = nullptr;
  bool tty = false;
  std::int64_t total = 0;
  std::int64_t first_step = -1;
  double first_runtime = 0;
  std::int64_t last_printed = 0;
  bool printed_any = false;
  std::unordered_map<std::uint64_t, std::int64_t> signatures;  // rows seen per set of keys
  std::int64_t most_common = 0;
  std::chrono::steady_clock::time_point last_draw{};
  string_map<console_key> keys;
  std::vector<std::pair<std::string, std::string>> summary;  // shown as one block at close
  fmt::memory_buffer line;
  fmt::memory_buffer value;
};

VITALS_INLINE void append_duration(fmt::memory_buffer& out, double seconds);
}  // namespace detail

struct console {
  static constexpr std::string_view name = "console";

  /// Print a step row every `every` steps (step % every == 0, or `every` steps after the last
  /// printed row). Rows that carry a key logged less often than the most frequent keys (epoch,
  /// validation and evaluation rows) are printed whatever `every` says.
  std::int64_t every = 1;
  /// Total steps for the progress bar; 0 takes run_info::total_steps, and when that is 0 too
  /// there is no bar.
  std::int64_t total_steps = 0;
  /// Where to print; nullptr means stdout.
  std::FILE* stream = nullptr;
  /// Significant digits of floating values.
  int precision = 5;
  /// An epoch/validation row with more keys than this prints as a block: one aligned line per key
  /// prefix (train, val, model, ...) and one health line naming the rules that fire.
  std::size_t block_keys = 8;
  std::size_t block_columns = 5;  // "key value" pairs per line of a block
  /// Width of the bar in characters.
  int bar_width = 30;

  VITALS_INLINE void open(const run_info& info);

  VITALS_INLINE void write(const record& r);

  VITALS_INLINE void flush();

  VITALS_INLINE void close(int exit_code);

  // Terminal state (public only so that console stays an aggregate for designated initializers).
  detail::fresh_on_copy<detail::console_state> state{};

 private:
  VITALS_INLINE void append_value(fmt::memory_buffer& out, const metric_value& v) const;

  bool bar_shown_locked() const { return state->out && detail::progress_line().bar_stream == state->out; }
  VITALS_INLINE bool bar_shown() const;

  // An epoch row as a block, keys grouped by their first path segment in order of appearance:
  //   step     383
  //     train   loss 0.13253 | grad_norm 0.27344 | grad_norm_max 0.43 | ...
  //     model   weight_mean 0.76292 | ema_diff 0.07436 | ...
  //     val     accuracy 0.96045
  //     health  ok                      (or: 2 firing: exploding_gradients, exploding_weights)
  // health/<rule> 0/1 flags are summed up in the health line instead of listed.
  VITALS_INLINE void write_block(const record& r);

  // "[WARN] exploding_gradients fired: gradient norm above 100 (train/grad_norm_max=153)": one
  // line per alert record; "not evaluated" notices (a rule's metric never logged) are not shown.
  VITALS_INLINE void write_alert(const record& r);

  // On a terminal, a line printed while the bar is shown first erases the bar ("\r\x1b[K") and the
  // bar is redrawn under it on the next record.
  VITALS_INLINE void emit(const fmt::memory_buffer& l, bool erase_bar);

  VITALS_INLINE void draw_bar(const record& r);
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/console.ipp"
#endif
