// Bodies of vitals/config/compose/override_spec.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/override_spec.hpp"

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE std::string override_spec::key_element() const {
    std::string prefix = op == override_op::add ? "+" : op == override_op::force_add ? "++" : op == override_op::remove ? "~" : "";
    return prefix + key + (package ? "@" + *package : "");
  }

VITALS_INLINE source_location override_spec::where() const {
    source_location loc;
    loc.origin = "override" + (index > 0 ? " #" + std::to_string(index) : std::string()) + " '" + input + "'";
    return loc;
  }
}  // namespace vitals::config
