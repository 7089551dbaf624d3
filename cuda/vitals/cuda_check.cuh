// CUDA runtime errors as exceptions with the failing call named, so a user sees what went wrong
// ("vitals: cudaMalloc(chunk partials) failed: out of memory") instead of a later crash.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace vitals::inline VITALS_ABI::detail {
inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("vitals: ") + what + " failed: " + cudaGetErrorName(e) + ": " +
                             cudaGetErrorString(e));
}

}  // namespace vitals::detail
