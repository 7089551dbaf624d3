// Sinks by name, for run-time selection: make_sinks("jsonl,csv,console"), VITALS_SINKS, --sinks.
//
// Nothing is registered by including a header (except sinks/report.hpp, see there). The built-in
// backends (console, csv, jsonl, tensorboard, wandb) are a fixed table of names; their factories are compiled only where names
// are resolved into sinks - make_sinks, which the run's start from options calls - so a file that
// includes the sinks headers without starting a run compiles none of them (tests/sinks checks with
// nm that such a file holds no W&B writer code). Checking names (check_sink_names, --help) needs
// only the names. Another backend is registered by a call the program makes before the run starts:
//   vitals::register_sink("my_sink", [] { return vitals::any_sink(my_sink{}); });
// and a registered name wins over a built-in one of the same name.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/sinks/any_sink.hpp"

namespace vitals::inline VITALS_ABI {
using sink_factory = std::function<any_sink()>;

namespace detail {

/// The built-in backends, by name (sorted): what make_sinks builds without any registration.
inline constexpr std::string_view builtin_sink_names[] = {"console", "csv", "jsonl", "tensorboard", "wandb"};

/// Builds the built-in sink `name` (one of builtin_sink_names). The one function that refers to
/// every built-in backend's code: only files that resolve names into sinks compile it (in the
/// compiled form, the library alone).
VITALS_INLINE any_sink make_builtin_sink(std::string_view name);

/// Sinks registered by the program (register_sink), by name (defined in registry.ipp).
struct sink_registry;
VITALS_INLINE sink_registry& sinks_registry();
}  // namespace detail

/// Makes `name` available to make_sinks (replacing an earlier factory of that name, and a built-in
/// sink of that name). Returns true, so that it can initialize a variable; registering from a
/// header's inline variable compiles the sink into every file that includes the header, so prefer
/// a call where the program starts.
VITALS_INLINE bool register_sink(std::string name, sink_factory factory);

/// The names make_sinks accepts, sorted.
VITALS_INLINE std::vector<std::string> registered_sinks();

/// Splits "jsonl, csv,console" into names (empty items and blanks ignored).
VITALS_INLINE std::vector<std::string> split_sink_list(std::string_view list);

/// Throws vitals::invalid_option (a std::invalid_argument and a vitals::usage_error) naming every
/// unknown sink, with a "did you mean" for a near miss, and listing the known ones.
VITALS_INLINE void check_sink_names(std::string_view list);

/// Builds the sinks named in a comma-separated list ("jsonl,csv,console"); unknown names throw
/// before any sink is made.
VITALS_INLINE std::vector<any_sink> make_sinks(std::string_view list);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/registry.ipp"
#endif
