// Bodies of vitals/config/compose/project_root.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/project_root.hpp"

#include <cstdlib>
#include <system_error>

namespace vitals::inline VITALS_ABI::config {

VITALS_INLINE std::optional<std::filesystem::path> project_root_env() {
  if (const char* env = std::getenv("PROJECT_ROOT"); env && *env) return std::filesystem::path(env);
  return std::nullopt;
}

VITALS_INLINE std::optional<std::filesystem::path> git_root(const std::filesystem::path& start) {
  std::error_code ec;
  std::filesystem::path from = start.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(start, ec);
  for (std::filesystem::path p = from; !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / ".git", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return std::nullopt;
}

VITALS_INLINE std::filesystem::path project_root(const std::filesystem::path& start) {
  if (auto env = project_root_env()) return *env;
  if (auto git = git_root(start)) return *git;
  if (!start.empty()) return start;
  std::error_code ec;
  return std::filesystem::current_path(ec);
}
}  // namespace vitals::config
