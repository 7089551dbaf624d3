// Bodies of vitals/config/compose/apply_override.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/apply_override.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "vitals/config/compose/merge.hpp"
#include "vitals/config/compose/values.hpp"
#include "vitals/config/error.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

VITALS_INLINE std::string sweep_hint(const override_spec& o) {
  return "Ambiguous value for argument '" + o.input +
         "': 1. to use it as a list, write key=[value1,value2]; 2. to use it as a string, quote it: key='value1,value2'; "
         "3. to sweep over it, add --multirun (-m) to the command line, or call vitals::sweep";
}

VITALS_INLINE void apply_config_override(node& cfg, const override_spec& o) {
  if (o.package)
    throw config_error(problem{o.key, "Override " + o.input + " looks like a config group override, but config group '" + o.key +
                                          "' does not exist",
                               o.where()});
  const node* existing = find_path(cfg, o.key);
  switch (o.op) {
    case override_op::remove: {
      if (!existing || existing->is_null())
        throw config_error(problem{o.key, "Could not delete from config. '" + o.key + "' does not exist.", o.where()});
      if (o.has_value && o.value.type != override_value_type::null && !same_value(o.value.value, *existing))
        throw config_error(problem{o.key, "Could not delete from config. The value of '" + o.key + "' is " +
                                              (existing->is_scalar() ? python_str(*existing) : std::string("a ") + (existing->is_mapping() ? "mapping" : "list")) +
                                              " and not " + o.value.text + ".",
                                   o.where()});
      erase_path(cfg, o.key);
      return;
    }
    case override_op::add:
      if (existing && !existing->is_null() && !o.value.value.is_mapping() && !o.value.value.is_sequence())
        throw config_error(problem{o.key, "Could not append to config. An item is already at '" + o.key + "'. Either remove the + prefix: '" +
                                              o.input.substr(1) + "', or add a second + to add or override it: '+" + o.input + "'",
                                   o.where()});
      update_path(cfg, o.key, o.value.value, true, o.where());
      return;
    case override_op::force_add: update_path(cfg, o.key, o.value.value, true, o.where()); return;
    case override_op::set: update_path(cfg, o.key, o.value.value, false, o.where(), o.input); return;
  }
}
}  // namespace detail
}  // namespace vitals::config
