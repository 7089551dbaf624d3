// How command-line group overrides steer a defaults list (Hydra's defaults_list.py: the
// overrides' part): selections, appends, deletions, `override` entries, and the errors for
// those that match nothing.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

namespace vitals::inline VITALS_ABI::config {
namespace detail {

class defaults_choices;  // defined in the .ipp

}  // namespace detail

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/defaults_choices.ipp"
#endif
