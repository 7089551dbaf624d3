// What the JSON and YAML readers share: the nesting limit, key-path spelling, duplicate-key
// detection and reading a whole file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::config {

/// Deepest nesting a reader accepts; deeper documents are an error, never a stack overflow.
inline constexpr std::size_t max_nesting_depth = 256;

namespace detail {

/// Appends ".key" (or "key" at the root) to a key path.
inline std::string join_key(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

/// Appends "[i]" to a key path.
inline std::string join_index(std::string_view path, std::size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

/// One problem per repeated key of a mapping (YAML and JSON both allow them syntactically; a
/// config never means them). Sorting keeps big mappings from costing O(n^2).
inline void check_duplicate_keys(const node& map, std::string_view path, std::vector<problem>& out) {
  const auto& e = map.entries;
  if (e.size() < 2) return;
  if (e.size() <= 8) {  // the common case: no allocation
    for (std::size_t i = 1; i < e.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (e[j].first == e[i].first) {
          out.push_back({join_key(path, e[i].first),
                         "duplicate key '" + e[i].first + "' (first set at " + e[j].second.where.str() + ")",
                         e[i].second.where});
          break;
        }
    return;
  }
  std::vector<std::size_t> order(e.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return e[a].first < e[b].first; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const auto& first = e[order[i - 1]];
    const auto& again = e[order[i]];
    if (first.first != again.first) continue;
    // Point back at the first occurrence of the run of equal keys.
    std::size_t j = i - 1;
    while (j > 0 && e[order[j - 1]].first == again.first) --j;
    out.push_back({join_key(path, again.first),
                   "duplicate key '" + again.first + "' (first set at " + e[order[j]].second.where.str() + ")",
                   again.second.where});
  }
}

/// Problems sorted by where they were written (readers find them in closing order).
inline std::vector<problem> in_source_order(std::vector<problem> problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const problem& a, const problem& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  return problems;
}

/// The whole file as bytes; a config_error naming the file when it cannot be read.
inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(problem{"", "cannot open config file", source_location::in_file(path.string())});
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw config_error(problem{"", "cannot read config file", source_location::in_file(path.string())});
  return text;
}

}  // namespace detail
}  // namespace vitals::config
