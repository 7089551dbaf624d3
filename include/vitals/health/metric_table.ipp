// Bodies of vitals/health/metric_table.hpp (see vitals/version.hpp: compiled once in the library,
// or inline in every file in header-only use).
#pragma once

#include "vitals/health/metric_table.hpp"

#include <utility>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE metric_table::slot_id metric_table::intern(std::string_view name) {
  if (auto it = index_.find(name); it != index_.end()) return it->second;
  auto id = static_cast<slot_id>(slots_.size());
  slots_.push_back(slot{std::string(name)});
  index_.emplace(slots_.back().name, id);
  for (auto& p : patterns_)
    if (p.matches(name)) p.members.push_back(id);
  return id;
}

VITALS_INLINE metric_table::slot_id metric_table::intern_pattern(std::string_view text, bool is_suffix) {
  for (std::size_t i = 0; i < patterns_.size(); ++i)
    if (patterns_[i].text == text && patterns_[i].suffix == is_suffix) return static_cast<slot_id>(i);
  pattern p{std::string(text), is_suffix, {}};
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (p.matches(slots_[i].name)) p.members.push_back(static_cast<slot_id>(i));
  patterns_.push_back(std::move(p));
  return static_cast<slot_id>(patterns_.size() - 1);
}

}  // namespace vitals
