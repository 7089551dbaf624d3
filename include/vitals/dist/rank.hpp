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
#include <cstdlib>
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
inline rank_mode parse_rank_mode(std::string_view s) {
  if (s == "rank_zero" || s == "rank0") return rank_mode::rank_zero;
  if (s == "per_rank") return rank_mode::per_rank;
  throw std::invalid_argument("unknown rank mode '" + std::string(s) + "' (expected rank_zero or per_rank)");
}

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

inline std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

// A non-negative int from an environment variable; throws std::invalid_argument naming it.
inline std::optional<int> env_int(const char* name) {
  auto v = env_value(name);
  if (!v) return std::nullopt;
  long long x = 0;
  bool ok = v->size() <= 9;
  for (char c : *v) {
    ok = ok && c >= '0' && c <= '9';
    x = x * 10 + (c - '0');
  }
  if (!ok) throw std::invalid_argument(std::string("environment variable ") + name + "='" + *v +
                                       "' is not a non-negative integer");
  return static_cast<int>(x);
}

}  // namespace detail

/// The rank, world size and local rank from the environment (see the table above), with the
/// explicit values applied on top. Throws std::invalid_argument for malformed variables or a rank
/// outside [0, world_size).
inline rank_info detect_rank(std::optional<int> rank = {}, std::optional<int> world_size = {},
                             std::optional<int> local_rank = {}) {
  struct launcher {
    const char *name, *rank, *size, *local;
  };
  static constexpr launcher launchers[] = {
      {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"},
      {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
      {"pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"},
      {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
  };
  rank_info info;
  for (const auto& l : launchers) {
    auto r = detail::env_int(l.rank);
    auto s = detail::env_int(l.size);
    if (!r || !s) continue;
    info.rank = *r;
    info.world_size = *s;
    // Without a local rank variable, assume one process per node.
    info.local_rank = detail::env_int(l.local).value_or(0);
    info.source = l.name;
    break;
  }
  if (rank || world_size || local_rank) info.source = "explicit";
  if (rank) info.rank = *rank;
  if (world_size) info.world_size = *world_size;
  if (local_rank) info.local_rank = *local_rank;
  if (info.world_size < 1)
    throw std::invalid_argument("world size " + std::to_string(info.world_size) + " (from " + info.source +
                                ") must be at least 1");
  if (info.rank < 0 || info.rank >= info.world_size)
    throw std::invalid_argument("rank " + std::to_string(info.rank) + " (from " + info.source +
                                ") is outside [0, " + std::to_string(info.world_size) + ")");
  if (info.local_rank < 0) throw std::invalid_argument("local rank must not be negative");
  return info;
}

/// This process's rank from the environment, or 0 when it is not set or malformed: for deciding
/// who prints (a usage error is printed by rank 0 only), never for splitting work.
inline int env_rank_or_zero() noexcept {
  try {
    return detect_rank().rank;
  } catch (...) {
    return 0;
  }
}

/// A job-wide key every process of one launch sees in its environment, or empty when there is
/// none: "torchelastic:<TORCHELASTIC_RUN_ID>" (torchrun's rendezvous id; "none", its value
/// without --rdzv-id, does not count), "slurm:<job>[_<array task>][.<step>]", "openmpi:<jobid>"
/// (OMPI_MCA_ess_base_jobid / PMIX_NAMESPACE).
inline std::string job_key_from_env() {
  using detail::env_value;
  if (auto v = env_value("TORCHELASTIC_RUN_ID"); v && *v != "none") return "torchelastic:" + *v;
  if (auto v = env_value("SLURM_JOB_ID")) {
    std::string key = "slurm:" + *v;
    if (auto a = env_value("SLURM_ARRAY_TASK_ID")) key += "_" + *a;
    if (auto s = env_value("SLURM_STEP_ID")) key += "." + *s;
    return key;
  }
  if (auto v = env_value("OMPI_MCA_ess_base_jobid")) return "openmpi:" + *v;
  if (auto v = env_value("PMIX_NAMESPACE")) return "openmpi:" + *v;
  return {};
}

/// An 8-character run id [a-z0-9] derived from a job key and the number of runs this process has
/// created before (so k-fold runs in one job get distinct ids): the same on every rank, because
/// every rank creates its runs in the same order. FNV-1a, 64 bits.
inline std::string run_id_from_key(std::string_view key, std::uint64_t run_index) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : key) mix(static_cast<unsigned char>(c));
  mix(0);
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(run_index >> (8 * i)));
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(8, 'a');
  for (auto& c : id) {
    c = alphabet[h % alphabet.size()];
    h /= alphabet.size();
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
  }
  return id;
}

}  // namespace vitals
