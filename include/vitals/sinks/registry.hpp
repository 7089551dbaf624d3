// Sinks by name, for run-time selection: make_sinks("jsonl,csv,console"), VITALS_SINKS, --sinks.
//
// Nothing is registered by including a header. The built-in backends (console, csv, jsonl,
// tensorboard, wandb) are a fixed table of names; their factories are compiled only where names
// are resolved into sinks - make_sinks, which the run's start from options calls - so a file that
// includes the sinks headers without starting a run compiles none of them (tests/sinks checks with
// nm that such a file holds no W&B writer code). Checking names (check_sink_names, --help) needs
// only the names. Another backend is registered by a call the program makes before the run starts:
//   vitals::register_sink("my_sink", [] { return vitals::any_sink(my_sink{}); });
// and a registered name wins over a built-in one of the same name.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/detail/suggest.hpp"
#include "vitals/config/error.hpp"
#include "vitals/sinks/any_sink.hpp"
#include "vitals/sinks/console.hpp"
#include "vitals/sinks/csv.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb/registration.hpp"

namespace vitals::inline VITALS_ABI {
using sink_factory = std::function<any_sink()>;

namespace detail {

/// The built-in backends, by name (sorted): what make_sinks builds without any registration.
inline constexpr std::string_view builtin_sink_names[] = {"console", "csv", "jsonl", "tensorboard", "wandb"};

/// Builds the built-in sink `name` (one of builtin_sink_names). The one function that refers to
/// every built-in backend's code: only files that resolve names into sinks compile it.
inline any_sink make_builtin_sink(std::string_view name) {
  if (name == "console") return any_sink(console{});
  if (name == "csv") return any_sink(csv{});
  if (name == "jsonl") return any_sink(jsonl{});
  if (name == "tensorboard") return any_sink(tensorboard{});
  if (name == "wandb") return any_sink(wandb_sink(registered_wandb_options()));
  throw std::logic_error("vitals: '" + std::string(name) + "' is not a built-in sink");
}

/// Sinks registered by the program (register_sink), by name.
struct sink_registry {
  std::mutex mutex;
  std::map<std::string, sink_factory, std::less<>> factories;
};
inline sink_registry& sinks_registry() {
  static sink_registry r;
  return r;
}
}  // namespace detail

/// Makes `name` available to make_sinks (replacing an earlier factory of that name, and a built-in
/// sink of that name). Returns true, so that it can initialize a variable; registering from a
/// header's inline variable compiles the sink into every file that includes the header, so prefer
/// a call where the program starts.
inline bool register_sink(std::string name, sink_factory factory) {
  auto& r = detail::sinks_registry();
  std::lock_guard lock(r.mutex);
  r.factories.insert_or_assign(std::move(name), std::move(factory));
  return true;
}

/// The names make_sinks accepts, sorted.
inline std::vector<std::string> registered_sinks() {
  auto& r = detail::sinks_registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names(std::begin(detail::builtin_sink_names), std::end(detail::builtin_sink_names));
  for (const auto& [k, v] : r.factories) names.push_back(k);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

/// Splits "jsonl, csv,console" into names (empty items and blanks ignored).
inline std::vector<std::string> split_sink_list(std::string_view list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    auto item = list.substr(pos, end - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    pos = end + 1;
  }
  return out;
}

/// Throws vitals::invalid_option (a std::invalid_argument and a vitals::usage_error) naming every
/// unknown sink, with a "did you mean" for a near miss, and listing the known ones.
inline void check_sink_names(std::string_view list) {
  auto names = split_sink_list(list);
  auto known = registered_sinks();
  std::vector<std::string> unknown;
  std::string hints;
  for (const auto& n : names)
    if (!std::binary_search(known.begin(), known.end(), n)) {
      if (auto best = config::detail::closest_match(n, known)) hints += fmt::format("; '{}': did you mean '{}'?", n, *best);
      unknown.push_back(n);
    }
  if (!unknown.empty())
    throw invalid_option(fmt::format("unknown sink{} '{}'{} (known sinks: {})", unknown.size() > 1 ? "s" : "",
                                     fmt::join(unknown, "', '"), hints, fmt::join(known, ", ")));
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) throw invalid_option("sink '" + names[i] + "' is listed twice in '" + std::string(list) + "'");
}

/// Builds the sinks named in a comma-separated list ("jsonl,csv,console"); unknown names throw
/// before any sink is made.
inline std::vector<any_sink> make_sinks(std::string_view list) {
  check_sink_names(list);
  std::vector<any_sink> out;
  auto& r = detail::sinks_registry();
  for (const auto& n : split_sink_list(list)) {
    sink_factory f;
    {
      std::lock_guard lock(r.mutex);
      if (auto it = r.factories.find(n); it != r.factories.end()) f = it->second;
    }
    out.push_back(f ? f() : detail::make_builtin_sink(n));
  }
  return out;
}

}  // namespace vitals
