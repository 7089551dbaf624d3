// The host description of a model's parameters for the fused statistics: for each parameter its
// gradient, weight and (optional) EMA buffers, element count and element types.
//
// The table also fixes how the work is cut up, identically for the CPU reference and the CUDA
// kernels: each tensor is split into a scalar head (elements before every buffer reaches 16-byte
// alignment), a body walked in units of 8 elements (16-byte vector loads on the device), and a scalar
// tail; the body is cut into fixed-size chunks, one reduction partial each. Because every chunk's
// partial depends only on the chunk, results are the same whatever the grid size, run to run.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vitals/detail/hd.hpp"
#include "vitals/health/dtype.hpp"

namespace vitals::inline VITALS_ABI {
/// A read-only buffer of `dtype` elements (a device pointer for the CUDA path, a host pointer for
/// the CPU reference). Null means "this parameter has no such buffer" (e.g. a frozen weight's grad).
struct tensor_ref {
  const void* data = nullptr;
  vitals::dtype type = vitals::dtype::f32;
};

/// A writable buffer: the EMA copy of a weight, updated in place when the EMA update is fused in.
struct mutable_tensor_ref {
  void* data = nullptr;
  vitals::dtype type = vitals::dtype::f32;
};

/// One parameter: all its buffers have `numel` elements.
struct param_tensor {
  std::string name;
  std::uint64_t numel = 0;
  tensor_ref grad;
  tensor_ref weight;
  mutable_tensor_ref ema;
};

namespace detail {

/// Threads per block of the statistics kernel, which the CPU reference simulates.
inline constexpr std::uint32_t stats_block_threads = 256;
/// Elements per unit: one 16-byte load of fp16/bf16, two of fp32.
inline constexpr std::uint32_t stats_unit = 8;
/// Units each thread handles per chunk.
inline constexpr std::uint32_t stats_units_per_thread = 8;
/// Elements of a tensor's body per chunk (one reduction partial each).
inline constexpr std::uint64_t stats_chunk_elems =
    std::uint64_t{stats_block_threads} * stats_unit * stats_units_per_thread;

/// The device-side description of one parameter: plain data, copied to the device as is.
struct table_entry {
  const void* grad = nullptr;
  const void* weight = nullptr;
  void* ema = nullptr;
  std::uint64_t numel = 0;
  std::uint64_t head = 0;         // scalar elements [0, head)
  std::uint64_t body = 0;         // unit elements [head, head + body), a multiple of stats_unit
  std::uint64_t first_chunk = 0;  // index of this tensor's first chunk in the whole table
  std::uint64_t chunks = 0;       // 0 for an empty tensor, else max(1, ceil(body / chunk))
  vitals::dtype grad_type = vitals::dtype::f32;
  vitals::dtype weight_type = vitals::dtype::f32;
  vitals::dtype ema_type = vitals::dtype::f32;
  bool vector = false;            // all buffers 16-byte aligned at `head`: vector loads allowed
};

/// The elements one chunk covers: body units [unit_begin, unit_end) (in units from `head`), plus the
/// scalar head (first chunk) and tail (last chunk).
struct chunk_range {
  std::uint64_t unit_begin = 0;
  std::uint64_t unit_end = 0;
  bool has_head = false;
  bool has_tail = false;
};

VITALS_HD inline chunk_range chunk_of(const table_entry& e, std::uint64_t local_chunk) {
  chunk_range r;
  const std::uint64_t units = e.body / stats_unit;
  const std::uint64_t per_chunk = stats_chunk_elems / stats_unit;
  r.unit_begin = local_chunk * per_chunk;
  r.unit_end = r.unit_begin + per_chunk < units ? r.unit_begin + per_chunk : units;
  if (r.unit_begin > units) r.unit_begin = units;
  r.has_head = local_chunk == 0;
  r.has_tail = local_chunk + 1 == e.chunks;
  return r;
}

/// True when `addr + head * size` is 16-byte aligned.
inline bool aligned_at(const void* p, std::uint32_t size, std::uint64_t head) {
  return (reinterpret_cast<std::uintptr_t>(p) + head * size) % 16 == 0;
}

/// Splits one parameter into head / body / tail. The head is the shortest (< stats_unit) that
/// aligns every present buffer; when there is none (buffers misaligned relative to each other, or
/// not even element-aligned) the tensor is walked with scalar loads in the same units and chunks.
VITALS_INLINE table_entry make_entry(const param_tensor& p, std::uint64_t first_chunk);

}  // namespace detail

/// The parameters to take statistics of, registered once: from named buffers (add), host spans
/// (add with spans) or an llm.c-style flat buffer (from_flat_buffers). The table owns the names and
/// the work split; when a framework reallocates a buffer (a gradient set to None and back) rebind
/// it with set_buffers() instead of rebuilding the table (and re-upload a device copy).
class tensor_table {
 public:
  tensor_table() = default;

  /// Adds a parameter. Throws std::invalid_argument when a non-empty parameter has no buffer at
  /// all, or an EMA buffer without a weight (the EMA diff needs both).
  VITALS_INLINE tensor_table& add(param_tensor p);

  /// Convenience: a parameter whose buffers share one dtype.
  tensor_table& add(std::string name, std::uint64_t numel, dtype type, const void* grad,
                    const void* weight, void* ema = nullptr) {
    return add(param_tensor{std::move(name), numel, {grad, type}, {weight, type}, {ema, type}});
  }

  /// Host float32 buffers: `weight` (required), `grad` and `ema` (empty: none), of one size.
  VITALS_INLINE tensor_table& add(std::string name, std::span<const float> weight, std::span<const float> grad = {},
                                  std::span<float> ema = {});

  /// An llm.c-style model: every parameter tensor packed one after another in one buffer (and the
  /// gradients, and optionally the EMA, in buffers of the same layout), tensor i being `sizes[i]`
  /// elements of `type` named `names[i]`. Pointers are host or device pointers; null: none.
  VITALS_INLINE static tensor_table from_flat_buffers(std::span<const std::string> names,
                                                      std::span<const std::uint64_t> sizes, dtype type,
                                                      const void* weights, const void* grads, void* ema = nullptr);

  /// Points parameter `i` at new buffers (same numel and dtypes); null: none. Cheap (the work
  /// split is recomputed, nothing allocated per parameter).
  VITALS_INLINE void set_buffers(std::size_t i, const void* grad, const void* weight, void* ema);

  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  const std::vector<param_tensor>& params() const { return params_; }
  const param_tensor& operator[](std::size_t i) const { return params_[i]; }
  std::uint64_t total_numel() const { return total_numel_; }

  /// The per-parameter work split, as uploaded to the device.
  const std::vector<detail::table_entry>& entries() const { return entries_; }
  std::uint64_t total_chunks() const { return total_chunks_; }

 private:
  std::vector<param_tensor> params_;
  std::vector<detail::table_entry> entries_;
  std::uint64_t total_chunks_ = 0;
  std::uint64_t total_numel_ = 0;
};

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/health/tensor_table.ipp"
#endif
