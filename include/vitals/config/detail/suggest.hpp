// "Did you mean ...": the closest candidate by edit distance, for unknown keys, enum names,
// variant tags and command-line flags.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vitals::inline VITALS_ABI::config::detail {
/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), so "wieght" is
/// one edit from "weight".
VITALS_INLINE std::size_t edit_distance(std::string_view a, std::string_view b);

VITALS_INLINE std::string ascii_lower(std::string_view s);

/// Length of the common (ASCII case-insensitive) prefix of a and b.
VITALS_INLINE std::size_t common_prefix(std::string_view a, std::string_view b);

/// closest_by_edits and closest_match over a list of views (bodies in suggest.ipp).
VITALS_INLINE std::optional<std::string> closest_by_edits_in(std::string_view word, std::span<const std::string_view> candidates);
VITALS_INLINE std::optional<std::string> closest_match_in(std::string_view word, std::span<const std::string_view> candidates);

/// The candidates as views (no copy when they already are a contiguous range of views).
template <class Range, class F>
decltype(auto) with_views(const Range& candidates, F&& f) {
  if constexpr (std::is_convertible_v<const Range&, std::span<const std::string_view>>) {
    return f(std::span<const std::string_view>(candidates));
  } else {
    std::vector<std::string_view> views;
    for (const auto& c : candidates) views.emplace_back(c);
    return f(std::span<const std::string_view>(views));
  }
}

/// The candidate within the edit limit of closest_match, or nothing.
template <class Range>
std::optional<std::string> closest_by_edits(std::string_view word, const Range& candidates) {
  return with_views(candidates, [&](std::span<const std::string_view> v) { return closest_by_edits_in(word, v); });
}

/// The candidate closest to `word`, when close enough to be a likely typo: a case-only difference,
/// or at most 1 edit for words up to 4 characters, 2 up to 8, then a quarter of the length; failing
/// that, another form of the same word (`explode` for `exploding`): a shared prefix of at least 4
/// characters covering two thirds of the shorter word.
template <class Range>
std::optional<std::string> closest_match(std::string_view word, const Range& candidates) {
  return with_views(candidates, [&](std::span<const std::string_view> v) { return closest_match_in(word, v); });
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

#if VITALS_HEADER_BODIES
#include "vitals/config/detail/suggest.ipp"
#endif
