// Sinks by name, for run-time selection: make_sinks("jsonl,csv,console"), VITALS_SINKS, --sinks.
//
// The built-in backends are registered here; another backend registers itself with one line in
// its own header, e.g.
//   inline const bool wandb_sink_registered = vitals::register_sink("wandb", [] { return vitals::any_sink(vitals::wandb_offline{}); });
#pragma once

#include <algorithm>
#include <functional>
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

namespace vitals {

using sink_factory = std::function<any_sink()>;

namespace detail {
struct sink_registry {
  std::mutex mutex;
  std::map<std::string, sink_factory, std::less<>> factories;
  sink_registry() {
    factories.emplace("jsonl", [] { return any_sink(jsonl{}); });
    factories.emplace("csv", [] { return any_sink(csv{}); });
    factories.emplace("console", [] { return any_sink(console{}); });
  }
};
inline sink_registry& sinks_registry() {
  static sink_registry r;
  return r;
}
}  // namespace detail

/// Makes `name` available to make_sinks (replacing an earlier factory of that name). Returns true,
/// so that a header can register at static-initialization time with an inline variable.
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
  std::vector<std::string> names;
  for (const auto& [k, v] : r.factories) names.push_back(k);
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
    throw invalid_option(fmt::format("unknown sink{} '{}'{} (known sinks: {}){}", unknown.size() > 1 ? "s" : "",
                                     fmt::join(unknown, "', '"), hints, fmt::join(known, ", "),
                                     std::find(unknown.begin(), unknown.end(), "wandb") != unknown.end()
                                         ? "; 'wandb' is registered by including \"vitals/sinks/wandb.hpp\""
                                         : ""));
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
      f = r.factories.find(n)->second;
    }
    out.push_back(f());
  }
  return out;
}

}  // namespace vitals
