// Bodies of vitals/run/shutdown.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/shutdown.hpp"

#include <semaphore.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace vitals::inline VITALS_ABI::detail {
struct shutdown_table {
  std::recursive_mutex mu;  // held while hooks run, so a run is never destroyed under a hook
  std::vector<shutdown_hook*> hooks;
  struct sigaction previous_int {}, previous_term {};
  bool has_previous_int = false, has_previous_term = false;
  std::atomic<int> pending_signal{0};
  sem_t wake{};
  std::once_flag signals_once, atexit_once;
};

VITALS_INLINE shutdown_table& shutdown_hooks() {
  static auto* t = new shutdown_table;
  return *t;
}

VITALS_INLINE void run_shutdown_hooks(int exit_code) noexcept {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  auto hooks = std::move(t.hooks);
  t.hooks.clear();
  for (auto* h : hooks) h->on_shutdown(exit_code);
}

// Async-signal-safe: an atomic exchange, sigaction, raise, sem_post.
VITALS_INLINE void on_terminating_signal(int sig, siginfo_t*, void*) {
  auto& t = shutdown_hooks();
  int expected = 0;
  if (!t.pending_signal.compare_exchange_strong(expected, sig)) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(sig, &dfl, nullptr);
    ::raise(sig);  // delivered when this handler returns: the process ends now
    return;
  }
  ::sem_post(&t.wake);
}

VITALS_INLINE void chain_previous(int sig, const struct sigaction& prev) {
  if (prev.sa_flags & SA_SIGINFO) {
    if (!prev.sa_sigaction) return;
    siginfo_t info{};
    info.si_signo = sig;
    prev.sa_sigaction(sig, &info, nullptr);
  } else if (prev.sa_handler == SIG_DFL || prev.sa_handler == nullptr) {
    ::sigaction(sig, &prev, nullptr);
    ::raise(sig);
  } else if (prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  }
}

VITALS_INLINE void finisher_loop() {
  auto& t = shutdown_hooks();
  while (::sem_wait(&t.wake) != 0 && errno == EINTR) {
  }
  const int sig = t.pending_signal.load();
  run_shutdown_hooks(128 + sig);
  if (sig == SIGINT && t.has_previous_int) chain_previous(sig, t.previous_int);
  if (sig == SIGTERM && t.has_previous_term) chain_previous(sig, t.previous_term);
}

VITALS_INLINE int received_signal() noexcept { return shutdown_hooks().pending_signal.load(); }

VITALS_INLINE void install_signal_handlers() {
  auto& t = shutdown_hooks();
  std::call_once(t.signals_once, [&] {
    ::sem_init(&t.wake, 0, 0);
    // The finisher must not be the thread a signal interrupts mid-way; it only sleeps in
    // sem_wait, so a handler running on it is harmless.
    std::thread(finisher_loop).detach();
    struct sigaction sa {};
    sa.sa_sigaction = &on_terminating_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    auto install = [&](int sig, struct sigaction& previous, bool& has_previous) {
      struct sigaction current {};
      ::sigaction(sig, nullptr, &current);
      if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return;  // stays ignored
      has_previous = ::sigaction(sig, &sa, &previous) == 0;
    };
    install(SIGINT, t.previous_int, t.has_previous_int);
    install(SIGTERM, t.previous_term, t.has_previous_term);
  });
}

VITALS_INLINE void install_atexit_hook() {
  auto& t = shutdown_hooks();
  std::call_once(t.atexit_once, [] { std::atexit([] { run_shutdown_hooks(0); }); });
}

VITALS_INLINE void add_shutdown_hook(shutdown_hook* h) {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  t.hooks.push_back(h);
}

VITALS_INLINE void remove_shutdown_hook(shutdown_hook* h) noexcept {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  t.hooks.erase(std::remove(t.hooks.begin(), t.hooks.end(), h), t.hooks.end());
}
}  // namespace vitals::detail
