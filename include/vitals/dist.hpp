// Distributed training: rank detection, rank-aware runs, and statistics merged over ranks through
// the user's MPI or NCCL communicator. See docs/distributed.md. The back ends are separate headers
// that need their library: vitals/dist/mpi.hpp (MPI) and cuda/vitals/nccl.cuh (NCCL).
#pragma once

#include "vitals/dist/communicator.hpp"
#include "vitals/dist/merge.hpp"
#include "vitals/dist/rank.hpp"
#include "vitals/dist/run_ranks.hpp"
