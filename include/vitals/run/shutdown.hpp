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

#include <vector>

namespace vitals::inline VITALS_ABI::detail {
struct shutdown_hook {
  /// Finish now with this exit code. Called on the finisher thread or from std::exit.
  virtual void on_shutdown(int exit_code) noexcept = 0;

 protected:
  ~shutdown_hook() = default;
};

struct shutdown_table;  // shutdown.ipp

VITALS_INLINE shutdown_table& shutdown_hooks();

VITALS_INLINE void run_shutdown_hooks(int exit_code) noexcept;

VITALS_INLINE void finisher_loop();

/// The number of the first SIGINT/SIGTERM received since the handlers were installed, else 0.
VITALS_INLINE int received_signal() noexcept;

VITALS_INLINE void install_signal_handlers();

VITALS_INLINE void install_atexit_hook();

VITALS_INLINE void add_shutdown_hook(shutdown_hook* h);

/// Waits while the finisher runs hooks, so that a run being finished is not destroyed under it.
VITALS_INLINE void remove_shutdown_hook(shutdown_hook* h) noexcept;

}  // namespace vitals::detail

#if VITALS_HEADER_BODIES
#include "vitals/run/shutdown.ipp"
#endif
