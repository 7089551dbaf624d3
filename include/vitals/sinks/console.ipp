// Bodies of vitals/sinks/console.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/console.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <mutex>

#include "vitals/detail/fmt.hpp"
#include "vitals/format/hash.hpp"
#include "vitals/sinks/terminal.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct console_key {
  std::size_t width = 0;     // widest value printed so far (aligned columns)
  bool epoch_key = false;    // val/, validation/, eval/, test/, health/: an epoch/validation row
};

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
VITALS_INLINE console_state* make_state(console_state*) { return new console_state(); }
VITALS_INLINE void destroy_state(console_state* p) noexcept { delete p; }

VITALS_INLINE bool is_epoch_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  auto head = key.substr(0, slash);
  for (std::string_view h : {"val", "valid", "validation", "eval", "evaluation", "test", "health"})
    if (head == h) return true;
  return false;
}

VITALS_INLINE void console_append_value(fmt::memory_buffer& out, const metric_value& v, int precision) {
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

VITALS_INLINE void append_duration(fmt::memory_buffer& out, double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) {
    out.append(std::string_view("?"));
    return;
  }
  auto s = static_cast<std::int64_t>(seconds + 0.5);
  fmt::format_to(std::back_inserter(out), "{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}
}  // namespace detail

VITALS_INLINE void console::open(const run_info& info) {
  auto& st = *state;
  st.out = stream ? stream : stdout;
  st.tty = ::isatty(::fileno(st.out)) == 1;
  st.total = total_steps > 0 ? total_steps : info.total_steps;
  auto& l = st.line;
  l.clear();
  fmt::format_to(std::back_inserter(l), "vitals: run '{}' ({}) in {}\n", info.name, info.id, info.dir.string());
  emit(std::string_view(l.data(), l.size()), false);
}

VITALS_INLINE void console::write(const record& r) {
  auto& st = *state;
  auto& l = st.line;
  l.clear();
  if (r.kind == record_kind::alert) {
    write_alert(r);
    return;
  }
  if (r.kind == record_kind::config || r.kind == record_kind::system) return;  // config.json / the W&B sink hold them
  if (r.kind == record_kind::summary) {
    for (const auto& m : r.metrics) {
      auto& v = st.value;
      v.clear();
      detail::console_append_value(v, m.value, precision);
      std::string value(v.data(), v.size());
      bool found = false;
      for (auto& [k, old] : st.summary)
        if (k == m.key) {
          old = std::move(value);
          found = true;
          break;
        }
      if (!found) st.summary.emplace_back(std::string(m.key), std::move(value));
    }
    return;
  }
  if (st.first_step < 0) {
    st.first_step = r.step;
    st.first_runtime = r.runtime;
  }
  // Step rows are thinned out by `every`; epoch and validation rows are printed whatever it
  // says. A row is one of those when it has a val/, validation/, eval/, test/ or health/ key,
  // or when its set of keys differs from the most frequent set (the step rows').
  std::uint64_t signature = 0;
  bool special = false;
  for (const auto& m : r.metrics) {
    auto it = st.keys.find(m.key);
    if (it == st.keys.end()) it = st.keys.emplace(std::string(m.key), detail::console_key{0, detail::is_epoch_key(m.key)}).first;
    special = special || it->second.epoch_key;
    signature += std::hash<std::string_view>{}(m.key) * 0x9E3779B97F4A7C15ull + 1;  // order-independent
  }
  const std::int64_t seen = ++st.signatures[signature];
  if (seen > st.most_common) st.most_common = seen;
  special = special || seen < st.most_common;
  const bool due = every > 0 && (r.step % every == 0 || !st.printed_any || r.step - st.last_printed >= every);
  if (due) {
    st.printed_any = true;
    st.last_printed = r.step;  // the step rows' rhythm; an epoch row printed out of it does not shift it
  }
  if (special && r.metrics.size() > block_keys) {
    write_block(r);
  } else if (due || special) {
    fmt::format_to(std::back_inserter(l), "step {:>7}", r.step);
    for (const auto& m : r.metrics) {
      auto& v = st.value;
      v.clear();
      detail::console_append_value(v, m.value, precision);
      auto& key = st.keys.find(m.key)->second;
      if (v.size() > key.width) key.width = v.size();
      fmt::format_to(std::back_inserter(l), " | {} {:>{}}", m.key, std::string_view(v.data(), v.size()), key.width);
    }
    l.push_back('\n');
    emit(std::string_view(l.data(), l.size()), true);
  }
  if (st.tty && st.total > 0) {
    auto now = std::chrono::steady_clock::now();
    bool last = r.step + 1 >= st.total;
    if (last || now - st.last_draw > std::chrono::milliseconds(100) || !bar_shown()) {
      st.last_draw = now;
      draw_bar(r);
    }
  }
}

VITALS_INLINE void console::flush() {
  if (state->out) std::fflush(state->out);
}

VITALS_INLINE void console::close(int exit_code) {
  auto& st = *state;
  if (!st.out) return;
  {
    std::lock_guard lock(detail::progress_line().mu);
    if (bar_shown_locked()) {
      std::fputc('\n', st.out);  // the finished bar stays on screen
      detail::progress_line().bar_stream = nullptr;
    }
  }
  if (!st.summary.empty()) {
    std::size_t w = 0;
    for (const auto& [k, v] : st.summary) w = std::max(w, k.size());
    auto& l = st.line;
    l.clear();
    l.append(std::string_view("vitals: summary\n"));
    for (const auto& [k, v] : st.summary) fmt::format_to(std::back_inserter(l), "  {:<{}}  {}\n", k, w, v);
    std::fwrite(l.data(), 1, l.size(), st.out);
  }
  std::fprintf(st.out, "vitals: run finished (exit code %d)\n", exit_code);
  std::fflush(st.out);
}

VITALS_INLINE bool console::bar_shown_locked() const {
  return state->out && detail::progress_line().bar_stream == state->out;
}

VITALS_INLINE bool console::bar_shown() const {
  std::lock_guard lock(detail::progress_line().mu);
  return bar_shown_locked();
}

VITALS_INLINE void console::write_block(const record& r) {
  auto& st = *state;
  auto& l = st.line;
  l.clear();
  std::vector<std::pair<std::string_view, std::vector<std::string>>> groups;  // prefix -> "k v" pairs
  std::string firing;
  int active = -1;
  auto& v = st.value;
  for (const auto& m : r.metrics) {
    const auto slash = m.key.find('/');
    const std::string_view prefix = slash == std::string_view::npos ? std::string_view("") : m.key.substr(0, slash);
    const std::string_view name = slash == std::string_view::npos ? m.key : m.key.substr(slash + 1);
    if (prefix == "health") {
      if (name == "alerts_active") active = static_cast<int>(m.value.as_double());
      else if (m.value.as_double() != 0) firing += (firing.empty() ? "" : ", ") + std::string(name);
      continue;
    }
    v.clear();
    detail::console_append_value(v, m.value, precision);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == prefix; });
    if (it == groups.end()) it = groups.insert(groups.end(), {prefix, {}});
    it->second.push_back(std::string(name) + " " + std::string(v.data(), v.size()));
  }
  // Pairs of a group in aligned columns, `per_line` to a line.
  std::vector<std::size_t> col(block_columns, 0);
  for (const auto& g : groups)
    for (std::size_t i = 0; i < g.second.size(); ++i) col[i % block_columns] = std::max(col[i % block_columns], g.second[i].size());
  std::size_t w = 6;  // "health"
  for (const auto& g : groups) w = std::max(w, g.first.size());
  fmt::format_to(std::back_inserter(l), "step {:>7}\n", r.step);
  for (const auto& g : groups)
    for (std::size_t i = 0; i < g.second.size(); ++i) {
      if (i % block_columns == 0) fmt::format_to(std::back_inserter(l), "  {:<{}}", i == 0 ? g.first : "", w);
      const bool last = i + 1 == g.second.size() || (i + 1) % block_columns == 0;
      fmt::format_to(std::back_inserter(l), "  {:<{}}", g.second[i], last ? 0 : col[i % block_columns]);
      if (last) l.push_back('\n');
    }
  if (active >= 0 || !firing.empty()) {
    if (firing.empty()) fmt::format_to(std::back_inserter(l), "  {:<{}}  ok\n", "health", w);
    else fmt::format_to(std::back_inserter(l), "  {:<{}}  {} firing: {}\n", "health", w, std::max(active, 1), firing);
  }
  emit(std::string_view(l.data(), l.size()), true);
}

