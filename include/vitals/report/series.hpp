// Bounded history for the HTML report: a metric's values over steps, kept in a fixed number of
// buckets with min/max envelopes, so memory is O(buckets) per metric however long the run is.
//
// A series starts with one sample per bucket. When all `capacity` buckets are full, neighbouring
// pairs are merged (capacity/2 buckets remain, each now holding twice as many samples) and new
// samples go to the last bucket until it holds as many as the others. Each bucket keeps its first
// and last step, sample count, sum (for the mean), finite min and max, the last value and a count
// of non-finite values, so the drawing shows the mean line inside the true min/max envelope and
// marks NaN/Inf. The global min/max of a series are exact whatever was merged.
//
// Histogram snapshots (W&B histogram JSON strings) are thinned the same way: at most `capacity`
// snapshots, every other one dropped when full; the newest is always kept.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace vitals::inline VITALS_ABI::report {
struct bucket {
  std::int64_t first_step = 0;
  std::int64_t last_step = 0;
  std::int64_t count = 0;      // samples, finite or not
  std::int64_t nonfinite = 0;  // NaN/Inf samples (not in sum/min/max)
  double sum = 0;              // of finite samples
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double last = std::numeric_limits<double>::quiet_NaN();  // the value at last_step

  std::int64_t finite() const { return count - nonfinite; }
  double mean() const { return finite() > 0 ? sum / static_cast<double>(finite()) : std::numeric_limits<double>::quiet_NaN(); }

  void add(std::int64_t step, double v) {
    if (count == 0) first_step = step;
    last_step = step;
    ++count;
    last = v;
    if (!std::isfinite(v)) {
      ++nonfinite;
      return;
    }
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
  }
  void merge(const bucket& later) {
    if (later.count == 0) return;
    if (count == 0) {
      *this = later;
      return;
    }
    last_step = later.last_step;
    count += later.count;
    nonfinite += later.nonfinite;
    sum += later.sum;
    min = std::min(min, later.min);
    max = std::max(max, later.max);
    last = later.last;
  }
};

/// One metric's history in at most `capacity` buckets (capacity >= 2, rounded up to even).
class series {
 public:
  explicit series(std::size_t capacity = 512) : capacity_(std::max<std::size_t>(2, capacity + (capacity & 1))) {
    buckets_.reserve(capacity_);
  }

  /// Appends one sample. Steps are expected in non-decreasing order (as a run delivers them).
  void add(std::int64_t step, double v) {
    ++samples_;
    if (std::isfinite(v)) {
      min_ = std::min(min_, v);
      max_ = std::max(max_, v);
      if (v != 0 && v != 1) binary_ = false;
    } else {
      ++nonfinite_;
    }
    last_ = v;
    last_step_ = step;
    if (buckets_.empty() || buckets_.back().count >= width_) {
      if (buckets_.size() == capacity_) halve();
      buckets_.emplace_back();
    }
    buckets_.back().add(step, v);
  }

  const std::vector<bucket>& buckets() const { return buckets_; }
  std::size_t capacity() const { return capacity_; }
  /// Samples per full bucket (1, 2, 4, ...).
  std::int64_t width() const { return width_; }
  std::int64_t samples() const { return samples_; }
  std::int64_t nonfinite() const { return nonfinite_; }
  /// Exact finite min/max over every sample (+inf/-inf when none was finite).
  double min() const { return min_; }
  double max() const { return max_; }
  double last() const { return last_; }
  std::int64_t last_step() const { return last_step_; }
  /// Every finite sample was 0 or 1 (a flag such as train/is_improving): drawn as bars.
  bool binary() const { return binary_ && samples_ > nonfinite_; }

 private:
  void halve() {
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < buckets_.size(); i += 2) {
      bucket b = buckets_[i];
      b.merge(buckets_[i + 1]);
      buckets_[out++] = b;
    }
    if (buckets_.size() % 2) buckets_[out++] = buckets_.back();
    buckets_.resize(out);
    width_ *= 2;
  }

  std::size_t capacity_;
  std::int64_t width_ = 1;
  std::vector<bucket> buckets_;
  std::int64_t samples_ = 0, nonfinite_ = 0, last_step_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  double last_ = std::numeric_limits<double>::quiet_NaN();
  bool binary_ = true;
};

/// One histogram at one step: bins are num+1 ascending edges, values num counts.
struct histogram_snapshot {
  std::int64_t step = 0;
  std::vector<double> bins;
  std::vector<double> values;
};

/// At most `capacity` snapshots of one histogram key over time; when full every other one is
/// dropped (the newest always stays), so they stay spread over the whole run.
class histogram_track {
 public:
  explicit histogram_track(std::size_t capacity = 64) : capacity_(std::max<std::size_t>(2, capacity)) {}

  void add(histogram_snapshot h) {
    ++seen_;
    if (seen_ % stride_ != 0 && !snaps_.empty()) {
      pending_ = std::move(h);  // kept only if it turns out to be the last
      has_pending_ = true;
      return;
    }
    has_pending_ = false;
    if (snaps_.size() == capacity_) {
      std::size_t out = 0;
      for (std::size_t i = 0; i < snaps_.size(); i += 2, ++out)
        if (out != i) snaps_[out] = std::move(snaps_[i]);  // never self-move (it would empty the vectors)
      snaps_.resize(out);
      stride_ *= 2;
    }
    snaps_.push_back(std::move(h));
  }
  /// The kept snapshots in step order, plus the newest one if it fell between strides.
  std::vector<const histogram_snapshot*> snapshots() const {
    std::vector<const histogram_snapshot*> out;
    for (const auto& s : snaps_) out.push_back(&s);
    if (has_pending_) out.push_back(&pending_);
    return out;
  }
  std::int64_t seen() const { return seen_; }

 private:
  std::size_t capacity_;
  std::int64_t stride_ = 1, seen_ = 0;
  std::vector<histogram_snapshot> snaps_;
  histogram_snapshot pending_;
  bool has_pending_ = false;
};

}  // namespace vitals::report
