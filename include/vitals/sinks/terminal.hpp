// The terminal line: a console sink that draws a progress bar owns the line the bar is on. Any
// other line vitals prints (a sink failure, a health alert printed by a monitor) goes through
// write_stderr_line(), which first erases the bar, so that no message is glued to it; the console
// redraws the bar on its next record.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace vitals::inline VITALS_ABI::detail {
struct terminal_line {
  std::mutex mu;
  std::FILE* bar_stream = nullptr;  // the stream a progress bar is shown on, nullptr when none
};

inline terminal_line& progress_line() {
  static terminal_line t;
  return t;
}

/// Erases a shown progress bar (the caller holds progress_line().mu).
inline void erase_progress_bar_locked() noexcept {
  auto& t = progress_line();
  if (!t.bar_stream) return;
  std::fputs("\r\x1b[K", t.bar_stream);
  std::fflush(t.bar_stream);
  t.bar_stream = nullptr;
}

/// Writes one whole line (with its '\n') to stderr, after erasing a progress bar; never throws.
inline void write_stderr_line(std::string_view line) noexcept {
  try {
    std::lock_guard lock(progress_line().mu);
    erase_progress_bar_locked();
    (void)!::write(2, line.data(), line.size());
  } catch (...) {
    (void)!::write(2, line.data(), line.size());
  }
}

}  // namespace vitals::detail

namespace vitals::inline VITALS_ABI {
/// For a program's own messages during training: prints `line` (a '\n' is added when missing) on
/// stderr after erasing a console sink's progress bar, so that it is never glued to the bar.
inline void print_line(std::string_view line) {
  std::string out(line);
  if (out.empty() || out.back() != '\n') out += '\n';
  detail::write_stderr_line(out);
}

}  // namespace vitals
