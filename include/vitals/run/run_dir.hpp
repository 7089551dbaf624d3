// Creating a run directory: runs/{sanitised name}_{id}/ with an exclusive mkdir(2), retrying
// with a new id on collision, so concurrent processes on one filesystem never share a directory.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI


#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "vitals/config/error.hpp"

namespace vitals::inline VITALS_ABI {
struct run_dir_result {
  std::filesystem::path path;  // absolute
  std::string id;
};

/// Checks, without creating anything, that `root` can hold run directories: it is a writable
/// directory, or it does not exist yet and its nearest existing parent is a writable directory.
/// Throws vitals::runs_dir_error (a std::runtime_error and a vitals::usage_error) saying which
/// directory is wrong and why. run_options::validate() calls it, so a run fails before it writes.
VITALS_INLINE void check_runs_root(const std::filesystem::path& root);

/// Creates the parent `root` if needed (throwing a clear error when it cannot be created or
/// written), then root/{sanitize_dir_name(name)}_{id}. With a fixed id an existing directory is an
/// error; with a generated id a collision draws a new one. Errors about `root` are
/// vitals::runs_dir_error (std::runtime_error).
VITALS_INLINE run_dir_result create_run_dir(const std::filesystem::path& root, const std::string& name, const std::string& fixed_id);

/// Number of entries in `root` (for the N of adjective-noun-N); 0 when it does not exist.
VITALS_INLINE std::size_t count_runs(const std::filesystem::path& root);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/run/run_dir.ipp"
#endif
