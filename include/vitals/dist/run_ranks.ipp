// Bodies of vitals/dist/run_ranks.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/dist/run_ranks.hpp"

#include <atomic>

#include "vitals/config/error.hpp"
#include "vitals/dist/communicator.hpp"
#include "vitals/run/run_id.hpp"

namespace vitals::inline VITALS_ABI::dist {
namespace detail {
VITALS_INLINE std::atomic<std::uint64_t>& distributed_runs_created() {
  static std::atomic<std::uint64_t> n{0};
  return n;
}
}  // namespace detail
VITALS_INLINE run_ranks apply_ranks(run_options& o) {
  run_ranks out;
  out.mode = o.ranks;
  try {
    out.rank = detect_rank(o.rank, o.world_size, o.local_rank);
    if (o.communicator && !o.rank && !o.world_size) {
      out.rank.rank = o.communicator->rank();
      out.rank.world_size = o.communicator->size();
      out.rank.source = "communicator";
    }
  } catch (const std::invalid_argument& e) {
    throw invalid_option(std::string("vitals: ") + e.what());
  }
  if (!out.rank.distributed()) return out;

  const auto index = detail::distributed_runs_created().fetch_add(1);
  if (o.id.empty()) {
    if (auto key = job_key_from_env(); !key.empty()) {
      o.id = run_id_from_key(key, index);
    } else if (o.communicator) {
      o.id = broadcast_from_zero(*o.communicator, o.communicator->rank() == 0 ? make_run_id() : std::string());
    }
  }
  if (o.ranks == rank_mode::per_rank) {
    if (o.name.empty() && o.id.empty())
      throw invalid_option(
          "vitals: per-rank runs need a name or a run id the ranks share, to group them by (set run_options::name, "
          "WANDB_NAME or WANDB_RUN_ID, or pass run_options::communicator)");
    const std::string base = o.name.empty() ? "run-" + o.id : o.name;
    const std::string suffix = "-rank" + std::to_string(out.rank.rank);
    if (o.group.empty()) o.group = base;
    o.name = base + suffix;
    if (!o.id.empty()) o.id += suffix;
  }
  out.writes = o.ranks == rank_mode::per_rank || out.rank.rank == 0;
  return out;
}

VITALS_INLINE std::string metadata_json(const run_ranks& r) {
  return "{\"rank\": " + std::to_string(r.rank.rank) + ", \"world_size\": " + std::to_string(r.rank.world_size) +
         ", \"local_rank\": " + std::to_string(r.rank.local_rank) + ", \"source\": \"" + r.rank.source +
         "\", \"mode\": \"" + std::string(to_string(r.mode)) + "\"}";
}
}  // namespace vitals::dist
