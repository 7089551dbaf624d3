// The bounded queue between a run's callers and its writer thread: a ring of reusable rows.
// Callers and writer use it under the pipeline's lock. A row goes in as a copy of its packed values
// (a few cache lines) and comes out as a copy too: the writer only reads a slot, never writes it,
// so the caller filling that slot later finds its buffer pointers still in its own cache (when the
// writer swapped buffers out, every log() waited for the slot's line to come back from the
// writer's core; measured in bench/RESULTS.md). Slots keep their capacity, so nothing is allocated
// per row. A full ring follows the overflow policy.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "vitals/sinks/pipeline_options.hpp"
#include "vitals/sinks/pipeline_row.hpp"

namespace vitals::inline VITALS_ABI::detail {
class row_ring {
 public:
  explicit row_ring(std::size_t capacity) : rows_(capacity) {
    for (auto& r : rows_) r.reserve(16, 0);  // string bytes get room when a row first has strings
  }

  std::size_t capacity() const { return rows_.size(); }
  std::size_t size() const { return count_; }
  std::size_t free() const { return rows_.size() - count_; }

  /// Copies `row` in (into the slot's own buffers, so the caller's row stays hot in its cache).
  /// When full, the policy decides: drop_newest drops `row`, drop_oldest the oldest queued row,
  /// each counted in `dropped`; under block the caller has waited for room, and a row that finds
  /// none anyway is not queued rather than overwrite a queued one. Returns true if it was queued.
  bool push(const pipeline_row& row, overflow_policy policy, std::atomic<std::uint64_t>& dropped) {
    if (count_ == rows_.size()) {
      if (policy != overflow_policy::drop_oldest) {
        if (policy == overflow_policy::drop_newest) dropped.fetch_add(1);
        return false;
      }
      rows_[head_].clear();
      head_ = next(head_);
      --count_;
      dropped.fetch_add(1);
    }
    rows_[tail_].copy_from(row);
    tail_ = next(tail_);
    ++count_;
    return true;
  }

  /// Copies up to out.size() of the oldest rows into `out` and frees their slots; returns how many.
  std::size_t take(std::vector<pipeline_row>& out) {
    const std::size_t n = std::min(count_, out.size());
    for (std::size_t k = 0; k < n; ++k) {
      out[k].copy_from(rows_[head_]);
      head_ = next(head_);
    }
    count_ -= n;
    return n;
  }

 private:
  std::size_t next(std::size_t i) const { return i + 1 == rows_.size() ? 0 : i + 1; }

  std::vector<pipeline_row> rows_;
  std::size_t head_ = 0, tail_ = 0, count_ = 0;
};

}  // namespace vitals::detail
