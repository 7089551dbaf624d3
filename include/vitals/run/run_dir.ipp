// Bodies of vitals/run/run_dir.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/run_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "vitals/run/run_id.hpp"

namespace vitals::inline VITALS_ABI {
VITALS_INLINE void check_runs_root(const std::filesystem::path& root) {
  if (root.empty()) throw runs_dir_error("vitals: the runs directory is empty (set run_options::dir, WANDB_DIR or --wandb_dir)");
  std::error_code ec;
  const auto st = std::filesystem::status(root, ec);
  auto why = [](int err) { return std::generic_category().message(err); };
  if (st.type() != std::filesystem::file_type::not_found && st.type() != std::filesystem::file_type::none) {
    if (st.type() != std::filesystem::file_type::directory)
      throw runs_dir_error("vitals: runs directory '" + root.string() + "' exists and is not a directory");
    if (::access(root.c_str(), W_OK | X_OK) != 0)
      throw runs_dir_error("vitals: runs directory '" + root.string() + "' is not writable: " + why(errno));
    return;
  }
  if (ec && st.type() == std::filesystem::file_type::none)
    throw runs_dir_error("vitals: cannot use runs directory '" + root.string() + "': " + ec.message());
  // It does not exist: the nearest existing parent must be a directory we may create entries in.
  std::filesystem::path abs = std::filesystem::absolute(root, ec);
  if (ec) abs = root;
  for (std::filesystem::path p = abs.parent_path(); !p.empty(); p = p.parent_path()) {
    const auto ps = std::filesystem::status(p, ec);
    if (ps.type() == std::filesystem::file_type::not_found) {
      if (p == p.parent_path()) break;
      continue;
    }
    if (ps.type() != std::filesystem::file_type::directory)
      throw runs_dir_error("vitals: cannot create runs directory '" + root.string() + "': '" + p.string() +
                           "' is not a directory");
    if (::access(p.c_str(), W_OK | X_OK) != 0)
      throw runs_dir_error("vitals: cannot create runs directory '" + root.string() + "': '" + p.string() +
                           "' is not writable: " + why(errno));
    return;
  }
}

VITALS_INLINE run_dir_result create_run_dir(const std::filesystem::path& root, const std::string& name, const std::string& fixed_id) {
  check_runs_root(root);
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) throw runs_dir_error("vitals: cannot create runs directory '" + root.string() + "': " + ec.message());
  if (::access(root.c_str(), W_OK | X_OK) != 0)
    throw runs_dir_error("vitals: runs directory '" + root.string() + "' is not writable: " +
                         std::generic_category().message(errno));
  auto abs_root = std::filesystem::absolute(root, ec);
  if (ec) abs_root = root;
  auto base = sanitize_dir_name(name);
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::string id = fixed_id.empty() ? make_run_id() : fixed_id;
    auto path = abs_root / (base + "_" + id);
    if (::mkdir(path.c_str(), 0755) == 0) return {path, id};
    int err = errno;
    if (err == EEXIST && fixed_id.empty()) continue;
    if (err == EEXIST)
      throw runs_dir_error("vitals: run directory '" + path.string() + "' already exists (run id '" + fixed_id +
                           "' was given; pick another id or unset WANDB_RUN_ID)");
    throw std::runtime_error("vitals: cannot create run directory '" + path.string() +
                             "': " + std::generic_category().message(err));
  }
  throw std::runtime_error("vitals: could not find a free run directory name in '" + root.string() + "'");
}

VITALS_INLINE std::size_t count_runs(const std::filesystem::path& root) {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}
}  // namespace vitals
