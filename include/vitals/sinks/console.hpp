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
#include <utility>
#include <vector>

#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

/// Keys that mark an epoch or validation row: their first path segment is one of these.
VITALS_INLINE bool is_epoch_key(std::string_view key);

struct console_state;  // the terminal state and line buffers (console.ipp)
VITALS_INLINE console_state* make_state(console_state*);
VITALS_INLINE void destroy_state(console_state*) noexcept;

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
  detail::fresh_on_copy_ptr<detail::console_state> state{};

 private:
  VITALS_INLINE bool bar_shown_locked() const;
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
  VITALS_INLINE void emit(std::string_view l, bool erase_bar);

  VITALS_INLINE void draw_bar(const record& r);
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/console.ipp"
#endif
