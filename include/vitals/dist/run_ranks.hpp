// What a run does on each rank of a distributed job (vitals::run calls apply_ranks first thing).
//
//  - Not distributed (world size 1): nothing changes.
//  - rank_mode::rank_zero (the default): rank 0 opens the run and writes every sink; on the other
//    ranks the run is open but writes nothing: log(), summary(), alert() return at once (they are
//    dropped: merge what matters with vitals/dist/merge.hpp and let rank 0 log it).
//  - rank_mode::per_rank: every rank opens its own run, named "{name}-rank{r}" with id
//    "{id}-rank{r}", all in the group run_options::group (default: the name).
// Options are validated on every rank, so a bad option fails every rank the same way (each exits
// with code 2 through vitals::exit_usage_error, which prints on rank 0 only).
//
// The ranks agree on one run id without talking to each other, in this order: an explicit id
// (run_options::id, WANDB_RUN_ID, --wandb_run_id); one derived from the launcher's job id
// (TORCHELASTIC_RUN_ID, SLURM_JOB_ID with the array task and step, Open MPI's job id: see
// job_key_from_env), the same on every rank of one launch; rank 0's random id broadcast over
// run_options::communicator when one is given. Otherwise only rank 0 knows the id (run::id() is
// empty elsewhere) and per-rank mode needs a name to group by.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "vitals/dist/rank.hpp"
#include "vitals/run/options.hpp"

namespace vitals::inline VITALS_ABI::dist {
/// A run's place in its job.
struct run_ranks {
  rank_info rank;
  rank_mode mode = rank_mode::rank_zero;
  bool writes = true;  // false: a non-zero rank in rank_zero mode, whose run writes nothing
};

namespace detail {
// Runs created by this process in a distributed job: the derived id of the k-th run is the same on
// every rank because every rank creates its runs in the same order.
VITALS_INLINE std::atomic<std::uint64_t>& distributed_runs_created();
}  // namespace detail

/// Resolves rank, world size, the shared id and the per-rank name/group, updating `o`.
/// Throws vitals::invalid_option for malformed rank variables or an impossible per-rank setup.
VITALS_INLINE run_ranks apply_ranks(run_options& o);

/// metadata.json's "distributed" object.
VITALS_INLINE std::string metadata_json(const run_ranks& r);

}  // namespace vitals::dist

#if VITALS_HEADER_BODIES
#include "vitals/dist/run_ranks.ipp"
#endif
