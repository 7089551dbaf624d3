// The options of the built-in "wandb" sink that run-time selection builds (--sinks jsonl,wandb,
// VITALS_SINKS; sinks/registry.hpp's make_sinks). Nothing is registered here: including this
// header compiles no W&B writer.
//
// That sink writes offline unless $WANDB_MODE asks otherwise (online / disabled), so a
// run started from the command line never uploads unless told to: models and data stay on the
// machine by default. Code that wants other options attaches its own vitals::wandb_sink instead.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "vitals/sinks/wandb/wandb_sink.hpp"

namespace vitals::inline VITALS_ABI {
/// The options the "wandb" registry entry uses.
inline wandb_options registered_wandb_options() {
  wandb_options o;
  o.mode = std::getenv("WANDB_MODE") ? wandb_mode::automatic : wandb_mode::offline;
  // System metrics as wandb's settings name them: x_stats_sampling_interval (seconds), x_disable_stats.
  if (const char* s = std::getenv("WANDB_X_STATS_SAMPLING_INTERVAL"); s && *s) {
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0))
      throw std::invalid_argument(std::string("vitals: WANDB_X_STATS_SAMPLING_INTERVAL=") + s + " is not a number of seconds >= 0");
    o.system_metrics_interval = std::chrono::duration<double>(v);
  }
  if (const char* d = std::getenv("WANDB_X_DISABLE_STATS"); d && (std::string_view(d) == "true" || std::string_view(d) == "1"))
    o.system_metrics_interval = std::chrono::duration<double>(0);
  return o;
}

}  // namespace vitals
