// Model size as the seed logs it: model_params/{total_params, trainable_params, model_size_mb},
// with model_size_mb = total bytes / 2^20 (total * 4 / 2^20 for fp32 weights). The one type for
// model size in vitals: counted by vitals::count_params (health/model_params.hpp, vitals/torch.hpp),
// logged into the config and the summary by vitals::log_model_params(run, params).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vitals::inline VITALS_ABI {
/// Counts are integers (they stay integers in config.json and summary.json); the size in MiB.
struct model_params {
  std::int64_t total_params = 0;
  std::int64_t trainable_params = 0;
  double model_size_mb = 0;

  /// Average bytes per parameter (4 for an fp32 model).
  double bytes_per_param() const {
    return total_params ? model_size_mb * (1024.0 * 1024.0) / static_cast<double>(total_params) : 4.0;
  }
};

/// Throws std::invalid_argument when trainable > total or a count is negative.
inline model_params make_model_params(std::int64_t total, std::int64_t trainable, double bytes_per_param = 4) {
  if (total < 0 || trainable < 0 || trainable > total || !(bytes_per_param > 0))
    throw std::invalid_argument("vitals::model_params: need 0 <= trainable (" + std::to_string(trainable) +
                                ") <= total (" + std::to_string(total) + ") and bytes_per_param > 0");
  return {total, trainable, static_cast<double>(total) * bytes_per_param / (1024.0 * 1024.0)};
}

/// Logs `p` as seed 000 does: into the config (config.update({"model_params": {...}})) and the
/// summary (model_params/{total_params, trainable_params, model_size_mb}), through a vitals::run.
template <class Run>
void log_model_params(Run& run, const model_params& p) {
  run.update_config("model_params", p);
  run.log_model_params(p.total_params, p.trainable_params, p.bytes_per_param());
}

}  // namespace vitals
