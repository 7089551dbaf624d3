// The two kernels of the fused parameter statistics (one launch each, whatever the tensor count):
//
// 1. param_stats_kernel: a persistent grid-stride loop over all chunks of all tensors. Each block
//    walks one chunk with the VITALS_HD functors of vitals/health/param_stats.hpp (16-byte vector
//    loads where the table allows), reduces the threads' partials with cub::BlockReduce and writes
//    one partial per chunk. No floating atomics: a chunk's partial depends only on the chunk, so the
//    results are bit-identical run to run and whatever the grid size. The fused EMA update writes
//    the EMA buffers in the same pass. Histogram counts are integers (shared, then global, atomics
//    on integers are order-independent, hence deterministic too).
// 2. param_stats_finalize: one block per tensor (grid-stride) merges the tensor's chunk partials in
//    a fixed order; the last block to finish (an integer ticket) merges the tensors into the global
//    result, publishes the histogram, picks the next histogram range and resets the ticket, so the
//    sequence can be replayed from a CUDA graph.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cub/block/block_reduce.cuh>

#include <cstdint>

#include "vitals/health/param_stats.hpp"

namespace vitals::inline VITALS_ABI::detail {
/// Loads with 16-byte vectors where `vec` says every buffer is aligned, else scalar.
struct device_loader {
  __device__ float load1(const void* p, dtype t, std::uint64_t i) const { return load_as_float(p, i, t); }
  __device__ void store1(void* p, dtype t, std::uint64_t i, float v) const { store_from_float(p, i, t, v); }

  __device__ void load8(const void* p, dtype t, std::uint64_t i, float (&v)[stats_unit], bool vec) const {
    if (!vec) {
      for (std::uint32_t k = 0; k < stats_unit; ++k) v[k] = load_as_float(p, i + k, t);
      return;
    }
    std::uint32_t w[stats_unit];
    const uint4* q = reinterpret_cast<const uint4*>(static_cast<const char*>(p) + i * dtype_size(t));
    const uint4 a = q[0];
    w[0] = a.x, w[1] = a.y, w[2] = a.z, w[3] = a.w;
    if (t == dtype::f32) {
      const uint4 b = q[1];
      w[4] = b.x, w[5] = b.y, w[6] = b.z, w[7] = b.w;
    }
    decode_unit(w, t, v);
  }

