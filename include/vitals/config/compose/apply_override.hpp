// Applying one config override (not a group selection) to a composed tree in Hydra's closed
// ("struct") mode: `key=v` must exist, `+key=v` must not, `++key=v` either, `~key[=v]` deletes.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>

#include "vitals/config/compose/override_spec.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

VITALS_INLINE std::string sweep_hint(const override_spec& o);

VITALS_INLINE void apply_config_override(node& cfg, const override_spec& o);

}  // namespace detail

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/apply_override.ipp"
#endif
