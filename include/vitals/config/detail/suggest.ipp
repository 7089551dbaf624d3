// Bodies of vitals/config/detail/suggest.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/detail/suggest.hpp"

namespace vitals::inline VITALS_ABI::config::detail {

VITALS_INLINE std::size_t edit_distance(std::string_view a, std::string_view b) {
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

VITALS_INLINE std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

VITALS_INLINE std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  while (n < a.size() && n < b.size() && lower(a[n]) == lower(b[n])) ++n;
  return n;
}

VITALS_INLINE std::optional<std::string> closest_by_edits_in(std::string_view word, std::span<const std::string_view> candidates) {
  const std::size_t limit = word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : word.size() / 4;
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  const std::string lower = ascii_lower(word);
  for (std::string_view c : candidates) {
    if (c == word) continue;
    std::size_t d = ascii_lower(c) == lower ? 0 : edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

VITALS_INLINE std::optional<std::string> closest_match_in(std::string_view word, std::span<const std::string_view> candidates) {
  if (auto best = closest_by_edits_in(word, candidates)) return best;
  std::optional<std::string> best;
  std::size_t best_prefix = 0;
  for (std::string_view c : candidates) {
    if (c == word) continue;
    const std::size_t p = common_prefix(word, c);
    if (p >= 4 && 3 * p >= 2 * std::min(word.size(), c.size()) && p > best_prefix) {
      best_prefix = p;
      best = std::string(c);
    }
  }
  return best;
}

}  // namespace vitals::config::detail
