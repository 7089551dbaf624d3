// Online mode's upload step: run the `wandb` CLI (`wandb sync <run dir>`) as a child process.
//
// vitals never talks to the W&B server itself; writing needs no Python, uploading reuses wandb's
// own, maintained sync. The API key is looked up (WANDB_API_KEY, else ~/.netrc's api.wandb.ai
// entry) only to hand it to that child through its environment; it is never written to a file.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <sys/types.h>  // pid_t

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitals::inline VITALS_ABI::detail {
/// The API key W&B would use: $WANDB_API_KEY, else the password of `machine api.wandb.ai` (or the
/// host in $WANDB_BASE_URL) in $NETRC or ~/.netrc.
VITALS_INLINE std::optional<std::string> find_wandb_api_key();

/// `command` itself when it holds a '/', else the first executable `command` on $PATH.
VITALS_INLINE std::optional<std::filesystem::path> find_executable(const std::string& command);

/// Starts `exe args...` with the current environment, plus WANDB_API_KEY=api_key when given.
/// Returns the child's pid; throws std::system_error when it cannot start.
VITALS_INLINE pid_t spawn_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                           const std::optional<std::string>& api_key);

/// Waits for a child; its exit status, or -1 if it died from a signal.
VITALS_INLINE int wait_process(pid_t pid);

/// True once the child has exited (reaps it); never blocks.
VITALS_INLINE bool process_done(pid_t pid);

/// A child that cannot outlive this process: `spawn_watched_process` forks a small watchdog that
/// starts the command and holds the read end of a pipe whose write end only this process has
/// (close-on-exec). When this process ends in any way - crash, SIGKILL, exit - the pipe reads EOF
/// and the watchdog sends the command SIGTERM (SIGKILL 10 s later). The watchdog's exit status is
/// the command's. Independent of which thread started it (unlike PR_SET_PDEATHSIG).
struct watched_child {
  pid_t pid = -1;     // the watchdog
  int lifeline = -1;  // write end of the pipe; closing it stops the command
};

VITALS_INLINE watched_child spawn_watched_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                                           const std::optional<std::string>& api_key);

/// Waits at most `timeout` for a child; its exit status (-1 for a signal), or nullopt on timeout.
VITALS_INLINE std::optional<int> wait_process_for(pid_t pid, std::chrono::duration<double> timeout);

}  // namespace vitals::detail

#if VITALS_HEADER_BODIES
#include "vitals/sinks/wandb/uploader.ipp"
#endif
