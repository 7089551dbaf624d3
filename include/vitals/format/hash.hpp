// The one string hash vitals' lookup tables use: std::hash over a string_view, transparent
// (is_transparent), so that a table keyed by std::string is searched with a string_view or a
// literal without building a std::string on the hot path (a metric key per logged value).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vitals::inline VITALS_ABI::detail {
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// A std::string-keyed hash map searchable by std::string_view.
template <class V>
using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

}  // namespace vitals::detail
