// A writer-thread step between a run's queue and its sinks (the run's health monitor is one).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <vector>

#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
/// Sees each record first, may change a history row's metrics (`row` starts as a copy of
/// r.metrics; views it adds must stay valid until the next process() call) and may ask for records
/// to follow it (`after`, e.g. alert records). Runs on the writer thread only, so it adds nothing
/// to log().
class record_stage {
 public:
  virtual ~record_stage() = default;
  virtual void process(const record& r, std::vector<metric>& row, std::vector<record>& after) = 0;
};

}  // namespace vitals
