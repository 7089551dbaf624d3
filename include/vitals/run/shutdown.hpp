// Finishing live runs when the process ends abnormally: SIGINT/SIGTERM and std::exit (atexit).
//
// A signal handler may interrupt the training thread while it holds the pipeline's lock, so the
// handler itself does only async-signal-safe work: it records the signal and posts a semaphore.
// A "finisher" thread (started with the handlers) then does the orderly part, where taking locks
// is safe:
//   1. every live run is finished with exit code 128+signal (queue drained, sinks flushed and
//      closed, summary.json and metadata.json written);
//   2. then the disposition that was there before vitals: the default action is restored and the
//      signal re-raised (the process ends with the usual signal status, 128+signal in a shell), or
//      the program's own handler is called - on the finisher thread, after the runs are finished.
//      A signal that was ignored before vitals stays ignored: no handler is installed for it.
// A second SIGINT/SIGTERM while this is under way ends the process at once with the default
// action; records already written are whole (sinks write whole records, see format/file.hpp).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

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
struct shutdown_hook {
  /// Finish now with this exit code. Called on the finisher thread or from std::exit.
  virtual void on_shutdown(int exit_code) noexcept = 0;

 protected:
  ~shutdown_hook() = default;
};

struct shutdown_table {
  std::recursive_mutex mu;  // held while hooks run, so a run is never destroyed under a hook
  std::vector<shutdown_hook*> hooks;
  struct sigaction previous_int {}, previous_term {};
  bool has_previous_int = false, has_previous_term = false;
  std::atomic<int> pending_signal{0};
  sem_t wake{};
  std::once_flag signals_once, atexit_once;
};

// Never destroyed: the finisher thread and atexit hooks may outlive static destruction order.
inline shutdown_table& shutdown_hooks() {
  static auto* t = new shutdown_table;
  return *t;
}

inline void run_shutdown_hooks(int exit_code) noexcept {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  auto hooks = std::move(t.hooks);
  t.hooks.clear();
  for (auto* h : hooks) h->on_shutdown(exit_code);
}

// Async-signal-safe: an atomic exchange, sigaction, raise, sem_post.
inline void on_terminating_signal(int sig, siginfo_t*, void*) {
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

inline void chain_previous(int sig, const struct sigaction& prev) {
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

inline void finisher_loop() {
  auto& t = shutdown_hooks();
  while (::sem_wait(&t.wake) != 0 && errno == EINTR) {
  }
  const int sig = t.pending_signal.load();
  run_shutdown_hooks(128 + sig);
  if (sig == SIGINT && t.has_previous_int) chain_previous(sig, t.previous_int);
  if (sig == SIGTERM && t.has_previous_term) chain_previous(sig, t.previous_term);
}

/// The number of the first SIGINT/SIGTERM received since the handlers were installed, else 0.
inline int received_signal() noexcept { return shutdown_hooks().pending_signal.load(); }

inline void install_signal_handlers() {
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

inline void install_atexit_hook() {
  auto& t = shutdown_hooks();
  std::call_once(t.atexit_once, [] { std::atexit([] { run_shutdown_hooks(0); }); });
}

inline void add_shutdown_hook(shutdown_hook* h) {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  t.hooks.push_back(h);
}

/// Waits while the finisher runs hooks, so that a run being finished is not destroyed under it.
inline void remove_shutdown_hook(shutdown_hook* h) noexcept {
  auto& t = shutdown_hooks();
  std::lock_guard lock(t.mu);
  t.hooks.erase(std::remove(t.hooks.begin(), t.hooks.end(), h), t.hooks.end());
}

}  // namespace vitals::detail
