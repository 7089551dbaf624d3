// Model size as the seed logs it: model_params/{total_params, trainable_params, model_size_mb},
// with model_size_mb = total * bytes_per_param / 2^20 (4 bytes for fp32 weights).
#pragma once

#include <cstdint>
#include <stdexcept>

namespace vitals {

struct model_params {
  std::int64_t total_params = 0;
  std::int64_t trainable_params = 0;
  double model_size_mb = 0;
};

/// Throws std::invalid_argument when trainable > total or a count is negative.
inline model_params make_model_params(std::int64_t total, std::int64_t trainable, double bytes_per_param = 4) {
  if (total < 0 || trainable < 0 || trainable > total || bytes_per_param <= 0)
    throw std::invalid_argument("model_params: need 0 <= trainable <= total and bytes_per_param > 0");
  return {total, trainable, static_cast<double>(total) * bytes_per_param / (1024.0 * 1024.0)};
}

}  // namespace vitals
