// The project root: the one rule for PROJECT_ROOT in every front door (vitals::app, compose,
// load). It is read, never set: composition used to setenv it, which leaked into every child
// process the program started. Relative config directories are looked up under it, and
// `${oc.env:PROJECT_ROOT}` resolves to it when the variable is unset (Hydra would leave it unset).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <optional>

namespace vitals::inline VITALS_ABI::config {
/// $PROJECT_ROOT when set and not empty.
VITALS_INLINE std::optional<std::filesystem::path> project_root_env();

/// The nearest parent of `start` (default: the working directory), `start` included, that holds
/// `.git`; nullopt when there is none.
VITALS_INLINE std::optional<std::filesystem::path> git_root(const std::filesystem::path& start = {});

/// The directory relative paths are anchored at: $PROJECT_ROOT, else the nearest parent of
/// `start` (default: the working directory) that holds `.git`, else `start` itself (the working
/// directory when `start` is empty).
VITALS_INLINE std::filesystem::path project_root(const std::filesystem::path& start = {});

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/project_root.ipp"
#endif
