// Bodies of vitals/health/model_params.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/model_params.hpp"

namespace vitals::inline VITALS_ABI {
VITALS_INLINE model_params count_params(std::span<const param_info> params) {
  std::uint64_t total = 0, trainable = 0, bytes = 0;
  for (const auto& p : params) {
    total += p.numel;
    if (p.trainable) trainable += p.numel;
    bytes += p.numel * dtype_size(p.type);
  }
  return detail::model_params_of(total, trainable, bytes);
}

VITALS_INLINE model_params count_params(const tensor_table& table) {
  std::uint64_t total = 0, trainable = 0, bytes = 0;
  for (const auto& p : table.params()) {
    total += p.numel;
    if (p.grad.data) trainable += p.numel;
    bytes += p.numel * dtype_size(p.weight.data ? p.weight.type : p.grad.type);
  }
  return detail::model_params_of(total, trainable, bytes);
}

}  // namespace vitals
