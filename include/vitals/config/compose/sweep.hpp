// Sweep expansion: the jobs of a multirun, in Hydra's BasicSweeper order (cartesian product,
// first override slowest), with glob(...) filtering a group's options as Hydra's Glob does.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/compose/override_spec.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

// fnmatch-style: '*' any run, '?' one character, [abc] / [!abc] a set.
VITALS_INLINE bool glob_match(std::string_view s, std::string_view p);

// Hydra's Glob.filter: the names matching an include pattern and no exclude pattern, in order.
VITALS_INLINE std::vector<std::string> glob_filter(const std::vector<std::string>& names, const std::vector<std::string>& include,
                                            const std::vector<std::string>& exclude);

}  // namespace detail

/// Expands sweeps into one override list per job: the cartesian product over the overrides in
/// order, the first override varying slowest, exactly as Hydra's BasicSweeper. A key given twice
/// keeps its first position and its last value (BasicSweeper keys an ordered dict by key).
/// `group_options` lists a config group's options, for glob(...); without it a glob is an error.
VITALS_INLINE std::vector<std::vector<std::string>> expand_sweeps(
    const std::vector<override_spec>& overrides,
    const std::function<std::vector<std::string>(const std::string&)>& group_options = {});

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/sweep.ipp"
#endif
