// The functions of Hydra's override grammar (`choice(a,b)`, `range(0,5)`, `sort(...)`,
// `shuffle(...)`, `glob(...)`, `int(...)`, ...): what a call gives once its arguments are parsed -
// a plain value (sort([3,1]) is [1,3]) or a sweep.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

namespace vitals::inline VITALS_ABI::config {
namespace detail {

class override_functions;  // defined in the .ipp

}  // namespace detail

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/override_functions.ipp"
#endif
