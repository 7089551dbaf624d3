// The dataset baseline logged once before training: data_stats/normalized_{mean,std,min,max} over
// every value, and data_stats/{channel}_{mean,std} per named channel, to check the normalisation.
//
// Values come in batches of whole samples. Element i of a batch belongs to channel
// (i / inner) % channels: inner = 1 is channels-last ([..., C], e.g. [time][channel] windows),
// inner = H*W (or T) is channels-first ([N][C][H][W]). std is the population std (ddof = 0).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/health/tensor_values.hpp"
#include "vitals/health/accumulator.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/health/metric_list.hpp"

namespace vitals::inline VITALS_ABI {
class data_stats {
 public:
  /// `channel_names` may be empty (only the normalized_* totals are kept).
  explicit data_stats(std::vector<std::string> channel_names = {}, std::size_t inner = 1)
      : names_(std::move(channel_names)), inner_(inner), per_channel_(names_.size()) {
    if (inner_ == 0) throw std::invalid_argument("vitals::data_stats: inner must be >= 1 (1 = channels-last)");
  }

  /// Adds a batch of whole samples; throws if its size is not a multiple of channels * inner.
  void add(std::span<const float> batch) {
    const std::size_t c = names_.size();
    if (c == 0) {
      total_.merge(accumulate(batch));
      return;
    }
    const std::size_t sample = c * inner_;
    if (batch.size() % sample != 0)
      throw std::invalid_argument("vitals::data_stats: a batch of " + std::to_string(batch.size()) +
                                  " values is not whole samples of " + std::to_string(c) + " channels x " +
                                  std::to_string(inner_) + " values");
    if (inner_ == 1) {
      for (std::size_t i = 0; i < batch.size(); i += c)
        for (std::size_t ch = 0; ch < c; ++ch) per_channel_[ch].add(batch[i + ch]);
    } else {
      for (std::size_t i = 0; i < batch.size(); i += inner_)
        per_channel_[(i / inner_) % c].merge(accumulate(batch.subspan(i, inner_)));
    }
    total_ = accumulator{};
    for (const auto& a : per_channel_) total_.merge(a);
  }

  /// A tensor (torch::Tensor with vitals/torch.hpp, or any type with a vitals::tensor_values
  /// specialization), read as float32 values in its memory order.
  template <float_tensor T>
  void add(const T& tensor) {
    const auto values = tensor_values<T>::get(tensor);
    add(std::span<const float>(values.data(), values.size()));
  }

  const accumulator& total() const { return total_; }

  /// Calls f(accumulator&) on every partial (each channel, then the total), for an in-place
  /// update that keeps the total the merge of the channels, such as vitals::dist::merge over ranks.
  template <class F>
  void for_each_partial(F&& f) {
    for (auto& a : per_channel_) f(a);
    f(total_);
  }
  const accumulator& channel(std::size_t i) const { return per_channel_.at(i); }

  void append_to(metric_list& out) const {
    if (total_.count == 0) return;
    out.set("data_stats/normalized_mean", total_.mean);
    out.set("data_stats/normalized_std", std::sqrt(total_.variance()));
    out.set("data_stats/normalized_min", total_.min);
    out.set("data_stats/normalized_max", total_.max);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (per_channel_[i].count == 0) continue;
      out.set("data_stats/" + names_[i] + "_mean", per_channel_[i].mean);
      out.set("data_stats/" + names_[i] + "_std", std::sqrt(per_channel_[i].variance()));
    }
  }
  metric_list metrics() const {
    metric_list out;
    append_to(out);
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::size_t inner_;
  std::vector<accumulator> per_channel_;
  accumulator total_;
};

}  // namespace vitals
