// Statistics merged over the ranks of a distributed job, with the right rule for each kind:
//
//  - Per-rank data (batch loss, accuracy, data_stats, the batch-loss half of epoch_step_stats):
//    every rank saw different samples, so the partials are merged: the result is the statistics
//    of all ranks' data together.
//  - Parameters replicated by data parallelism (DDP): after the gradient all-reduce every rank
//    holds the same averaged gradient and the same weights. They are NOT merged: summing the
//    squares of four identical copies would report a grad norm 2x (sqrt(4)) too large. Each rank
//    keeps its own, identical, result; merge_options::check_replicas compares them across ranks
//    (a debugging aid: a mismatch means the ranks have diverged).
//  - Parameters sharded across ranks (FSDP, ZeRO): each rank holds a piece of every tensor, so
//    the per-tensor partials (count, mean, M2, min, max, sums of squares and |x|, non-finite
//    counts) and the histogram counts are merged into the statistics of the whole tensors, and the
//    totals recomputed from them.
// The caller says which kind a param_stats_result is (tensor_kind).
//
// Every function here is a collective: every rank calls it, in the same order, with the same
// shape (the same number of accumulators, tensors and histogram bins), including ranks whose
// run.log() does nothing. One call = one all_gather = one all-reduce of one packed buffer
// (communicator.hpp says why a gather and not a reduction: the merge is Chan's exact pairwise
// update in float64, in rank order, so every rank gets the same bits, run after run).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "vitals/dist/communicator.hpp"
#include "vitals/health/accumulator.hpp"
#include "vitals/health/data_stats.hpp"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/step_stats.hpp"

namespace vitals::inline VITALS_ABI::dist {
/// How a tensor table's statistics relate across ranks (see the top of this file).
enum class tensor_kind : std::uint8_t { replicated, sharded };

struct merge_options {
  /// Replicated statistics: compare every rank's result with rank 0's (one collective) and throw
  /// replica_mismatch on every rank when they differ. Off: replicated statistics cost nothing.
  bool check_replicas = false;
  /// Relative tolerance of that comparison; 0 demands identical values (DDP's all-reduce gives
  /// every rank the same bits).
  double replica_tolerance = 0;
};

/// Replicated statistics differ between ranks (merge_options::check_replicas).
class replica_mismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

// Packed layouts are the structs' own bytes: 8-byte fields only, so no padding, and a device
// buffer of tensor_stats (the CUDA kernels' results) packs the same way.
static_assert(std::is_trivially_copyable_v<accumulator> && sizeof(accumulator) == 9 * 8);
static_assert(std::is_trivially_copyable_v<tensor_stats> && sizeof(tensor_stats) == 21 * 8);
inline constexpr std::size_t accumulator_words = sizeof(accumulator) / 8;
inline constexpr std::size_t tensor_stats_words = sizeof(tensor_stats) / 8;

// The first word of every slot: what was packed and how much, so ranks that packed different
// things fail loudly instead of merging nonsense.
VITALS_INLINE std::uint64_t shape_word(std::uint64_t tag, std::uint64_t a, std::uint64_t b = 0);

VITALS_INLINE void check_shapes(std::span<const std::uint64_t> all, std::size_t slot, int world, const char* what);

template <class T>
void put(std::uint64_t* out, const T& v) {
  std::memcpy(out, static_cast<const void*>(&v), sizeof(T));
}
template <class T>
T get(const std::uint64_t* in) {
  T v;
  std::memcpy(static_cast<void*>(&v), in, sizeof(T));
  return v;
}

// |a - b| <= tol * max(|a|, |b|); NaN equals NaN (a replica that is NaN everywhere agrees).
VITALS_INLINE bool close(double a, double b, double tol);

VITALS_INLINE bool same_stats(const tensor_stats& a, const tensor_stats& b, double tol);

VITALS_INLINE tensor_stats as_stats(const accumulator& a);

}  // namespace detail

/// Merges each accumulator over all ranks, in place: partials[i] becomes the statistics of every
/// rank's partials[i] together (Chan's update, in rank order).
VITALS_INLINE void merge(communicator& comm, std::span<accumulator> partials);

inline void merge(communicator& comm, accumulator& a) { merge(comm, std::span<accumulator>(&a, 1)); }

/// Sums each value over all ranks, in place, adding in rank order (the same bits on every rank):
/// correct-prediction and sample counts for an accuracy, loss sums.
VITALS_INLINE void sum(communicator& comm, std::span<double> values);

/// The weighted mean of one value per rank (a batch loss weighted by the batch's sample count):
/// sum(value * weight) / sum(weight) over ranks; NaN when every weight is 0.
VITALS_INLINE double mean(communicator& comm, double value, double weight = 1);

/// The dataset statistics of every rank's batches together (each channel and the total).
VITALS_INLINE void merge(communicator& comm, data_stats& stats);

/// An epoch's step statistics: the batch losses of every rank merged (per-rank data); the global
/// grad norm is replicated (every rank computed the same global norm, after DDP's all-reduce or
/// after merging sharded statistics), so it is kept, and only compared when checking replicas.
VITALS_INLINE void merge(communicator& comm, epoch_step_stats& stats, const merge_options& opt = {});

/// The words one rank contributes to merging `res` (its slot of all_gather): shape, computed
/// flags, histogram range, under/overflow, every tensor's partials (the tensor_stats bytes), the
/// histogram counts. For gathering on the device (nccl_communicator::all_gather_device).
VITALS_INLINE std::vector<std::uint64_t> pack(const param_stats_result& res, tensor_kind kind);

/// Merges every rank's slot (pack(), gathered in rank order: `all` holds `world` of them) into
/// `res`, by `kind` (see merge below). Throws on every rank alike when the slots disagree in shape.
VITALS_INLINE void merge_gathered(std::span<const std::uint64_t> all, int world, param_stats_result& res, tensor_kind kind,
                           const merge_options& opt = {});

/// Parameter statistics of one call (compute_param_stats, device_param_stats::result()), merged
/// according to `kind` (see the top of this file): replicated statistics are left as they are
/// (compared across ranks, one collective, with check_replicas); sharded ones become those of the
/// whole tensors. Sharded: every rank's table lists the same tensors in the same order (a rank
/// holding no piece of a tensor lists it with numel 0); the histogram counts are summed when every
/// rank used the same range and bins, and dropped (on every rank) otherwise: give sharded tensors
/// a fixed histogram range.
VITALS_INLINE void merge(communicator& comm, param_stats_result& res, tensor_kind kind, const merge_options& opt = {});

}  // namespace vitals::dist

#if VITALS_HEADER_BODIES
#include "vitals/dist/merge.ipp"
#endif
