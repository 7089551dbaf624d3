// config_error: every problem found in a config, reported at once; usage_error: the family of
// mistakes a user can fix (flags, values, files, encodings, sink names, runs directories).
//
// Readers and conversion collect problems instead of stopping at the first, so a user fixes a
// config in one edit. Each problem names the key path ("optim.lr", "folds[2]"), says what is wrong
// in words a user can act on, and points at where the value was written. At most
// limits().max_errors problems are kept (then "... and N more problems"), so a file of a million
// unknown keys cannot print a million lines.
//
// Exit codes: every usage or config error exits 2 (argparse's convention) from the front doors
// that own argv and may exit (cli_parser::parse_or_exit, parse_args, compose(argc, argv),
// sweep(argc, argv)); every other API throws, and a program that wants the same convention
// catches `const vitals::usage_error&` in main (see examples/).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI {
/// The exit code for a usage or config error (argparse's convention).
inline constexpr int usage_exit_code = 2;

/// A mistake the user made and can fix: a bad flag, value, file, encoding, sink name or runs
/// directory. Every such exception vitals throws derives from this interface *and* from the
/// standard exception it has always been (config_error: std::runtime_error; bad run options and
/// sink names: std::invalid_argument; an unusable runs directory: std::runtime_error), so
/// existing handlers keep working and `catch (const vitals::usage_error& e)` catches them all.
class usage_error {
 public:
  virtual ~usage_error() = default;
  virtual const char* what() const noexcept = 0;
};

/// Bad run options, flags or sink names (std::invalid_argument, as before).
class invalid_option : public std::invalid_argument, public usage_error {
 public:
  using std::invalid_argument::invalid_argument;
  const char* what() const noexcept override { return std::invalid_argument::what(); }
};

/// A runs directory that cannot hold runs: not a directory, not writable, not creatable.
class runs_dir_error : public std::runtime_error, public usage_error {
 public:
  using std::runtime_error::runtime_error;
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

/// Prints "program: error: message" on stderr (each line of the message its own "error:" line,
/// except indented continuation lines, printed as they are) and exits with usage_exit_code. For
/// code that owns argv; libraries throw instead. In a distributed job every rank meets the same
/// bad option or config, so only rank 0 prints (vitals/dist/rank.hpp); every rank exits 2.
/// VITALS_ERRORS_ALL_RANKS=1 makes every rank print, prefixed with its rank.
[[noreturn]] VITALS_INLINE void exit_usage_error(std::string_view program, std::string_view message);

namespace config {

/// Process-wide input limits (set them before reading; not synchronised).
struct input_limits {
  std::size_t max_config_bytes = std::size_t{16} << 20;  // a config file (or pipe) larger than this is an error
  std::size_t max_errors = 50;                           // problems kept per error; then "... and N more"
};

inline input_limits& limits() {
  static input_limits l;
  return l;
}

/// One thing wrong with a config.
struct problem {
  std::string path;       // full key path: "optim.lr", "folds[2]"; empty for the whole document
  std::string message;    // "expected a float, got 'abc'"
  source_location where;  // file:line:col or the override it came from

  /// "file.yaml:12:5: optim.lr: expected a float, got 'abc'" (parts that are unknown are left out).
  VITALS_INLINE std::string str() const;
};

/// Thrown by readers and conversions; what() lists every problem, one per line (at most
/// limits().max_errors of them, then "... and N more problems").
class config_error : public std::runtime_error, public usage_error {
 public:
  explicit VITALS_INLINE config_error(std::vector<problem> problems, std::size_t more = 0);
  explicit VITALS_INLINE config_error(problem p);

  const char* what() const noexcept override { return std::runtime_error::what(); }

  /// The problems kept (at most limits().max_errors).
  const std::vector<problem>& problems() const noexcept { return problems_; }
  /// How many more problems were found than problems() holds.
  std::size_t more() const noexcept { return more_; }

 private:
  struct kept {
    std::vector<problem> problems;
    std::size_t more;
  };
  VITALS_INLINE static kept capped(std::vector<problem> problems, std::size_t more);
  explicit VITALS_INLINE config_error(kept k);
  VITALS_INLINE static std::string join(const std::vector<problem>& problems, std::size_t more);

  std::vector<problem> problems_;
  std::size_t more_ = 0;
};

}  // namespace config
}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/config/error.ipp"
#endif
