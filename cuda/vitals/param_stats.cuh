// device_param_stats<S>: the fused parameter statistics on the GPU, with asynchronous results;
// device_ema_update<S>: the EMA update (an operation of its own) with the EMA diff and, in the
// same pass, the statistics S.
//
//   vitals::tensor_table table;                       // device pointers, built once
//   table.add("fc.weight", n, vitals::dtype::bf16, grad_ptr, weight_ptr, ema_ptr);
//   vitals::device_param_stats<vitals::param_stat::grad | vitals::param_stat::weight> st(table);
//   vitals::device_ema_update<> ema(table, {.ema_decay = 0.999f});   // after optimizer.step()
//   st.launch(stream);             // 2 kernels + 1 async copy + 1 event; no host synchronisation
//   ...                            // training goes on
//   if (st.ready()) log(st.result().to_metrics());   // never blocks the training stream
//
// launch() is CUDA-graph capturable (the event is recorded as an external event node), so the
// whole sequence can be replayed as part of a captured training step. The kernels take their
// parameters by value: options changed after capture do not reach an already captured graph.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitals/cuda_check.cuh"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/tensor_table.hpp"
#include "vitals/param_stats_kernels.cuh"

namespace vitals::inline VITALS_ABI {
namespace detail {

/// One kernel plan (detail::plan bits) on the device; the public names are device_param_stats and
/// device_ema_update below.
template <unsigned Stats>
class device_stats_engine {
 public:
  /// Uploads `table` (whose pointers must be device pointers) and allocates every buffer the
  /// calls need: launch() allocates nothing.
  explicit device_stats_engine(const tensor_table& table, param_stats_options opt = {}) : opt_(opt) {
    detail::check_options(opt_);
    detail::cuda_check(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "cudaEventCreate");
    try {
      upload(table);
    } catch (...) {  // the destructor does not run for a throwing constructor
      release();
      cudaEventDestroy(event_);
      throw;
    }
  }
  ~device_stats_engine() {
    release();
    if (event_) cudaEventDestroy(event_);
  }
  device_stats_engine(const device_stats_engine&) = delete;
  device_stats_engine& operator=(const device_stats_engine&) = delete;