VITALS_INLINE void console::write_alert(const record& r) {
  std::string_view title, text, level = "WARN", alert_state;
  for (const auto& m : r.metrics) {
    if (m.value.type != metric_value::kind::string) continue;
    if (m.key == "title") title = m.value.s;
    else if (m.key == "text") text = m.value.s;
    else if (m.key == "level") level = m.value.s;
    else if (m.key == "state") alert_state = m.value.s;
  }
  if (alert_state == "not_evaluated" || text.starts_with("not evaluated")) return;
  auto& l = state->line;
  l.clear();
  fmt::format_to(std::back_inserter(l), "[{}] {}", level, title);
  if (!text.empty()) fmt::format_to(std::back_inserter(l), ": {}", text);
  l.push_back('\n');
  emit(std::string_view(l.data(), l.size()), true);
}

VITALS_INLINE void console::emit(std::string_view l, bool erase_bar) {
  auto& st = *state;
  std::lock_guard lock(detail::progress_line().mu);
  if (erase_bar && bar_shown_locked()) detail::erase_progress_bar_locked();
  std::fwrite(l.data(), 1, l.size(), st.out);
  if (st.tty) std::fflush(st.out);
}

VITALS_INLINE void console::draw_bar(const record& r) {
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
  std::lock_guard lock(detail::progress_line().mu);
  std::fwrite(l.data(), 1, l.size(), st.out);
  std::fflush(st.out);
  detail::progress_line().bar_stream = st.out;
}

}  // namespace vitals
