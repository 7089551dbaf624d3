// The W&B sink's options: mode (offline / online / disabled and how "automatic" resolves), the
// define_metric rules, online sync and live streaming, system metrics and console capture, and
// the small helpers that interpret them (glob rules, alert levels).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/sinks/wandb/uploader.hpp"

namespace vitals::inline VITALS_ABI {
enum class wandb_mode {
  automatic,  // $WANDB_MODE if set, else online when an API key is found, else offline
  offline,    // write the run; upload later with `wandb sync`
  online,     // write the run, then `wandb sync` it at finish (and every sync_interval)
  disabled,   // write nothing (--no_wandb, debug runs); $WANDB_MODE=disabled forces it
};

/// W&B's define_metric: plot keys matching `name` against `step_metric` instead of `_step`.
struct wandb_metric {
  std::string name;         // a key ("val/loss") or a glob with '*' ("val/*")
  std::string step_metric;  // e.g. "epoch"; empty: the default x axis (_step)
  std::vector<std::string> summary;  // any of "min","max","mean","best","last","none","copy","first"
  std::string goal;         // "minimize", "maximize" or empty
  bool hidden = false;
};

struct wandb_options {
  wandb_mode mode = wandb_mode::automatic;
  std::filesystem::path dir;               // where wandb/ goes; empty: the run's directory
  std::vector<wandb_metric> metrics;       // define_metric rules, written at open
  std::string sync_command = "wandb";      // the CLI online mode runs (looked up on $PATH)
  std::chrono::duration<double> sync_interval{0};  // online: also sync on flush() this often (0: at finish only)
  std::size_t buffer_bytes = 256 * 1024;   // records buffered between writes to the kernel
  std::int64_t alert_wait_ms = 60000;      // AlertRecord.wait_duration, wandb.alert's default
  bool quiet = false;                      // no messages on stderr
  bool sigterm_is_preemption = true;       // exit code 143 (SIGTERM): W&B's preempting record (see close)
  bool environment = true;                 // environment record (OS, host, args, CPU/GPU, git) and files record at open
  std::chrono::duration<double> system_metrics_interval{15};  // stats records (W&B's System charts) this often; 0: off
                                           // (run_options::system_metrics / --system_metrics_interval win)
  std::string console;                     // "auto" | "wrap" | "off": stdout/stderr as output_raw records + files/output.log
                                           // (empty: $WANDB_CONSOLE, else off; --wandb_console wins)
  bool live = true;                        // online: stream the run while it trains with `wandb beta sync --live`
  std::chrono::duration<double> live_finish_timeout{120};  // at close, wait this long for the live sync to finish
};

namespace detail {

inline bool wandb_glob_match(std::string_view pattern, std::string_view s) {
  // '*' matches any run of characters (as wandb's define_metric globs); everything else literally.
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p, ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

inline std::string wandb_mode_name(wandb_mode m) {
  switch (m) {
    case wandb_mode::automatic: return "automatic";
    case wandb_mode::offline: return "offline";
    case wandb_mode::online: return "online";
    case wandb_mode::disabled: return "disabled";
  }
  return "?";
}

/// The mode a run really uses: $WANDB_MODE=disabled (or WANDB_DISABLED=true) always wins, an
/// explicit mode next, then $WANDB_MODE, then online-if-a-key-exists.
inline wandb_mode resolve_wandb_mode(wandb_mode asked) {
  std::string env;
  if (const char* m = std::getenv("WANDB_MODE")) env = m;
  if (env == "disabled") return wandb_mode::disabled;
  if (const char* d = std::getenv("WANDB_DISABLED"); d && (std::string_view(d) == "true" || std::string_view(d) == "1"))
    return wandb_mode::disabled;
  if (asked != wandb_mode::automatic) return asked;
  if (env == "offline" || env == "dryrun") return wandb_mode::offline;
  if (env == "online" || env == "run") return wandb_mode::online;
  if (!env.empty())
    throw std::invalid_argument("vitals: WANDB_MODE=" + env + " is not one of online, offline, disabled");
  return find_wandb_api_key() ? wandb_mode::online : wandb_mode::offline;
}

inline std::string wandb_alert_level(std::string_view level) {
  std::string l(level);
  for (auto& c : l) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (l == "WARNING") return "WARN";
  if (l == "CRITICAL" || l == "FATAL") return "ERROR";
  if (l.empty()) return "INFO";
  return l;
}

}  // namespace detail

}  // namespace vitals
