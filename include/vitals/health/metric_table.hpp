// The latest value of every metric a health monitor has seen, addressed by a slot index.
//
// Rules name their metrics at compile time, but looking a string up per rule per epoch would cost
// more than the whole evaluation; so a rule resolves each name to a slot once, when it is added,
// and then reads plain array entries. A value counts for an epoch only if it was observed during
// that epoch: a metric logged every 5 epochs does not keep a rule firing (or its counters
// running) on the epochs in between, and one never logged at all is told apart from one that is
// merely stale.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vitals/format/hash.hpp"

namespace vitals::inline VITALS_ABI {
class metric_table {
 public:
  using slot_id = std::uint32_t;

  struct slot {
    std::string name;
    double value = __builtin_nan("");
    std::int64_t window = -1;  // the evaluation window (epoch) it was last observed in; -1: never
  };

  /// The slot for `name`, created (never observed) if new.
  VITALS_INLINE slot_id intern(std::string_view name);

  void set(std::string_view name, double value) { set(intern(name), value); }
  void set(slot_id id, double value) {
    slots_[id].value = value;
    slots_[id].window = window_;
  }

  /// True if the slot was observed in the current window.
  bool fresh(slot_id id) const { return slots_[id].window == window_; }
  bool ever_observed(slot_id id) const { return slots_[id].window >= 0; }
  double value(slot_id id) const { return slots_[id].value; }
  const slot& at(slot_id id) const { return slots_[id]; }

  /// A prefix or suffix pattern ("loss_ratio/" prefix, "_healthy" suffix) whose member list grows
  /// as matching metrics appear; returns its id.
  VITALS_INLINE slot_id intern_pattern(std::string_view text, bool is_suffix);
  const std::vector<slot_id>& pattern_members(slot_id pattern) const { return patterns_[pattern].members; }

  /// Ends the current window: values observed so far become stale.
  void next_window() { ++window_; }
  std::int64_t window() const { return window_; }
  std::size_t size() const { return slots_.size(); }

 private:
  struct pattern {
    std::string text;
    bool suffix;
    std::vector<slot_id> members;
    bool matches(std::string_view name) const {
      return suffix ? name.size() > text.size() && name.ends_with(text)
                    : name.size() > text.size() && name.starts_with(text);
    }
  };
  std::vector<slot> slots_;
  vitals::detail::string_map<slot_id> index_;
  std::vector<pattern> patterns_;
  std::int64_t window_ = 0;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/metric_table.ipp"
#endif
