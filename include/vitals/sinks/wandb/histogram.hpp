// Histograms for W&B: the `{"_type": "histogram", "values": [...], "bins": [...]}` value that the
// W&B UI draws as a histogram panel.
//
// A record carries only scalars and strings, so a histogram travels as a string holding that JSON;
// the W&B sink recognises strings that start with `{"_type":` and writes them as JSON objects
// (other sinks see a string). Log it like any value:
//   run.log({{"weights/layer1", vitals::wandb_histogram::from_samples(w).json()}}, step);
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/format/json.hpp"

namespace vitals::inline VITALS_ABI {
struct wandb_histogram {
  std::vector<double> bins;    // num_bins + 1 ascending edges
  std::vector<double> values;  // num_bins counts (or weights)

  /// numpy.histogram(samples, bins=num_bins) semantics, as wandb.Histogram(sequence) computes it:
  /// equal-width bins over [min, max], the last bin closed; non-finite samples are skipped (numpy
  /// would refuse them); all-equal samples get the range [x - 0.5, x + 0.5].
  template <class T>
  static wandb_histogram from_samples(std::span<const T> samples, int num_bins = 64) {
    if (num_bins < 1 || num_bins > 512)
      throw std::invalid_argument("wandb_histogram: num_bins must be in [1, 512] (W&B's limit), got " + std::to_string(num_bins));
    double lo = INFINITY, hi = -INFINITY;
    for (const T& s : samples) {
      const double x = static_cast<double>(s);
      if (!std::isfinite(x)) continue;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    if (lo > hi) lo = 0, hi = 1;  // no finite sample
    if (lo == hi) lo -= 0.5, hi += 0.5;
    wandb_histogram h;
    h.bins.resize(static_cast<std::size_t>(num_bins) + 1);
    for (int i = 0; i <= num_bins; ++i) h.bins[i] = lo + (hi - lo) * i / num_bins;
    h.values.assign(static_cast<std::size_t>(num_bins), 0.0);
    const double scale = num_bins / (hi - lo);
    for (const T& s : samples) {
      const double x = static_cast<double>(s);
      if (!std::isfinite(x)) continue;
      auto k = static_cast<std::int64_t>((x - lo) * scale);
      k = std::clamp<std::int64_t>(k, 0, num_bins - 1);
      h.values[static_cast<std::size_t>(k)] += 1;
    }
    return h;
  }
  template <class T>
  static wandb_histogram from_samples(const std::vector<T>& samples, int num_bins = 64) {
    return from_samples(std::span<const T>(samples), num_bins);
  }

  /// Precomputed counts, as wandb.Histogram(np_histogram=(counts, edges)).
  static wandb_histogram from_counts(std::vector<double> counts, std::vector<double> edges) {
    if (edges.size() != counts.size() + 1)
      throw std::invalid_argument("wandb_histogram: need one more bin edge than counts (got " + std::to_string(edges.size()) +
                                  " edges for " + std::to_string(counts.size()) + " counts)");
    return wandb_histogram{std::move(edges), std::move(counts)};
  }

  /// The W&B value; log it as a string metric.
  std::string json() const {
    std::string out = "{\"_type\":\"histogram\",\"values\":[";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out.push_back(',');
      detail::append_json_double(out, values[i], detail::wandb_json);
    }
    out += "],\"bins\":[";
    for (std::size_t i = 0; i < bins.size(); ++i) {
      if (i) out.push_back(',');
      detail::append_json_double(out, bins[i], detail::wandb_json);
    }
    out += "]}";
    return out;
  }
};

}  // namespace vitals
