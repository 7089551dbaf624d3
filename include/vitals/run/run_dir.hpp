// Creating a run directory: runs/{sanitised name}_{id}/ with an exclusive mkdir(2), retrying
// with a new id on collision, so concurrent processes on one filesystem never share a directory.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include "vitals/run/run_id.hpp"

namespace vitals {

struct run_dir_result {
  std::filesystem::path path;  // absolute
  std::string id;
};

/// Creates the parent `root` if needed (throwing a clear error when it cannot be created or
/// written), then root/{sanitize_dir_name(name)}_{id}. With a fixed id an existing directory is an
/// error; with a generated id a collision draws a new one.
inline run_dir_result create_run_dir(const std::filesystem::path& root, const std::string& name, const std::string& fixed_id) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) throw std::runtime_error("vitals: cannot create runs directory '" + root.string() + "': " + ec.message());
  if (::access(root.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("vitals: runs directory '" + root.string() + "' is not writable: " +
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
      throw std::runtime_error("vitals: run directory '" + path.string() + "' already exists (run id '" + fixed_id +
                               "' was given; pick another id or unset WANDB_RUN_ID)");
    throw std::runtime_error("vitals: cannot create run directory '" + path.string() +
                             "': " + std::generic_category().message(err));
  }
  throw std::runtime_error("vitals: could not find a free run directory name in '" + root.string() + "'");
}

/// Number of entries in `root` (for the N of adjective-noun-N); 0 when it does not exist.
inline std::size_t count_runs(const std::filesystem::path& root) {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

}  // namespace vitals
