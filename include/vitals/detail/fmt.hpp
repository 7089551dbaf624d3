// The one place vitals includes fmt. Under nvcc, fmt 9.1 only compiles with FMT_USE_CONSTEXPR=1
// (see DESIGN.md, toolchain facts), and a .cu file including vitals must not have to know that.
#pragma once

#if defined(__CUDACC__) && !defined(FMT_USE_CONSTEXPR)
#define FMT_USE_CONSTEXPR 1
#endif
#include <fmt/format.h>
#include <fmt/ranges.h>
