// Flushing live runs when the process ends abnormally: SIGINT/SIGTERM (the previous handler is
// chained afterwards: called, or the default action re-raised) and std::exit (atexit).
//
// A fixed table of atomic pointers, because a signal handler may neither lock nor allocate.
#pragma once

#include <signal.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>

namespace vitals::detail {

struct shutdown_hook {
  /// from_signal: called inside a signal handler (must not block indefinitely).
  virtual void on_shutdown(int exit_code, bool from_signal) noexcept = 0;

 protected:
  ~shutdown_hook() = default;
};

inline constexpr std::size_t max_live_runs = 64;

struct shutdown_table {
  std::array<std::atomic<shutdown_hook*>, max_live_runs> hooks{};
  struct sigaction previous_int {}, previous_term {};
  std::once_flag signals_once, atexit_once;
};

inline shutdown_table& shutdown_hooks() {
  static shutdown_table t;
  return t;
}

inline void run_shutdown_hooks(int exit_code, bool from_signal) noexcept {
  for (auto& slot : shutdown_hooks().hooks)
    if (auto* h = slot.exchange(nullptr)) h->on_shutdown(exit_code, from_signal);
}

inline void on_terminating_signal(int sig, siginfo_t* info, void* ctx) {
  run_shutdown_hooks(128 + sig, true);
  auto& t = shutdown_hooks();
  const struct sigaction& prev = sig == SIGINT ? t.previous_int : t.previous_term;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) prev.sa_sigaction(sig, info, ctx);
  } else if (prev.sa_handler == SIG_IGN) {
    return;
  } else if (prev.sa_handler == SIG_DFL || prev.sa_handler == nullptr) {
    // Restore the default action and re-raise: the process ends with the usual signal status
    // (delivered when this handler returns, as the signal is blocked inside it).
    ::sigaction(sig, &prev, nullptr);
    ::raise(sig);
  } else {
    prev.sa_handler(sig);
  }
}

inline void install_signal_handlers() {
  auto& t = shutdown_hooks();
  std::call_once(t.signals_once, [&] {
    struct sigaction sa {};
    sa.sa_sigaction = &on_terminating_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &t.previous_int);
    ::sigaction(SIGTERM, &sa, &t.previous_term);
  });
}

inline void install_atexit_hook() {
  auto& t = shutdown_hooks();
  std::call_once(t.atexit_once, [] { std::atexit([] { run_shutdown_hooks(0, false); }); });
}

/// Registers a live run; false when the table is full (the run still works, without the hooks).
inline bool add_shutdown_hook(shutdown_hook* h) noexcept {
  for (auto& slot : shutdown_hooks().hooks) {
    shutdown_hook* expected = nullptr;
    if (slot.compare_exchange_strong(expected, h)) return true;
  }
  return false;
}

inline void remove_shutdown_hook(shutdown_hook* h) noexcept {
  for (auto& slot : shutdown_hooks().hooks) {
    shutdown_hook* expected = h;
    slot.compare_exchange_strong(expected, nullptr);
  }
}

}  // namespace vitals::detail
