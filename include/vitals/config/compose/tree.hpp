// Untyped composition: a config directory (plus options registered in a config_store) and a list
// of overrides become one resolved value tree, as Hydra's compose API + to_container(resolve=True)
// would produce it. Steps: parse overrides -> resolve the defaults list (group selections apply
// here) -> merge the configs in order, each under its package -> apply the remaining overrides in
// closed ("struct") mode -> resolve interpolations. Sweeps expand into one composition per job.
// The typed front end (compose<Config>, sweep<Config>, the command line) is in command_line.hpp.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vitals/config/compose/composition.hpp"
#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

VITALS_INLINE std::filesystem::path locate_config_dir(const std::filesystem::path& dir);

VITALS_INLINE composition compose_parsed(const compose_options& options, const std::vector<override_spec>& parsed,
                                  std::vector<std::string> lines, std::optional<int> job_num = std::nullopt);

}  // namespace detail

/// Composes with the full trace (defaults list, choices); sweeps are an error that says how to ask.
VITALS_INLINE composition compose_detailed(const compose_options& options, const std::vector<std::string>& overrides);

/// The composed, resolved config tree — what Hydra's compose + to_container(resolve=True) gives.
VITALS_INLINE node compose_tree(const compose_options& options, const std::vector<std::string>& overrides = {});

/// The override lists of a sweep's jobs (Hydra's BasicSweeper order; one job without sweeps).
VITALS_INLINE std::vector<std::vector<std::string>> sweep_jobs(const std::vector<std::string>& overrides);

/// The same, with glob(...) sweeps over a group's options (from the config directory and store).
VITALS_INLINE std::vector<std::vector<std::string>> sweep_jobs(const compose_options& options, const std::vector<std::string>& overrides);

/// One composition per job of the sweep, each numbered (hydra.job.num, its own output directory
/// hydra.sweep.dir/hydra.sweep.subdir) as a multirun numbers them.
VITALS_INLINE std::vector<composition> sweep_detailed(const compose_options& options, const std::vector<std::string>& overrides);

/// One composed tree per job of the sweep (`a=1,2 b=x,y` gives 4).
VITALS_INLINE std::vector<node> sweep_tree(const compose_options& options, const std::vector<std::string>& overrides);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/tree.ipp"
#endif
