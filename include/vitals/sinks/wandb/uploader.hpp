// Online mode's upload step: run the `wandb` CLI (`wandb sync <run dir>`) as a child process.
//
// vitals never talks to the W&B server itself; writing needs no Python, uploading reuses wandb's
// own, maintained sync. The API key is looked up (WANDB_API_KEY, else ~/.netrc's api.wandb.ai
// entry) only to hand it to that child through its environment; it is never written to a file.
#pragma once

#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace vitals::detail {

/// The API key W&B would use: $WANDB_API_KEY, else the password of `machine api.wandb.ai` (or the
/// host in $WANDB_BASE_URL) in $NETRC or ~/.netrc.
inline std::optional<std::string> find_wandb_api_key() {
  if (const char* k = std::getenv("WANDB_API_KEY"); k && *k) return std::string(k);
  std::filesystem::path netrc;
  if (const char* n = std::getenv("NETRC"); n && *n) {
    netrc = n;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    netrc = std::filesystem::path(home) / ".netrc";
  } else {
    return std::nullopt;
  }
  std::string host = "api.wandb.ai";
  if (const char* base = std::getenv("WANDB_BASE_URL"); base && *base) {
    std::string b = base;
    if (auto p = b.find("://"); p != std::string::npos) b = b.substr(p + 3);
    if (auto p = b.find_first_of(":/"); p != std::string::npos) b = b.substr(0, p);
    if (!b.empty()) host = b;
  }
  std::ifstream in(netrc);
  if (!in) return std::nullopt;
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  bool in_machine = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == "machine" && i + 1 < tokens.size()) {
      in_machine = tokens[++i] == host;
    } else if (tokens[i] == "default") {
      in_machine = false;
    } else if (in_machine && tokens[i] == "password" && i + 1 < tokens.size()) {
      return tokens[i + 1];
    }
  }
  return std::nullopt;
}

/// `command` itself when it holds a '/', else the first executable `command` on $PATH.
inline std::optional<std::filesystem::path> find_executable(const std::string& command) {
  if (command.empty()) return std::nullopt;
  if (command.find('/') != std::string::npos) {
    if (::access(command.c_str(), X_OK) == 0) return std::filesystem::path(command);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  std::stringstream ss(path);
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (dir.empty()) dir = ".";
    std::filesystem::path p = std::filesystem::path(dir) / command;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

/// Starts `exe args...` with the current environment, plus WANDB_API_KEY=api_key when given.
/// Returns the child's pid; throws std::system_error when it cannot start.
inline pid_t spawn_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                           const std::optional<std::string>& api_key) {
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    if (api_key && std::string_view(*e).starts_with("WANDB_API_KEY=")) continue;
    env_storage.emplace_back(*e);
  }
  if (api_key) env_storage.push_back("WANDB_API_KEY=" + *api_key);
  std::vector<char*> envp;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_storage;
  argv_storage.push_back(exe.string());
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "vitals: cannot start " + exe.string());
  return pid;
}

/// Waits for a child; its exit status, or -1 if it died from a signal.
inline int wait_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// True once the child has exited (reaps it); never blocks.
inline bool process_done(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || r < 0;
}

}  // namespace vitals::detail
