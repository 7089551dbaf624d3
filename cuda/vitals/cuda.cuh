// The CUDA layer of vitals (nvcc only): fused parameter statistics with asynchronous results.
#pragma once

#include "vitals/cuda_check.cuh"
#include "vitals/param_stats.cuh"
#include "vitals/param_stats_kernels.cuh"
#include "vitals/param_watch.cuh"