  /// Replaces the table (the parameter set changed). Synchronous; a graph captured with the old
  /// table must not be replayed afterwards.
  void upload(const tensor_table& table) {
    release();
    const auto& entries = table.entries();
    names_.clear();
    for (const auto& p : table.params()) names_.push_back(p.name);
    b_ = {};
    b_.tensors = static_cast<std::uint32_t>(entries.size());
    b_.chunks = table.total_chunks();
    b_.decay = opt_.ema_decay;
    constexpr bool hist = (Stats & plan::weight_histogram) != 0;
    b_.bins = hist ? opt_.histogram_bins : 0;
    b_.auto_range = hist && !(opt_.histogram_lo < opt_.histogram_hi);
    const std::size_t slots = hist ? b_.bins + 2 : 0;

    // Scratch: table, chunk partials, histogram accumulator, range, ticket.
    std::size_t off = 0;
    const std::size_t o_table = take(off, entries.size() * sizeof(detail::table_entry));
    const std::size_t o_parts = take(off, b_.chunks * sizeof(tensor_stats));
    const std::size_t o_accum = take(off, slots * sizeof(unsigned long long));
    const std::size_t o_range = take(off, 2 * sizeof(float));
    const std::size_t o_ticket = take(off, sizeof(unsigned));
    detail::cuda_check(cudaMalloc(&scratch_, off), "cudaMalloc(vitals stats scratch)");
    detail::cuda_check(cudaMemset(scratch_, 0, off), "cudaMemset(vitals stats scratch)");
    auto* s = static_cast<char*>(scratch_);
    b_.table = reinterpret_cast<const detail::table_entry*>(s + o_table);
    b_.chunk_partials = reinterpret_cast<tensor_stats*>(s + o_parts);
    b_.hist_accum = reinterpret_cast<unsigned long long*>(s + o_accum);
    b_.hist_range = reinterpret_cast<float*>(s + o_range);
    b_.ticket = reinterpret_cast<unsigned*>(s + o_ticket);
    if (!entries.empty())
      detail::cuda_check(cudaMemcpy(s + o_table, entries.data(), entries.size() * sizeof(detail::table_entry),
                                    cudaMemcpyHostToDevice),
                         "cudaMemcpy(vitals tensor table)");
    if (hist && !b_.auto_range) {
      const float range[2] = {opt_.histogram_lo, opt_.histogram_hi};
      detail::cuda_check(cudaMemcpy(b_.hist_range, range, sizeof range, cudaMemcpyHostToDevice),
                         "cudaMemcpy(vitals histogram range)");
    }

    // Result block: global + per-tensor stats, histogram, range used; copied in one piece.
    std::size_t roff = 0;
    r_results_ = take(roff, (1 + entries.size()) * sizeof(tensor_stats));
    r_hist_ = take(roff, slots * sizeof(unsigned long long));
    r_range_ = take(roff, 2 * sizeof(float));
    result_bytes_ = roff;
    detail::cuda_check(cudaMalloc(&result_dev_, result_bytes_), "cudaMalloc(vitals stats results)");
    detail::cuda_check(cudaMemset(result_dev_, 0, result_bytes_), "cudaMemset(vitals stats results)");
    detail::cuda_check(cudaMallocHost(&result_host_, result_bytes_), "cudaMallocHost(vitals stats results)");
    auto* r = static_cast<char*>(result_dev_);
    b_.results = reinterpret_cast<tensor_stats*>(r + r_results_);
    b_.hist_out = reinterpret_cast<unsigned long long*>(r + r_hist_);
    b_.hist_range_out = reinterpret_cast<float*>(r + r_range_);

    // Grid: as many resident blocks as fit, never more than there are chunks.
    smem_ = slots * sizeof(unsigned);
    int device = 0, sms = 0, per_sm = 0;
    detail::cuda_check(cudaGetDevice(&device), "cudaGetDevice");
    detail::cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    detail::cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, detail::param_stats_kernel<Stats>,
                                                                     detail::stats_block_threads, smem_),
                       "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    const std::uint64_t resident = static_cast<std::uint64_t>(sms) * static_cast<std::uint64_t>(per_sm > 0 ? per_sm : 1);
    grid_ = static_cast<unsigned>(b_.chunks < resident ? (b_.chunks ? b_.chunks : 1) : resident);
    const std::uint64_t fin = static_cast<std::uint64_t>(sms) * 4;
    finalize_grid_ = static_cast<unsigned>(b_.tensors < fin ? (b_.tensors ? b_.tensors : 1) : fin);
    launched_ = false;
  }

  /// Enqueues the statistics on `stream`: stats kernel, finalize kernel, copy of the results to
  /// pinned host memory, event. Never synchronises; capturable in a CUDA graph.
  void launch(cudaStream_t stream = nullptr) {
    detail::param_stats_kernel<Stats><<<grid_, detail::stats_block_threads, smem_, stream>>>(b_);
    detail::cuda_check(cudaGetLastError(), "launch of vitals::detail::param_stats_kernel");
    detail::param_stats_finalize<Stats><<<finalize_grid_, detail::stats_block_threads, 0, stream>>>(b_);
    detail::cuda_check(cudaGetLastError(), "launch of vitals::detail::param_stats_finalize");
    detail::cuda_check(cudaMemcpyAsync(result_host_, result_dev_, result_bytes_, cudaMemcpyDeviceToHost, stream),
                       "cudaMemcpyAsync(vitals stats results)");
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    detail::cuda_check(cudaStreamIsCapturing(stream, &capture), "cudaStreamIsCapturing");
    if (capture == cudaStreamCaptureStatusActive)
      detail::cuda_check(cudaEventRecordWithFlags(event_, stream, cudaEventRecordExternal),
                         "cudaEventRecordWithFlags(external, in capture)");
    else
      detail::cuda_check(cudaEventRecord(event_, stream), "cudaEventRecord");
    launched_ = true;
  }

  /// True when the last launch's results have reached host memory.
  bool ready() const {
    if (!launched_) return false;
    const cudaError_t e = cudaEventQuery(event_);
    if (e == cudaErrorNotReady) return false;
    detail::cuda_check(e, "cudaEventQuery");
    return true;
  }
  /// Blocks the calling thread (not the stream) until the results are in host memory.
  void wait() const {
    if (!launched_)
      throw std::logic_error("vitals::device_param_stats::wait: nothing launched yet; call launch(stream) first");
    detail::cuda_check(cudaEventSynchronize(event_), "cudaEventSynchronize");
  }
  /// The event the results' copy completes; other streams may wait on it.
  cudaEvent_t event() const { return event_; }

