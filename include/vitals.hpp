// vitals: typed configs, runs, metric sinks and training-health statistics for C++ training code.
// One include for everything; each layer can also be included on its own (vitals/<layer>.hpp).
// The CUDA kernels live in cuda/vitals/ (cuda/vitals/cuda.cuh in .cu files; the generated single
// header includes them under __CUDACC__).
#pragma once

#include "vitals/version.hpp"
#include "vitals/reflect.hpp"
#include "vitals/config.hpp"
#include "vitals/compose.hpp"
#include "vitals/run.hpp"
#include "vitals/sinks.hpp"
#include "vitals/health.hpp"
#include "vitals/dist.hpp"
#include "vitals/health/watch.hpp"
#include "vitals/app.hpp"
