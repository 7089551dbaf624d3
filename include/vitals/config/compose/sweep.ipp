// Bodies of vitals/config/compose/sweep.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "vitals/config/compose/override_parser.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

namespace detail {

VITALS_INLINE bool glob_match(std::string_view s, std::string_view p) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (std::size_t i = 0; i <= s.size(); ++i)
      if (glob_match(s.substr(i), p.substr(1))) return true;
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '[') {
    std::size_t close = p.find(']', 2);
    if (close != std::string_view::npos) {
      std::string_view set = p.substr(1, close - 1);
      bool negate = !set.empty() && set[0] == '!';
      if (negate) set.remove_prefix(1);
      bool in = false;
      for (std::size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          in = in || (s[0] >= set[i] && s[0] <= set[i + 2]);
          i += 2;
        } else {
          in = in || s[0] == set[i];
        }
      }
      return in != negate && glob_match(s.substr(1), p.substr(close + 1));
    }
  }
  return (p[0] == '?' || p[0] == s[0]) && glob_match(s.substr(1), p.substr(1));
}

VITALS_INLINE std::vector<std::string> glob_filter(const std::vector<std::string>& names, const std::vector<std::string>& include,
                                            const std::vector<std::string>& exclude) {
  std::vector<std::string> out;
  auto any = [](const std::string& n, const std::vector<std::string>& pats) {
    return std::any_of(pats.begin(), pats.end(), [&](const std::string& p) { return glob_match(n, p); });
  };
  for (const auto& n : names)
    if (any(n, include) && !any(n, exclude)) out.push_back(n);
  return out;
}
}  // namespace detail

VITALS_INLINE std::vector<std::vector<std::string>> expand_sweeps(
    const std::vector<override_spec>& overrides,
    const std::function<std::vector<std::string>(const std::string&)>& group_options) {
  std::vector<std::pair<std::string, std::vector<std::string>>> slots;
  for (const auto& o : overrides) {
    std::vector<std::string> lines;
    std::string key = o.key_element();
    if (o.interval)  // Hydra's own words
      throw config_error(problem{o.key, "BasicSweeper does not support sweep type : INTERVAL_SWEEP", o.where()});
    if (o.glob) {
      if (!group_options)
        throw config_error(problem{o.key, "glob(...) selects options of a config group; it needs the config directory", o.where()});
      for (const auto& name : detail::glob_filter(group_options(o.key), o.glob->first, o.glob->second)) lines.push_back(key + "=" + name);
    } else if (o.sweep) {
      for (const auto& c : o.choices) lines.push_back(key + "=" + c.text);
    } else {
      std::size_t eq = o.input.find('=');
      lines.push_back(eq == std::string::npos ? o.input : key + o.input.substr(o.input.find('=')));
    }
    auto it = slots.begin();
    for (; it != slots.end(); ++it)
      if (it->first == key) break;
    if (it != slots.end()) it->second = std::move(lines);
    else slots.emplace_back(key, std::move(lines));
  }
  std::vector<std::vector<std::string>> jobs{{}};
  for (const auto& [key, lines] : slots) {
    std::vector<std::vector<std::string>> next;
    for (const auto& job : jobs)
      for (const auto& line : lines) {
        next.push_back(job);
        next.back().push_back(line);
      }
    jobs = std::move(next);
  }
  return jobs;
}
}  // namespace vitals::config
