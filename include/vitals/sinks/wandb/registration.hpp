// Registers the W&B sink as "wandb" for run-time selection (--sinks jsonl,wandb, VITALS_SINKS).
//
// The registered sink writes offline unless $WANDB_MODE asks otherwise (online / disabled), so a
// run started from the command line never uploads unless told to: models and data stay on the
// machine by default. Code that wants other options attaches its own vitals::wandb_sink instead.
#pragma once

#include <cstdlib>

#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/wandb/wandb_sink.hpp"

namespace vitals {

/// The options the "wandb" registry entry uses.
inline wandb_options registered_wandb_options() {
  wandb_options o;
  o.mode = std::getenv("WANDB_MODE") ? wandb_mode::automatic : wandb_mode::offline;
  return o;
}

inline const bool wandb_sink_registered = register_sink("wandb", [] { return any_sink(wandb_sink(registered_wandb_options())); });

}  // namespace vitals
