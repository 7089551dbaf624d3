// The TensorBoard event records the tensorboard sink writes: the proto field numbers, the
// incremental Event builder and the event file's name (see vitals/sinks/tensorboard.hpp for the
// format). Its own header so that a file that only names the sink does not parse the encoders.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/format/protobuf.hpp"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace vitals::inline VITALS_ABI {
namespace detail {

namespace tb_field {
inline constexpr std::uint32_t event_wall_time = 1, event_step = 2, event_file_version = 3, event_summary = 5;
inline constexpr std::uint32_t summary_value = 1;
inline constexpr std::uint32_t value_tag = 1, value_simple_value = 2, value_histo = 5;
inline constexpr std::uint32_t histo_min = 1, histo_max = 2, histo_num = 3, histo_sum = 4, histo_sum_squares = 5,
                               histo_bucket_limit = 6, histo_bucket = 7;
}  // namespace tb_field

/// A histogram in TensorBoard's terms: bucket i holds `bucket[i]` values in
/// (bucket_limit[i-1], bucket_limit[i]] (the first from `min`).
struct tb_histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

/// Reads W&B histogram JSON ({"_type":"histogram","values":[n counts],"bins":[n+1 edges]}) into a
/// tb_histogram: limits are the right edges, min/max the outer edges; sum and sum_squares are
/// estimated from bin midpoints (the samples are gone). False when `s` is not such a histogram.
VITALS_INLINE bool parse_wandb_histogram(simdjson::dom::parser& parser, std::string_view s, tb_histogram& h);

/// Event{wall_time, file_version}: the first record of every event file.
VITALS_INLINE std::string tb_file_version_event(double wall_time);

/// Builds Event{wall_time, step, summary} for one history record incrementally.
class tb_event_builder {
 public:
  tb_event_builder(std::string& out, double wall_time, std::int64_t step) : w_(out) {
    out.clear();
    w_.double_field(tb_field::event_wall_time, wall_time);
    w_.int64_field(tb_field::event_step, step);
    summary_ = w_.begin_message(tb_field::event_summary);
  }
  void scalar(std::string_view tag, float v) {
    auto value = w_.begin_message(tb_field::summary_value);
    w_.string_field(tb_field::value_tag, tag);
    w_.float_field_always(tb_field::value_simple_value, v);  // simple_value is in a oneof
    w_.end_message(value);
    ++values_;
  }
  void histogram(std::string_view tag, const tb_histogram& h) {
    auto value = w_.begin_message(tb_field::summary_value);
    w_.string_field(tb_field::value_tag, tag);
    auto histo = w_.begin_message(tb_field::value_histo);
    w_.double_field(tb_field::histo_min, h.min);
    w_.double_field(tb_field::histo_max, h.max);
    w_.double_field(tb_field::histo_num, h.num);
    w_.double_field(tb_field::histo_sum, h.sum);
    w_.double_field(tb_field::histo_sum_squares, h.sum_squares);
    w_.packed_doubles_field(tb_field::histo_bucket_limit, h.bucket_limit.data(), h.bucket_limit.size());
    w_.packed_doubles_field(tb_field::histo_bucket, h.bucket.data(), h.bucket.size());
    w_.end_message(histo);
    w_.end_message(value);
    ++values_;
  }
  /// Closes the event; returns the number of values it holds.
  std::size_t finish() {
    w_.end_message(summary_);
    return values_;
  }

 private:
  pb_writer w_;
  std::size_t summary_ = 0;
  std::size_t values_ = 0;
};

/// The n in events.out.tfevents.<time>.<host>.<pid>.<n>: distinct per file within a process.
inline std::atomic<unsigned> tb_file_counter{0};

/// "events.out.tfevents.<10-digit unix time>.<host>.<pid>.<n>".
VITALS_INLINE std::string tb_event_file_name(double unix_time);

VITALS_INLINE double tb_now();
}  // namespace detail
}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/tensorboard_event.ipp"
#endif