  /// The results of the last launch (waits for them; check ready() first to never block).
  param_stats_result result() const {
    wait();
    const auto* h = static_cast<const char*>(result_host_);
    param_stats_result res;
    res.computed = stats_of_plan(Stats);
    std::memcpy(&res.total, h + r_results_, sizeof(tensor_stats));
    res.per_tensor.resize(b_.tensors);
    if (b_.tensors)
      std::memcpy(res.per_tensor.data(), h + r_results_ + sizeof(tensor_stats), b_.tensors * sizeof(tensor_stats));
    if constexpr ((Stats & plan::weight_histogram) != 0) {
      float range[2];
      std::memcpy(range, h + r_range_, sizeof range);
      if (range[0] < range[1]) {
        std::vector<unsigned long long> slots(b_.bins + 2);
        std::memcpy(slots.data(), h + r_hist_, slots.size() * sizeof(unsigned long long));
        res.histogram.lo = range[0];
        res.histogram.hi = range[1];
        res.histogram.underflow = slots.front();
        res.histogram.overflow = slots.back();
        res.histogram.counts.assign(slots.begin() + 1, slots.end() - 1);
      }
    }
    return res;
  }

  std::size_t tensors() const { return b_.tensors; }
  const std::vector<std::string>& names() const { return names_; }
  unsigned grid_size() const { return grid_; }
  /// Bytes the kernels move per launch (reads of every present buffer, writes of the EMA), for
  /// bandwidth figures.
  static std::uint64_t bytes_moved(const tensor_table& table) {
    std::uint64_t bytes = 0;
    for (const auto& p : table.params()) {
      if ((Stats & plan::grad) && p.grad.data) bytes += p.numel * dtype_size(p.grad.type);
      if ((Stats & ~plan::grad) && p.weight.data) bytes += p.numel * dtype_size(p.weight.type);
      if ((Stats & (plan::ema_diff | plan::ema_update)) && p.ema.data)
        bytes += p.numel * dtype_size(p.ema.type) * ((Stats & plan::ema_update) ? 2 : 1);
    }
    return bytes;
  }

 private:
  static std::size_t take(std::size_t& off, std::size_t bytes) {
    const std::size_t at = off;
    off += (bytes + 255) / 256 * 256;  // keep every sub-buffer 256-byte aligned
    return at;
  }

  void release() noexcept {
    if (scratch_) cudaFree(scratch_);
    if (result_dev_) cudaFree(result_dev_);
    if (result_host_) cudaFreeHost(result_host_);
    scratch_ = result_dev_ = result_host_ = nullptr;
  }

  param_stats_options opt_;
  detail::stats_buffers b_;
  std::vector<std::string> names_;
  void* scratch_ = nullptr;
  void* result_dev_ = nullptr;
  void* result_host_ = nullptr;
  std::size_t result_bytes_ = 0, r_results_ = 0, r_hist_ = 0, r_range_ = 0;
  std::size_t smem_ = 0;
  unsigned grid_ = 1, finalize_grid_ = 1;
  cudaEvent_t event_ = nullptr;
  bool launched_ = false;
};

}  // namespace detail

/// The statistics S of every tensor of a table of device pointers. Reads only.
template <stat_set S>
class device_param_stats : public detail::device_stats_engine<S.bits_> {
  static_assert(!S.empty(), "device_param_stats needs at least one statistic");

 public:
  using detail::device_stats_engine<S.bits_>::device_stats_engine;
};

/// The EMA update e <- d*e + (1-d)*w (d = options' ema_decay) of every parameter with an EMA
/// buffer, in place, fused with the EMA diff after the update and the statistics S (one pass over
/// the weights for all of them). The update happens on the device when launch() runs.
template <stat_set S = param_stat::ema_diff>
class device_ema_update
    : public detail::device_stats_engine<(S | param_stat::ema_diff).bits_ | detail::plan::ema_update> {
 public:
  using detail::device_stats_engine<(S | param_stat::ema_diff).bits_ | detail::plan::ema_update>::device_stats_engine;
};

}  // namespace vitals
