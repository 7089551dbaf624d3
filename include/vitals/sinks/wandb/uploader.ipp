// Bodies of vitals/sinks/wandb/uploader.hpp (see vitals/version.hpp): finding and running `wandb`.
#pragma once

#include "vitals/sinks/wandb/uploader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace vitals::inline VITALS_ABI::detail {
/// A child's argv and environment as execve/posix_spawn take them: `exe args...`, and the current
/// environment with WANDB_API_KEY=api_key when given (the key never reaches a command line or file).
struct child_command {
  std::vector<std::string> env_storage, argv_storage;
  std::vector<char*> envp, argv;

  child_command(const std::filesystem::path& exe, const std::vector<std::string>& args,
                const std::optional<std::string>& api_key) {
    for (char** e = environ; e && *e; ++e) {
      if (api_key && std::string_view(*e).starts_with("WANDB_API_KEY=")) continue;
      env_storage.emplace_back(*e);
    }
    if (api_key) env_storage.push_back("WANDB_API_KEY=" + *api_key);
    argv_storage.push_back(exe.string());
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    for (auto& v : env_storage) envp.push_back(v.data());
    envp.push_back(nullptr);
    for (auto& v : argv_storage) argv.push_back(v.data());
    argv.push_back(nullptr);
  }
  child_command(const child_command&) = delete;  // envp/argv point into the storage
  child_command& operator=(const child_command&) = delete;
};

VITALS_INLINE std::optional<std::string> find_wandb_api_key() {
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

VITALS_INLINE std::optional<std::filesystem::path> find_executable(const std::string& command) {
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

VITALS_INLINE pid_t spawn_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                           const std::optional<std::string>& api_key) {
  child_command cmd(exe, args, api_key);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, cmd.argv.data(), cmd.envp.data());
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "vitals: cannot start " + exe.string());
  return pid;
}

VITALS_INLINE int wait_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

VITALS_INLINE bool process_done(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || r < 0;
}

VITALS_INLINE watched_child spawn_watched_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                                           const std::optional<std::string>& api_key) {
  child_command command(exe, args, api_key);

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "vitals: pipe for " + exe.string());
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(p[0]), ::close(p[1]);
    throw std::system_error(err, std::generic_category(), "vitals: cannot start " + exe.string());
  }
  if (pid == 0) {  // the watchdog: async-signal-safe calls only (the parent may have threads)
    ::close(p[1]);
    const pid_t cmd = ::fork();
    if (cmd == 0) {
      ::close(p[0]);
      ::execve(command.argv[0], command.argv.data(), command.envp.data());
      ::_exit(127);
    }
    if (cmd < 0) ::_exit(126);
    for (;;) {
      pollfd w{p[0], POLLIN, 0};
      const int r = ::poll(&w, 1, 200);
      int status = 0;
      if (::waitpid(cmd, &status, WNOHANG) == cmd) ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
      if (r > 0) {  // EOF: the training process is gone (or gave up waiting)
        ::kill(cmd, SIGTERM);
        for (int i = 0; i < 100; ++i) {
          if (::waitpid(cmd, &status, WNOHANG) == cmd) ::_exit(124);
          const timespec t{0, 100000000};
          ::nanosleep(&t, nullptr);
        }
        ::kill(cmd, SIGKILL);
        ::waitpid(cmd, &status, 0);
        ::_exit(124);
      }
    }
  }
  ::close(p[0]);
  return {pid, p[1]};
}

VITALS_INLINE std::optional<int> wait_process_for(pid_t pid, std::chrono::duration<double> timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    const timespec t{0, 50000000};
    ::nanosleep(&t, nullptr);
  }
}

}  // namespace vitals::detail
