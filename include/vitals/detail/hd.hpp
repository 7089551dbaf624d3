// VITALS_HD marks math that is shared by the CPU reference and the CUDA kernels.
#pragma once

#if defined(__CUDACC__)
#define VITALS_HD __host__ __device__
#else
#define VITALS_HD
#endif
