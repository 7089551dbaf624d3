// The MPI back end: a vitals::dist::communicator over the user's MPI communicator (needs mpi.h;
// CMake: find_package(MPI) and link MPI::MPI_CXX). vitals never calls MPI_Init or MPI_Finalize:
// the program owns MPI, and the communicator must outlive this object.
//
//   MPI_Init(&argc, &argv);
//   vitals::dist::mpi_communicator comm(MPI_COMM_WORLD);
//   vitals::dist::merge(comm, epoch_data_stats);          // a collective: every rank calls it
//
// One call = one MPI_Allreduce(MPI_IN_PLACE, ..., MPI_UINT64_T, MPI_SUM): sums of words of which
// only one rank's is non-zero are exact, so the built-in operator does the gather that the merge
// needs (communicator.hpp) and no user-defined MPI_Op is registered.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

// The C API is all vitals uses; MPI-2's C++ bindings (removed in MPI-3) do not compile warning-free.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

#include "vitals/dist/communicator.hpp"

namespace vitals::inline VITALS_ABI::dist {
class mpi_communicator final : public communicator {
 public:
  explicit mpi_communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) throw std::logic_error("vitals::dist::mpi_communicator: call MPI_Init first");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  MPI_Comm handle() const { return comm_; }

  void allreduce_sum(std::span<std::uint64_t> words) override {
    if (words.empty()) return;
    // MPI counts are int: larger buffers go in pieces (each piece is still one collective).
    constexpr std::size_t max_piece = static_cast<std::size_t>(std::numeric_limits<int>::max());
    for (std::size_t off = 0; off < words.size(); off += max_piece) {
      const std::size_t n = words.size() - off < max_piece ? words.size() - off : max_piece;
      check(MPI_Allreduce(MPI_IN_PLACE, words.data() + off, static_cast<int>(n), MPI_UINT64_T, MPI_SUM, comm_),
            "MPI_Allreduce");
    }
  }

 private:
  static void check(int rc, const char* what) {
    if (rc == MPI_SUCCESS) return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    throw std::runtime_error(std::string("vitals::dist: ") + what + " failed: " + std::string(msg, static_cast<std::size_t>(len)));
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace vitals::dist
