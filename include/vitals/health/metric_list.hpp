// A small owning list of (key, double) pairs: what the epoch aggregates produce, ready to be
// logged (run.log(list.metrics(), step)) or fed to a health_monitor.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/sinks/record.hpp"

namespace vitals::inline VITALS_ABI {
class metric_list {
 public:
  using entry = std::pair<std::string, double>;

  /// Adds or overwrites `key`.
  void set(std::string_view key, double value) {
    for (auto& e : entries_)
      if (e.first == key) {
        e.second = value;
        return;
      }
    entries_.emplace_back(std::string(key), value);
  }
  /// Appends every entry of `other` (overwriting equal keys).
  void merge(const metric_list& other) {
    for (const auto& e : other.entries_) set(e.first, e.second);
  }

  std::optional<double> get(std::string_view key) const {
    for (const auto& e : entries_)
      if (e.first == key) return e.second;
    return std::nullopt;
  }
  /// The value of `key`; throws naming the keys present if there is none.
  double at(std::string_view key) const {
    if (auto v = get(key)) return *v;
    std::string have;
    for (const auto& e : entries_) (have += have.empty() ? "" : ", ") += e.first;
    throw std::out_of_range("vitals: no metric '" + std::string(key) + "' (have: " + have + ")");
  }
  bool contains(std::string_view key) const { return get(key).has_value(); }

  /// The entries as vitals::metric values; the keys are views into this list, valid while it is
  /// not modified.
  std::vector<metric> metrics() const {
    std::vector<metric> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(metric{e.first, metric_value(e.second)});
    return out;
  }

  const std::vector<entry>& entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<entry> entries_;
};

}  // namespace vitals
