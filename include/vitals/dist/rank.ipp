// Bodies of vitals/dist/rank.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/dist/rank.hpp"

#include <cstdlib>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE rank_mode parse_rank_mode(std::string_view s) {
  if (s == "rank_zero" || s == "rank0") return rank_mode::rank_zero;
  if (s == "per_rank") return rank_mode::per_rank;
  throw std::invalid_argument("unknown rank mode '" + std::string(s) + "' (expected rank_zero or per_rank)");
}
namespace detail {
VITALS_INLINE std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

VITALS_INLINE std::optional<int> env_int(const char* name) {
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
VITALS_INLINE rank_info detect_rank(std::optional<int> rank, std::optional<int> world_size,
                             std::optional<int> local_rank) {
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

VITALS_INLINE int env_rank_or_zero() noexcept {
  try {
    return detect_rank().rank;
  } catch (...) {
    return 0;
  }
}

VITALS_INLINE std::string job_key_from_env() {
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

VITALS_INLINE std::string run_id_from_key(std::string_view key, std::uint64_t run_index) {
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
