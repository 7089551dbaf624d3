// config_error: every problem found in a config, reported at once.
//
// Readers and conversion collect problems instead of stopping at the first, so a user fixes a
// config in one edit. Each problem names the key path ("optim.lr", "folds[2]"), says what is wrong
// in words a user can act on, and points at where the value was written.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::config {

/// One thing wrong with a config.
struct problem {
  std::string path;       // full key path: "optim.lr", "folds[2]"; empty for the whole document
  std::string message;    // "expected a float, got 'abc'"
  source_location where;  // file:line:col or the override it came from

  /// "file.yaml:12:5: optim.lr: expected a float, got 'abc'" (parts that are unknown are left out).
  std::string str() const {
    std::string out;
    if (!(where.file.empty() && where.line == 0 && where.origin.empty())) out += where.str() + ": ";
    if (!path.empty()) out += path + ": ";
    out += message;
    return out;
  }
};

/// Thrown by readers and conversions; what() lists every problem, one per line.
class config_error : public std::runtime_error {
 public:
  explicit config_error(std::vector<problem> problems)
      : std::runtime_error(join(problems)), problems_(std::move(problems)) {}
  explicit config_error(problem p) : config_error(std::vector<problem>{std::move(p)}) {}

  const std::vector<problem>& problems() const noexcept { return problems_; }

 private:
  static std::string join(const std::vector<problem>& problems) {
    std::string out;
    for (const problem& p : problems) {
      if (!out.empty()) out += '\n';
      out += p.str();
    }
    return out;
  }

  std::vector<problem> problems_;
};

}  // namespace vitals::config
