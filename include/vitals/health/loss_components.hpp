// loss_ratio/{term}: each named loss component's share of the total over an epoch, the seed's
// "one term > 0.9 of the total = the others are ignored" check.
//
// Shares are |sum of the term| / sum over terms of |sum of the term| over the epoch's steps, so a
// term that is negative (a log-likelihood bonus) still has a share in [0, 1]. Non-finite step values
// are skipped. With a single term there is nothing to compare, so no ratio is logged.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/health/metric_list.hpp"

namespace vitals::inline VITALS_ABI {
class loss_components {
 public:
  /// Adds one step's value of `term` (terms keep the order they first appear in).
  void add(std::string_view term, double value) {
    if (!std::isfinite(value)) return;
    for (auto& t : terms_)
      if (t.first == term) {
        t.second += value;
        return;
      }
    terms_.emplace_back(std::string(term), value);
  }
  void add(std::initializer_list<std::pair<std::string_view, double>> step) {
    for (const auto& [term, value] : step) add(term, value);
  }

  void append_to(metric_list& out) const {
    if (terms_.size() < 2) return;
    double total = 0;
    for (const auto& t : terms_) total += std::fabs(t.second);
    if (total == 0) return;
    for (const auto& t : terms_) out.set("loss_ratio/" + t.first, std::fabs(t.second) / total);
  }
  metric_list metrics() const {
    metric_list out;
    append_to(out);
    return out;
  }

  /// Starts the next epoch (the terms are forgotten too).
  void reset() { terms_.clear(); }

 private:
  std::vector<std::pair<std::string, double>> terms_;
};

}  // namespace vitals
