// Console backend: aligned metric lines every N steps; on a terminal, with total steps known, a
// progress bar with rate and ETA redrawn in place. When the stream is not a terminal (a pipe, a
// log file under a batch system) it prints plain lines only - no carriage returns, no escapes.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/csv.hpp"  // detail::string_hash
#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals {

namespace detail {
struct console_state {
  std::FILE* out = nullptr;
  bool tty = false;
  std::int64_t total = 0;
  bool bar_shown = false;
  std::int64_t first_step = -1;
  double first_runtime = 0;
  std::chrono::steady_clock::time_point last_draw{};
  std::unordered_map<std::string, std::size_t, string_hash, std::equal_to<>> widths;
  fmt::memory_buffer line;
  fmt::memory_buffer value;
};

inline void append_duration(fmt::memory_buffer& out, double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) {
    out.append(std::string_view("?"));
    return;
  }
  auto s = static_cast<std::int64_t>(seconds + 0.5);
  fmt::format_to(std::back_inserter(out), "{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}
}  // namespace detail

struct console {
  static constexpr std::string_view name = "console";

  /// Print a metrics line every `every` committed steps (steps where step % every == 0).
  std::int64_t every = 1;
  /// Total steps for the progress bar; 0 takes run_info::total_steps, and when that is 0 too
  /// there is no bar.
  std::int64_t total_steps = 0;
  /// Where to print; nullptr means stdout.
  std::FILE* stream = nullptr;
  /// Significant digits of floating values.
  int precision = 5;
  /// Width of the bar in characters.
  int bar_width = 30;

  void open(const run_info& info) {
    auto& st = *state;
    st.out = stream ? stream : stdout;
    st.tty = ::isatty(::fileno(st.out)) == 1;
    st.total = total_steps > 0 ? total_steps : info.total_steps;
    auto& l = st.line;
    l.clear();
    fmt::format_to(std::back_inserter(l), "vitals: run '{}' ({}) in {}\n", info.name, info.id, info.dir.string());
    emit(l, false);
  }

  void write(const record& r) {
    auto& st = *state;
    auto& l = st.line;
    l.clear();
    if (r.kind == record_kind::alert || r.kind == record_kind::summary) {
      l.append(r.kind == record_kind::alert ? std::string_view("alert") : std::string_view("summary"));
      for (const auto& m : r.metrics) {
        fmt::format_to(std::back_inserter(l), " {}=", m.key);
        append_value(l, m.value);
      }
      l.push_back('\n');
      emit(l, true);
      return;
    }
    if (st.first_step < 0) {
      st.first_step = r.step;
      st.first_runtime = r.runtime;
    }
    if (every > 0 && r.step % every == 0) {
      fmt::format_to(std::back_inserter(l), "step {:>7}", r.step);
      for (const auto& m : r.metrics) {
        auto& v = st.value;
        v.clear();
        append_value(v, m.value);
        auto it = st.widths.find(m.key);
        if (it == st.widths.end()) it = st.widths.emplace(std::string(m.key), 0).first;
        if (v.size() > it->second) it->second = v.size();
        fmt::format_to(std::back_inserter(l), " | {} {:>{}}", m.key, std::string_view(v.data(), v.size()),
                       it->second);
      }
      l.push_back('\n');
      emit(l, true);
    }
    if (st.tty && st.total > 0) {
      auto now = std::chrono::steady_clock::now();
      bool last = r.step + 1 >= st.total;
      if (last || now - st.last_draw > std::chrono::milliseconds(100) || !st.bar_shown) {
        st.last_draw = now;
        draw_bar(r);
      }
    }
  }

  void flush() {
    if (state->out) std::fflush(state->out);
  }

  void close(int exit_code) {
    auto& st = *state;
    if (!st.out) return;
    if (st.bar_shown) std::fputc('\n', st.out);
    st.bar_shown = false;
    std::fprintf(st.out, "vitals: run finished (exit code %d)\n", exit_code);
    std::fflush(st.out);
  }

  // Terminal state (public only so that console stays an aggregate for designated initializers).
  detail::fresh_on_copy<detail::console_state> state{};

 private:
  void append_value(fmt::memory_buffer& out, const metric_value& v) const {
    switch (v.type) {
      case metric_value::kind::integer: fmt::format_to(std::back_inserter(out), "{}", v.i); break;
      case metric_value::kind::floating:
        if (std::isnan(v.d)) out.append(std::string_view("nan"));  // not "-nan"
        else fmt::format_to(std::back_inserter(out), "{:.{}g}", v.d, precision);
        break;
      case metric_value::kind::boolean: out.append(v.b ? std::string_view("true") : std::string_view("false")); break;
      case metric_value::kind::string: out.append(v.s); break;
    }
  }

  // On a terminal, a line printed while the bar is shown first erases the bar ("\r\x1b[K") and the
  // bar is redrawn under it on the next record.
  void emit(const fmt::memory_buffer& l, bool erase_bar) {
    auto& st = *state;
    if (erase_bar && st.bar_shown) {
      std::fputs("\r\x1b[K", st.out);
      st.bar_shown = false;
    }
    std::fwrite(l.data(), 1, l.size(), st.out);
    if (st.tty) std::fflush(st.out);
  }

  void draw_bar(const record& r) {
    auto& st = *state;
    auto& l = st.line;
    l.clear();
    double done = static_cast<double>(r.step + 1);
    double frac = std::min(1.0, std::max(0.0, done / static_cast<double>(st.total)));
    int filled = static_cast<int>(frac * bar_width);
    l.append(std::string_view("\r\x1b[K["));
    for (int i = 0; i < bar_width; ++i) l.push_back(i < filled ? '#' : '-');
    fmt::format_to(std::back_inserter(l), "] {:3.0f}% {}/{}", frac * 100, r.step + 1, st.total);
    double steps = static_cast<double>(r.step - st.first_step);
    double elapsed = r.runtime - st.first_runtime;
    if (steps > 0 && elapsed > 0) {
      double rate = steps / elapsed;
      fmt::format_to(std::back_inserter(l), " {:.1f} it/s ETA ", rate);
      detail::append_duration(l, (static_cast<double>(st.total) - done) / rate);
    } else {
      l.append(std::string_view(" ETA ?"));
    }
    std::fwrite(l.data(), 1, l.size(), st.out);
    std::fflush(st.out);
    st.bar_shown = true;
  }
};

}  // namespace vitals
