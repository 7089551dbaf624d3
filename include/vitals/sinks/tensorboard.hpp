// TensorBoard backend: <run dir>/tensorboard/events.out.tfevents.<10-digit time>.<host>.<pid>.<n>,
// a TFRecord file of tensorflow.Event protos that `tensorboard --logdir runs` reads.
//
// The first event carries file_version "brain.Event:2"; each history record becomes one Event at
// record.step with one Summary.Value per numeric metric (integers, bools and floats as float32
// simple_value; NaN/Inf kept). Strings are skipped, except W&B histogram JSON
// (vitals::wandb_histogram, `{"_type":"histogram","values":[...],"bins":[...]}`), which becomes a
// HistogramProto. Summary and alert records are ignored.
//
// Records are framed in memory and reach the file with write(2) only whole (on flush, or when the
// buffer passes flush_bytes), so after kill -9 the file holds every record up to the last flush.
// When a write fails (full disk, file-size limit) the file is cut back to its last whole record and
// the error thrown once (the run reports it and disables this sink); records not yet written are
// lost. TensorBoard's reader then reads every record the file holds.
//
// Messages (field numbers from tensorflow/core/util/event.proto and framework/summary.proto):
//   Event{wall_time=1 double, step=2 int64, file_version=3 string, summary=5 Summary}
//   Summary{value=1 repeated Value}; Value{tag=1 string, simple_value=2 float, histo=5 HistogramProto}
//   HistogramProto{min=1, max=2, num=3, sum=4, sum_squares=5 double, bucket_limit=6, bucket=7 packed double}
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "vitals/sinks/fresh_on_copy.hpp"
#include "vitals/sinks/sink.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct tensorboard_state;  // defined in tensorboard.ipp (it holds a simdjson parser)
VITALS_INLINE tensorboard_state* make_state(tensorboard_state*);
VITALS_INLINE void destroy_state(tensorboard_state*) noexcept;

}  // namespace detail

struct tensorboard {
  static constexpr std::string_view name = "tensorboard";

  /// Directory of the event file; relative paths are taken inside the run directory.
  std::filesystem::path dir = "tensorboard";
  /// Write W&B histogram JSON strings as TensorBoard histograms (else they are skipped).
  bool histograms = true;
  /// Buffered bytes that trigger a write before the next flush.
  std::size_t flush_bytes = 1 << 20;

  VITALS_INLINE void open(const run_info& info);

  VITALS_INLINE void write(const record& r);

  VITALS_INLINE void flush();

  VITALS_INLINE void close(int /*exit_code*/);

  /// The event file being written (empty before open()).
  VITALS_INLINE const std::filesystem::path& path() const;

  // Open-file state (public only so that tensorboard stays an aggregate for designated initializers).
  detail::fresh_on_copy_ptr<detail::tensorboard_state> state{};
};

static_assert(sink<tensorboard>);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/sinks/tensorboard.ipp"
#endif
