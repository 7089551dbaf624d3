// validation/gen_{std,mean,range}: the spread of what a generative model produced on the validation
// set. A collapsed generator has tiny std and range (the seed warns below 0.1 and 0.5).
// std is the population std (ddof = 0); range = max - min; non-finite outputs are skipped.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <span>

#include "vitals/health/tensor_values.hpp"
#include "vitals/health/accumulator.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/health/metric_list.hpp"

namespace vitals::inline VITALS_ABI {
class generation_stats {
 public:
  void add(std::span<const float> outputs) { acc_.merge(accumulate(outputs)); }
  void add(std::span<const double> outputs) { acc_.merge(accumulate(outputs)); }
  /// A tensor (torch::Tensor with vitals/torch.hpp, or any type with a vitals::tensor_values
  /// specialization), read as float32 values in its memory order.
  template <float_tensor T>
  void add(const T& tensor) {
    const auto values = tensor_values<T>::get(tensor);
    add(std::span<const float>(values.data(), values.size()));
  }

  void merge(const generation_stats& other) { acc_.merge(other.acc_); }

  const accumulator& stats() const { return acc_; }

  void append_to(metric_list& out) const {
    if (acc_.count == 0) return;
    out.set("validation/gen_std", std::sqrt(acc_.variance()));
    out.set("validation/gen_mean", acc_.mean);
    out.set("validation/gen_range", acc_.max - acc_.min);
  }
  metric_list metrics() const {
    metric_list out;
    append_to(out);
    return out;
  }
  void reset() { acc_ = {}; }

 private:
  accumulator acc_;
};

}  // namespace vitals
