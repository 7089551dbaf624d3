// How a run's logging pipeline queues rows: queue size, what a full queue does, flush cadence.
// Its own header so that run options can name them without the pipeline's machinery.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vitals::inline VITALS_ABI {
enum class overflow_policy : std::uint8_t {
  block,        // the caller waits for the writer (nothing is lost)
  drop_newest,  // the row being committed is dropped and counted
  drop_oldest,  // the oldest queued row is dropped and counted
};

struct pipeline_options {
  std::size_t queue_capacity = 1024;  // rows
  overflow_policy overflow = overflow_policy::block;
  std::chrono::milliseconds flush_interval{1000};
};

}  // namespace vitals
