// Bodies of vitals/config/error.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/error.hpp"

#include "vitals/dist/rank.hpp"

namespace vitals::inline VITALS_ABI {
[[noreturn]] VITALS_INLINE void exit_usage_error(std::string_view program, std::string_view message) {
  const int rank = env_rank_or_zero();
  const char* all_ranks = std::getenv("VITALS_ERRORS_ALL_RANKS");
  const bool print = rank == 0 || (all_ranks && std::string_view(all_ranks) == "1");
  std::string out;
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      out.append(line).append("\n");
    } else if (!line.empty()) {
      if (!program.empty()) out.append(program).append(": ");
      out.append("error: ").append(line).append("\n");
    }
    start = end + 1;
  }
  if (print && rank != 0) out = "[rank " + std::to_string(rank) + "] " + out;
  if (print) std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
  std::exit(usage_exit_code);
}

namespace config {

VITALS_INLINE std::string problem::str() const {
  std::string out;
  if (!(where.file.empty() && where.line == 0 && where.origin.empty())) out += where.str() + ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

VITALS_INLINE config_error::config_error(std::vector<problem> problems, std::size_t more)
    : config_error(capped(std::move(problems), more)) {}
VITALS_INLINE config_error::config_error(problem p) : config_error(std::vector<problem>{std::move(p)}) {}

VITALS_INLINE config_error::kept config_error::capped(std::vector<problem> problems, std::size_t more) {
  const std::size_t cap = limits().max_errors == 0 ? 1 : limits().max_errors;
  if (problems.size() > cap) {
    more += problems.size() - cap;
    problems.resize(cap);
  }
  return {std::move(problems), more};
}

VITALS_INLINE config_error::config_error(kept k)
    : std::runtime_error(join(k.problems, k.more)), problems_(std::move(k.problems)), more_(k.more) {}

VITALS_INLINE std::string config_error::join(const std::vector<problem>& problems, std::size_t more) {
  std::string out;
  for (const problem& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.str();
  }
  if (more > 0) out += "\n... and " + std::to_string(more) + " more problem" + (more == 1 ? "" : "s");
  return out;
}

}  // namespace config
}  // namespace vitals
