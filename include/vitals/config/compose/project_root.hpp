// The project root: the one rule for PROJECT_ROOT in every front door (vitals::app, compose,
// load). It is read, never set: composition used to setenv it, which leaked into every child
// process the program started. Relative config directories are looked up under it, and
// `${oc.env:PROJECT_ROOT}` resolves to it when the variable is unset (Hydra would leave it unset).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>

namespace vitals::inline VITALS_ABI::config {
/// $PROJECT_ROOT when set and not empty.
inline std::optional<std::filesystem::path> project_root_env() {
  if (const char* env = std::getenv("PROJECT_ROOT"); env && *env) return std::filesystem::path(env);
  return std::nullopt;
}

/// The nearest parent of `start` (default: the working directory), `start` included, that holds
/// `.git`; nullopt when there is none.
inline std::optional<std::filesystem::path> git_root(const std::filesystem::path& start = {}) {
  std::error_code ec;
  std::filesystem::path from = start.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(start, ec);
  for (std::filesystem::path p = from; !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / ".git", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return std::nullopt;
}

/// The directory relative paths are anchored at: $PROJECT_ROOT, else the nearest parent of
/// `start` (default: the working directory) that holds `.git`, else `start` itself (the working
/// directory when `start` is empty).
inline std::filesystem::path project_root(const std::filesystem::path& start = {}) {
  if (auto env = project_root_env()) return *env;
  if (auto git = git_root(start)) return *git;
  if (!start.empty()) return start;
  std::error_code ec;
  return std::filesystem::current_path(ec);
}

}  // namespace vitals::config
