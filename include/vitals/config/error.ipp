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

}  // namespace vitals
