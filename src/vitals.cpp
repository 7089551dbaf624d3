// The compiled part of vitals (the CMake target vitals::vitals, libvitals.a): the one file that
// compiles the library's non-template bodies, which the users' files, built with VITALS_COMPILED,
// only declare. Every header with a `.ipp` must be reached from here (scripts/check_headers.py
// checks it); headers for optional dependencies (torch.hpp, dist/mpi.hpp, the CUDA kernels) stay
// header-only and are not included.
#ifndef VITALS_IMPLEMENTATION
#define VITALS_IMPLEMENTATION
#endif
#include <vitals.hpp>
#include <vitals/report.hpp>
#include <vitals/run/table.hpp>
