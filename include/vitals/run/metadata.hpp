// metadata.json: where and how a run ran - start time, host, pid, working directory, command
// line, git commit (+ dirty flag, and diff.patch when dirty), compiler, CUDA devices.
//
// Everything here runs once at start (it may fork git); none of it is on the logging path.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vitals::inline VITALS_ABI {
struct git_info {
  std::string commit;
  std::string branch;
  bool dirty = false;
  std::string diff;  // `git diff HEAD` when dirty
};

namespace detail {

/// Output of a shell command (stderr discarded), or nullopt when it fails.
VITALS_INLINE std::optional<std::string> command_output(const std::string& cmd);

VITALS_INLINE std::string trim(std::string s);

VITALS_INLINE std::string shell_quote(const std::string& s);

VITALS_INLINE std::string json_string(std::string_view s);

VITALS_INLINE std::string json_string_array(const std::vector<std::string>& v);

VITALS_INLINE std::string iso_time(double unix_seconds);

}  // namespace detail

/// The git state of `dir` (a work tree), or nullopt when it is not in one or git is missing.
VITALS_INLINE std::optional<git_info> read_git_info(const std::filesystem::path& dir = std::filesystem::current_path());

/// The process's command line, from /proc/self/cmdline.
VITALS_INLINE std::vector<std::string> read_command_line();

/// Names of NVIDIA GPUs the driver reports (no CUDA runtime needed; empty without a driver).
VITALS_INLINE std::vector<std::string> read_cuda_devices();

VITALS_INLINE std::string compiler_description();

VITALS_INLINE std::string host_name();

/// metadata.json as an ordered list of (key, JSON text) fields, so finish() can add to it.
struct run_metadata {
  std::vector<std::pair<std::string, std::string>> fields;

  VITALS_INLINE void set(std::string key, std::string json);
  VITALS_INLINE std::string to_json() const;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/run/metadata.ipp"
#endif
