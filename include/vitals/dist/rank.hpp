// Which process of a distributed job this is, read from the launchers' environment variables, and
// the run id every process of one job agrees on without talking to the others.
//
// Launchers, in the order they are consulted (the first that sets its variables wins; a torchrun
// started under srun sees both, and torchrun's numbering is the one the training code uses):
//   torchrun / torch.distributed    RANK, WORLD_SIZE, LOCAL_RANK
//   Open MPI (mpirun)               OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_LOCAL_RANK
//   MPICH, Intel MPI (PMI)          PMI_RANK, PMI_SIZE, MPI_LOCALRANKID
//   SLURM (srun)                    SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID
// Explicit values (run_options::rank / world_size / local_rank) win over all of them.
//
// This header depends on nothing but the standard library (the config layer uses it to print a
// usage error once, on rank 0).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vitals::inline VITALS_ABI {
/// How a distributed job maps onto runs. rank_zero (the default): one run, opened and written by
/// rank 0; on the other ranks log()/summary()/alert() do nothing. per_rank: every rank opens its
/// own run `{name}-rank{r}`, all in one group (W&B's recommendation for distributed training).
enum class rank_mode : std::uint8_t { rank_zero, per_rank };

/// "rank_zero" (or "rank0"), "per_rank"; throws std::invalid_argument on anything else.
VITALS_INLINE rank_mode parse_rank_mode(std::string_view s);

inline std::string_view to_string(rank_mode m) { return m == rank_mode::per_rank ? "per_rank" : "rank_zero"; }

/// This process's place in the job. A process started without any launcher is rank 0 of 1.
struct rank_info {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string source = "none";  // "torchrun", "openmpi", "pmi", "slurm", "explicit" or "none"

  bool is_zero() const { return rank == 0; }
  bool distributed() const { return world_size > 1; }
};

namespace detail {

VITALS_INLINE std::optional<std::string> env_value(const char* name);

// A non-negative int from an environment variable; throws std::invalid_argument naming it.
VITALS_INLINE std::optional<int> env_int(const char* name);

}  // namespace detail

/// The rank, world size and local rank from the environment (see the table above), with the
/// explicit values applied on top. Throws std::invalid_argument for malformed variables or a rank
/// outside [0, world_size).
VITALS_INLINE rank_info detect_rank(std::optional<int> rank = {}, std::optional<int> world_size = {},
                             std::optional<int> local_rank = {});

/// This process's rank from the environment, or 0 when it is not set or malformed: for deciding
/// who prints (a usage error is printed by rank 0 only), never for splitting work.
VITALS_INLINE int env_rank_or_zero() noexcept;

/// A job-wide key every process of one launch sees in its environment, or empty when there is
/// none: "torchelastic:<TORCHELASTIC_RUN_ID>" (torchrun's rendezvous id; "none", its value
/// without --rdzv-id, does not count), "slurm:<job>[_<array task>][.<step>]", "openmpi:<jobid>"
/// (OMPI_MCA_ess_base_jobid / PMIX_NAMESPACE).
VITALS_INLINE std::string job_key_from_env();

/// An 8-character run id [a-z0-9] derived from a job key and the number of runs this process has
/// created before (so k-fold runs in one job get distinct ids): the same on every rank, because
/// every rank creates its runs in the same order. FNV-1a, 64 bits.
VITALS_INLINE std::string run_id_from_key(std::string_view key, std::uint64_t run_index);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/dist/rank.ipp"
#endif
