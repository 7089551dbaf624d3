// Counting a model's parameters into vitals::model_params (run/model_params.hpp): from a list of
// tensor sizes or from the statistics' tensor table. Each parameter is counted at its own element
// size, so model_size_mb is the bytes the weights take / 2^20.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <span>

#include "vitals/health/dtype.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/run/model_params.hpp"

namespace vitals::inline VITALS_ABI {
/// One parameter tensor as far as its size is concerned.
struct param_info {
  std::uint64_t numel = 0;
  dtype type = dtype::f32;
  bool trainable = true;
};

namespace detail {
inline model_params model_params_of(std::uint64_t total, std::uint64_t trainable, std::uint64_t bytes) {
  return {static_cast<std::int64_t>(total), static_cast<std::int64_t>(trainable),
          static_cast<double>(bytes) / (1024.0 * 1024.0)};
}
}  // namespace detail

VITALS_INLINE model_params count_params(std::span<const param_info> params);

/// The same from the statistics' tensor table: a parameter is trainable when it has a gradient
/// buffer (a frozen weight is added without one); its size is its weight's element size.
VITALS_INLINE model_params count_params(const tensor_table& table);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/model_params.ipp"
#endif
