// What W&B's Overview shows about where a run ran: the fields of wandb's EnvironmentRecord, read
// from the machine once at start (uname, /proc, statvfs, NVML, git). Secrets never leave: command
// line values of flags named like keys, tokens or passwords, and every --wandb_* value, are
// replaced by "<redacted>", and credentials in a git remote URL are dropped.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <pwd.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/run/metadata.hpp"
#include "vitals/run/nvml.hpp"
#include "vitals/run/system_metrics.hpp"

namespace vitals::inline VITALS_ABI {
struct environment_info {
  struct gpu {
    std::string name;
    std::uint64_t memory_total = 0;  // bytes
  };
  std::string os;          // "Linux-6.1.0-x86_64"
  std::string host, username;
  std::string program;     // the executable's path
  std::vector<std::string> args;  // argv[1..], secrets redacted
  std::string root;        // working directory
  unsigned cpu_count = 0, cpu_count_logical = 0;
  std::string cpu_model;
  std::uint64_t memory_total = 0;
  std::string disk_mount;  // filesystem of the run directory
  std::uint64_t disk_total = 0, disk_used = 0;
  std::vector<gpu> gpus;
  std::string gpu_type;    // first GPU's name
  std::string cuda_version;
  std::string git_remote, git_commit;
  bool git_dirty = false;
};

namespace detail {

inline bool secret_flag_name(std::string_view flag) {
  std::string f;
  for (char c : flag) f += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!f.empty() && f.front() == '-') f.erase(0, 1);
  if (f.starts_with("wandb")) return true;  // --wandb_key, --wandb-api-key, --wandb_project ... all of them
  for (std::string_view w : {"key", "token", "secret", "password", "passwd", "credential"})
    if (f.find(w) != std::string::npos) return true;
  return false;
}

/// argv with the values of secret-looking flags replaced: "--api_key=X" -> "--api_key=<redacted>",
/// "--wandb_key X" -> "--wandb_key <redacted>", "WANDB_API_KEY=X" -> "WANDB_API_KEY=<redacted>".
inline std::vector<std::string> redact_args(std::vector<std::string> args) {
  bool next_is_secret = false;
  for (auto& a : args) {
    if (next_is_secret && !a.starts_with("-")) {
      a = "<redacted>";
      next_is_secret = false;
      continue;
    }
    next_is_secret = false;
    const auto eq = a.find('=');
    const std::string_view name = std::string_view(a).substr(0, eq);
    const bool flag = a.starts_with("-");
    if (!secret_flag_name(name) || (!flag && eq == std::string::npos)) continue;
    if (eq != std::string::npos) a = a.substr(0, eq + 1) + "<redacted>";
    else next_is_secret = true;
  }
  return args;
}

/// "https://user:token@host/x.git" -> "https://host/x.git".
inline std::string strip_url_credentials(std::string url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  const auto slash = url.find('/', scheme + 3);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) url.erase(scheme + 3, at - scheme - 2);
  return url;
}

}  // namespace detail

/// Reads the environment. `run_dir` picks the filesystem reported; `git` false skips git.
inline environment_info read_environment(const std::filesystem::path& run_dir, bool git = true) {
  environment_info e;
  utsname u{};
  if (::uname(&u) == 0) e.os = std::string(u.sysname) + "-" + u.release + "-" + u.machine;
  e.host = host_name();
  if (const passwd* pw = ::getpwuid(::geteuid())) e.username = pw->pw_name;
  std::error_code ec;
  e.program = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  auto argv = read_command_line();
  if (!argv.empty()) argv.erase(argv.begin());
  e.args = detail::redact_args(std::move(argv));
  e.root = std::filesystem::current_path(ec).string();
  e.cpu_count_logical = static_cast<unsigned>(std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN)));
  {
    std::istringstream in(detail::read_small_file("/proc/cpuinfo"));
    std::set<std::pair<std::string, std::string>> cores;
    std::string phys;
    for (std::string line; std::getline(in, line);) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string k = line.substr(0, colon), v = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
      while (!k.empty() && (k.back() == '\t' || k.back() == ' ')) k.pop_back();
      if (k == "model name" && e.cpu_model.empty()) e.cpu_model = v;
      else if (k == "physical id") phys = v;
      else if (k == "core id") cores.emplace(phys, v);
    }
    e.cpu_count = cores.empty() ? e.cpu_count_logical : static_cast<unsigned>(cores.size());
  }
  {
    std::istringstream in(detail::read_small_file("/proc/meminfo"));
    for (std::string k; in >> k;) {
      std::uint64_t kb = 0;
      in >> kb;
      if (k == "MemTotal:") {
        e.memory_total = kb * 1024;
        break;
      }
      in.ignore(64, '\n');
    }
  }
  e.disk_mount = detail::mount_point_of(run_dir.empty() ? std::filesystem::path("/") : run_dir);
  struct statvfs fs {};
  if (::statvfs(run_dir.empty() ? "/" : run_dir.c_str(), &fs) == 0) {
    e.disk_total = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
    e.disk_used = e.disk_total - static_cast<std::uint64_t>(fs.f_bfree) * fs.f_frsize;
  }
  detail::nvml_library nvml;
  for (unsigned i = 0; i < nvml.device_count(); ++i) {
    auto g = nvml.info(i);
    e.gpus.push_back({g.name, g.memory_total});
  }
  if (!e.gpus.empty()) e.gpu_type = e.gpus.front().name;
  e.cuda_version = nvml.cuda_version();
  if (git) {
    if (auto g = read_git_info()) {
      e.git_commit = g->commit;
      e.git_dirty = g->dirty;
      e.git_remote = detail::strip_url_credentials(
          detail::trim(detail::command_output("git -C " + detail::shell_quote(e.root) + " config --get remote.origin.url").value_or("")));
    }
  }
  return e;
}

}  // namespace vitals
