// Bodies of vitals/run/metadata.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/metadata.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "vitals/detail/fmt.hpp"
#include "vitals/sinks/json_format.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

/// Output of a shell command (stderr discarded), or nullopt when it fails.
VITALS_INLINE std::optional<std::string> command_output(const std::string& cmd) {
  std::FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(p);
  if (rc != 0) return std::nullopt;
  return out;
}

VITALS_INLINE std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

VITALS_INLINE std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

VITALS_INLINE std::string json_string(std::string_view s) {
  fmt::memory_buffer b;
  append_json_string(b, s);
  return std::string(b.data(), b.size());
}

VITALS_INLINE std::string json_string_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json_string(v[i]);
  return out + "]";
}

VITALS_INLINE std::string iso_time(double unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06}Z", buf.data(), static_cast<int>((unix_seconds - static_cast<double>(t)) * 1e6));
}

}  // namespace detail

/// The git state of `dir` (a work tree), or nullopt when it is not in one or git is missing.
VITALS_INLINE std::optional<git_info> read_git_info(const std::filesystem::path& dir) {
  auto g = "git -C " + detail::shell_quote(dir.string()) + " ";
  auto commit = detail::command_output(g + "rev-parse HEAD");
  if (!commit) return std::nullopt;
  git_info info;
  info.commit = detail::trim(*commit);
  info.branch = detail::trim(detail::command_output(g + "rev-parse --abbrev-ref HEAD").value_or(""));
  auto status = detail::command_output(g + "status --porcelain --untracked-files=no");
  info.dirty = status && !detail::trim(*status).empty();
  if (info.dirty) info.diff = detail::command_output(g + "diff HEAD").value_or("");
  return info;
}

/// The process's command line, from /proc/self/cmdline.
VITALS_INLINE std::vector<std::string> read_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::string cur;
  for (char c : all) {
    if (c == '\0') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

/// Names of NVIDIA GPUs the driver reports (no CUDA runtime needed; empty without a driver).
VITALS_INLINE std::vector<std::string> read_cuda_devices() {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/driver/nvidia/gpus", ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream in(it->path() / "information");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Model:", 0) == 0) {
        auto v = line.substr(6);
        v.erase(0, v.find_first_not_of(" \t"));
        out.push_back(v);
      }
  }
  return out;
}

VITALS_INLINE std::string compiler_description() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

VITALS_INLINE std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "unknown";
  return buf.data();
}

VITALS_INLINE void run_metadata::set(std::string key, std::string json) {
  for (auto& [k, v] : fields)
    if (k == key) {
      v = std::move(json);
      return;
    }
  fields.emplace_back(std::move(key), std::move(json));
}
VITALS_INLINE std::string run_metadata::to_json() const {
  std::string out = "{\n";
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += "  " + detail::json_string(fields[i].first) + ": " + fields[i].second + (i + 1 < fields.size() ? ",\n" : "\n");
  return out + "}\n";
}

}  // namespace vitals
