// Built by nvcc: vitals' host code under __CUDACC__ (the scalar statistics path), in the same program.
#include <vitals.hpp>

#include "odr_case.hpp"

vitals::accumulator stats_cuda(std::size_t i, int k) { return odr::compute(i, k); }
