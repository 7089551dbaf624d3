// The `hydra` node of a composition: what `${hydra:...}` reads (run/sweep dirs, job name,
// override_dirname, num, runtime choices), Hydra's defaults for what the configs leave unset.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/compose/composition.hpp"
#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

VITALS_INLINE bool is_hydra_key(std::string_view key);

// Hydra's job.override_dirname: the job's own overrides (not hydra.*, not exclude_keys), sorted,
// joined by item_sep, with '=' spelled kv_sep.
VITALS_INLINE std::string override_dirname(const std::vector<override_spec>& parsed, const node& config);

// The `hydra` node of a composition, unresolved: the configs' hydra block with hydra.* overrides
// applied, Hydra's defaults for what it leaves unset, and the facts of this job.
VITALS_INLINE node hydra_node(node block, const compose_options& options, const std::vector<override_spec>& parsed,
                       const std::vector<std::pair<std::string, std::optional<std::string>>>& choices, std::optional<int> job_num);

}  // namespace detail

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/hydra_node.ipp"
#endif
