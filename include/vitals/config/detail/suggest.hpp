// "Did you mean ...": the closest candidate by edit distance, for unknown keys, enum names,
// variant tags and command-line flags.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitals::inline VITALS_ABI::config::detail {
/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), so "wieght" is
/// one edit from "weight".
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// The candidate within the edit limit of closest_match, or nothing.
template <class Range>
std::optional<std::string> closest_by_edits(std::string_view word, const Range& candidates) {
  const std::size_t limit = word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : word.size() / 4;
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  const std::string lower = ascii_lower(word);
  for (const auto& candidate : candidates) {
    std::string_view c(candidate);
    if (c == word) continue;
    std::size_t d = ascii_lower(c) == lower ? 0 : edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

/// Length of the common (ASCII case-insensitive) prefix of a and b.
inline std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  while (n < a.size() && n < b.size() && lower(a[n]) == lower(b[n])) ++n;
  return n;
}

/// The candidate closest to `word`, when close enough to be a likely typo: a case-only difference,
/// or at most 1 edit for words up to 4 characters, 2 up to 8, then a quarter of the length; failing
/// that, another form of the same word (`explode` for `exploding`): a shared prefix of at least 4
/// characters covering two thirds of the shorter word.
template <class Range>
std::optional<std::string> closest_match(std::string_view word, const Range& candidates) {
  if (auto best = closest_by_edits(word, candidates)) return best;
  std::optional<std::string> best;
  std::size_t best_prefix = 0;
  for (const auto& candidate : candidates) {
    std::string_view c(candidate);
    if (c == word) continue;
    const std::size_t p = common_prefix(word, c);
    if (p >= 4 && 3 * p >= 2 * std::min(word.size(), c.size()) && p > best_prefix) {
      best_prefix = p;
      best = std::string(c);
    }
  }
  return best;
}

/// "; did you mean 'x'?" or "".
template <class Range>
std::string did_you_mean(std::string_view word, const Range& candidates) {
  auto best = closest_match(word, candidates);
  return best ? "; did you mean '" + *best + "'?" : std::string();
}

/// "a, b, c" (for "one of: ...").
template <class Range>
std::string join_names(const Range& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += std::string_view(n);
  }
  return out;
}

}  // namespace vitals::config::detail
