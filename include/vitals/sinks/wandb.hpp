// The W&B backend, one include: vitals::wandb_sink / vitals::wandb_offline (a sink writing W&B's
// offline run format), vitals::wandb_options / wandb_mode / wandb_metric, vitals::wandb_histogram,
// and the options of the built-in "wandb" entry of the sink registry (make_sinks("jsonl,wandb")).
#pragma once

#include "vitals/sinks/wandb/histogram.hpp"
#include "vitals/sinks/wandb/registration.hpp"
#include "vitals/sinks/wandb/wandb_sink.hpp"
