// The W&B backend, one include: vitals::wandb_sink / vitals::wandb_offline (a sink writing W&B's
// offline run format), vitals::wandb_options / wandb_mode / wandb_metric, vitals::wandb_histogram.
#pragma once

#include "vitals/sinks/wandb/histogram.hpp"
#include "vitals/sinks/wandb/wandb_sink.hpp"