  __device__ void store8(void* p, dtype t, std::uint64_t i, const float (&v)[stats_unit], bool vec) const {
    if (!vec) {
      for (std::uint32_t k = 0; k < stats_unit; ++k) store_from_float(p, i + k, t, v[k]);
      return;
    }
    std::uint32_t w[stats_unit];
    encode_unit(v, t, w);
    uint4* q = reinterpret_cast<uint4*>(static_cast<char*>(p) + i * dtype_size(t));
    q[0] = make_uint4(w[0], w[1], w[2], w[3]);
    if (t == dtype::f32) q[1] = make_uint4(w[4], w[5], w[6], w[7]);
  }
};

struct shared_histogram {
  unsigned* slots;
  __device__ void add(int s) const { atomicAdd(&slots[s], 1u); }
};

struct merge_op {
  template <class T>
  __device__ T operator()(T a, const T& b) const {
    a.merge(b);
    return a;
  }
};

/// Block reductions of only the parts of tensor_stats that `Stats` computes: the grad norm alone
/// moves 48 bytes per thread through the reduction instead of 168, and needs fewer registers.
union block_reduce_storage {
  typename cub::BlockReduce<norm_stats, stats_block_threads>::TempStorage norm;
  typename cub::BlockReduce<accumulator, stats_block_threads>::TempStorage moments;
};

/// The block's merged stats in thread 0 (other threads: unspecified). Ends with a barrier, so the
/// storage may be reused right away.
template <unsigned Stats>
__device__ tensor_stats reduce_block(const tensor_stats& in, block_reduce_storage& storage) {
  using norm_reduce = cub::BlockReduce<norm_stats, stats_block_threads>;
  using moments_reduce = cub::BlockReduce<accumulator, stats_block_threads>;
  tensor_stats out;
  if constexpr ((Stats & plan::grad) != 0) {
    out.grad = norm_reduce(storage.norm).Reduce(in.grad, merge_op{});
    __syncthreads();
  }
  if constexpr (computes_moments(Stats)) {
    out.weight = moments_reduce(storage.moments).Reduce(in.weight, merge_op{});
    __syncthreads();
  }
  if constexpr ((Stats & plan::ema_diff) != 0) {
    out.ema_diff = norm_reduce(storage.norm).Reduce(in.ema_diff, merge_op{});
    __syncthreads();
  }
  return out;
}

/// Device memory the kernels share; laid out by device_param_stats.
struct stats_buffers {
  const table_entry* table = nullptr;
  std::uint32_t tensors = 0;
  std::uint64_t chunks = 0;
  tensor_stats* chunk_partials = nullptr;  // [chunks]
  tensor_stats* results = nullptr;         // [1 + tensors]: global first, then per tensor
  unsigned long long* hist_accum = nullptr;  // [bins + 2], zero between calls
  unsigned long long* hist_out = nullptr;    // [bins + 2], part of the result block
  float* hist_range = nullptr;               // [2]: this call's range (read by the stats kernel)
  float* hist_range_out = nullptr;           // [2]: the range used, part of the result block
  unsigned* ticket = nullptr;                // finalize's last-block counter, zero between calls
  float decay = 0.999f;
  std::uint32_t bins = 0;
  bool auto_range = false;
};

template <unsigned Stats>
__global__ void __launch_bounds__(stats_block_threads) param_stats_kernel(stats_buffers b) {
  __shared__ block_reduce_storage reduce_storage;
  extern __shared__ unsigned hist_slots[];  // [bins + 2] when Stats has a histogram

  float lo = 0, hi = 0;
  if constexpr ((Stats & plan::weight_histogram) != 0) {
    lo = b.hist_range[0];
    hi = b.hist_range[1];
    for (std::uint32_t s = threadIdx.x; s < b.bins + 2; s += blockDim.x) hist_slots[s] = 0;
    __syncthreads();
  }
  const element_op<Stats> op = make_element_op<Stats>(b.decay, b.bins, lo, hi);
  shared_histogram hist{hist_slots};
  const device_loader ld;

  for (std::uint64_t c = blockIdx.x; c < b.chunks; c += gridDim.x) {
    const std::uint32_t t = tensor_of_chunk(b.table, b.tensors, c);
    const table_entry e = b.table[t];
    thread_partial<Stats> p;
    walk_chunk(e, c - e.first_chunk, threadIdx.x, stats_block_threads, op, p, ld, hist);
    const tensor_stats s = reduce_block<Stats>(p.to_stats(), reduce_storage);
    if (threadIdx.x == 0) b.chunk_partials[c] = s;
  }

  if constexpr ((Stats & plan::weight_histogram) != 0) {
    if (op.hist_bins) {
      __syncthreads();
      for (std::uint32_t s = threadIdx.x; s < b.bins + 2; s += blockDim.x)
        if (hist_slots[s]) atomicAdd(&b.hist_accum[s], static_cast<unsigned long long>(hist_slots[s]));
    }
  }
}

/// Reads a partial another block wrote in this kernel, bypassing L1 (which is not coherent).
__device__ inline tensor_stats load_coherent(const tensor_stats* p) {
  static_assert(sizeof(tensor_stats) % 8 == 0);
  tensor_stats s;
  auto* dst = reinterpret_cast<unsigned long long*>(&s);
  const auto* src = reinterpret_cast<const unsigned long long*>(p);
  for (unsigned k = 0; k < sizeof(tensor_stats) / 8; ++k) dst[k] = __ldcg(src + k);
  return s;
}

template <unsigned Stats>
__global__ void __launch_bounds__(stats_block_threads) param_stats_finalize(stats_buffers b) {
  __shared__ block_reduce_storage reduce_storage;
  __shared__ bool last_block;

  for (std::uint32_t t = blockIdx.x; t < b.tensors; t += gridDim.x) {
    const table_entry& e = b.table[t];
    tensor_stats s;
    for (std::uint64_t c = threadIdx.x; c < e.chunks; c += blockDim.x) s.merge(b.chunk_partials[e.first_chunk + c]);
    s = reduce_block<Stats>(s, reduce_storage);
    if (threadIdx.x == 0) b.results[1 + t] = s;
  }

  __threadfence();  // this block's per-tensor results are visible before its ticket is taken
  if (threadIdx.x == 0) last_block = atomicAdd(b.ticket, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!last_block) return;

  tensor_stats s;
  for (std::uint32_t t = threadIdx.x; t < b.tensors; t += blockDim.x) s.merge(load_coherent(&b.results[1 + t]));
  s = reduce_block<Stats>(s, reduce_storage);
  if (threadIdx.x == 0) {
    b.results[0] = s;
    *b.ticket = 0;
  }
  if constexpr ((Stats & plan::weight_histogram) != 0) {
    const float lo = b.hist_range[0], hi = b.hist_range[1];
    const bool had = lo < hi;
    for (std::uint32_t k = threadIdx.x; k < b.bins + 2; k += blockDim.x) {
      b.hist_out[k] = had ? __ldcg(&b.hist_accum[k]) : 0ull;
      b.hist_accum[k] = 0;
    }
    __syncthreads();  // every thread has read this call's range before thread 0 replaces it
    if (threadIdx.x == 0) {
      b.hist_range_out[0] = lo;
      b.hist_range_out[1] = had ? hi : lo;  // lo == hi: no histogram this call
      if (b.auto_range && s.weight.count > 0) {
        b.hist_range[0] = static_cast<float>(s.weight.min);
        b.hist_range[1] = static_cast<float>(s.weight.max);
      }
    }
  }
}

}  // namespace vitals::detail
