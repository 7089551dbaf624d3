// The W&B sink's online mode: `wandb beta sync --live` under a watchdog while the run trains (a
// bounded wait at finish), else `wandb sync` at the end (and every sync_interval).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>

#include "vitals/sinks/wandb/metadata.hpp"

namespace vitals::inline VITALS_ABI::detail {
class wandb_online : public wandb_metadata {
 protected:
  // --- online ----------------------------------------------------------------------------------
  /// Online mode: `wandb beta sync --live <run dir>` follows the file while it is written (wandb >=
  /// 0.31). Without that command: say so once and upload at the end as before.
  void start_live() {
    const auto exe = detail::find_executable(opt_.sync_command);
    if (!exe) return;  // close() says what to run
    const auto help = detail::command_output(detail::shell_quote(exe->string()) + " beta sync --help");
    if (!help || help->find("--live") == std::string::npos) {
      if (!opt_.quiet)
        std::fprintf(stderr, "vitals: '%s beta sync --live' is not available (wandb >= 0.31 has it); the run is uploaded when it ends\n",
                     exe->c_str());
      return;
    }
    try {
      auto c = detail::spawn_watched_process(*exe, {"beta", "sync", "--live", run_dir_.string()}, detail::find_wandb_api_key());
      live_.pid = c.pid;
      live_.lifeline = c.lifeline;
    } catch (const std::exception& e) {
      if (!opt_.quiet) std::fprintf(stderr, "%s; the run is uploaded when it ends\n", e.what());
    }
  }

  void finish_live() {
    const auto status = detail::wait_process_for(live_.pid, opt_.live_finish_timeout);
    if (!status) {
      if (!opt_.quiet)
        std::fprintf(stderr, "vitals: 'wandb beta sync --live' did not finish within %.0f s; stopped it. Upload the rest with: wandb sync %s\n",
                     opt_.live_finish_timeout.count(), run_dir_.c_str());
      live_.stop();
      sync_status_ = -1;
      return;
    }
    live_.pid = -1;
    live_.stop();
    sync_status_ = *status;
    if (*status == 0) return;
    if (!opt_.quiet) std::fprintf(stderr, "vitals: 'wandb beta sync --live' failed (status %d); trying 'wandb sync'\n", *status);
    start_sync(true);
  }

  void start_sync(bool wait) {
    const auto exe = detail::find_executable(opt_.sync_command);
    if (!exe) {
      if (wait && !opt_.quiet)
        std::fprintf(stderr,
                     "vitals: online mode, but the wandb CLI ('%s') is not on PATH; the run is saved offline. "
                     "Upload it with: pip install wandb && wandb sync %s\n",
                     opt_.sync_command.c_str(), run_dir_.c_str());
      return;
    }
    pid_t pid = -1;
    try {
      pid = detail::spawn_process(*exe, {"sync", run_dir_.string()}, detail::find_wandb_api_key());
    } catch (const std::exception& e) {
      if (!opt_.quiet) std::fprintf(stderr, "%s; upload the run with: wandb sync %s\n", e.what(), run_dir_.c_str());
      return;
    }
    if (!wait) {
      sync_.pid = pid;
      return;
    }
    sync_status_ = detail::wait_process(pid);
    if (*sync_status_ != 0 && !opt_.quiet)
      std::fprintf(stderr, "vitals: 'wandb sync' failed (status %d); retry with: wandb sync %s\n", *sync_status_, run_dir_.c_str());
  }

};

}  // namespace vitals::detail
