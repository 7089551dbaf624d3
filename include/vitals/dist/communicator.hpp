// The one collective vitals needs from a distributed job: an in-place element-wise sum of 64-bit
// words over every rank. The MPI (vitals/dist/mpi.hpp) and NCCL (cuda/vitals/nccl.cuh) back ends
// implement it on the user's own communicator; vitals has no transport of its own.
//
// Why a sum of words is enough: vitals gathers with it. Each rank writes its packed partial into
// its own slot of a buffer of world_size slots, zeros everywhere else, and the sum leaves every
// rank with every rank's partial, bit for bit (x + 0 == x for 64-bit integers, whatever the
// words hold: counts, or the bits of doubles). Each rank then merges the partials itself, in rank
// order, with the exact merge rules (Chan's update for mean/M2, min, max, sums); the result is the
// same bits on every rank and from run to run, and any layout or merge rule fits through one
// all-reduce of one buffer, on either back end (NCCL has no user-defined reduction operators).
// The price is a buffer world_size times the partial: statistics are kilobytes, so latency, not
// bandwidth, is what one call costs.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitals::inline VITALS_ABI::dist {
/// A group of processes that can sum 64-bit words. allreduce_sum is a collective: every rank
/// calls it with the same number of words, in the same order relative to its other collectives.
class communicator {
 public:
  virtual ~communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// words[i] <- sum over ranks of words[i] (modulo 2^64), on every rank.
  virtual void allreduce_sum(std::span<std::uint64_t> words) = 0;
};

/// A one-process group: every collective is the identity. What a program that is not launched
/// distributed uses, so the same code runs with and without a launcher.
class local_communicator final : public communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(std::span<std::uint64_t>) override {}
};

/// Every rank's `slot` (the same number of words on each), concatenated in rank order: one
/// all-reduce of world_size * slot.size() words (see the top of this file).
inline std::vector<std::uint64_t> all_gather(communicator& comm, std::span<const std::uint64_t> slot) {
  const auto n = slot.size();
  const auto world = static_cast<std::size_t>(comm.size());
  const auto me = static_cast<std::size_t>(comm.rank());
  if (me >= world) throw std::logic_error("vitals::dist::all_gather: rank outside the communicator");
  std::vector<std::uint64_t> all(n * world, 0);
  for (std::size_t i = 0; i < n; ++i) all[me * n + i] = slot[i];
  comm.allreduce_sum(all);
  return all;
}

/// Rank 0's string on every rank (a collective; `value` matters only on rank 0). At most 4096
/// bytes; used to agree on a run id when the user hands vitals a communicator.
inline std::string broadcast_from_zero(communicator& comm, const std::string& value) {
  constexpr std::size_t max_bytes = 4096;
  std::vector<std::uint64_t> words(1 + max_bytes / 8, 0);
  if (comm.rank() == 0) {
    if (value.size() > max_bytes) throw std::invalid_argument("vitals::dist::broadcast_from_zero: value too long");
    words[0] = value.size();
    for (std::size_t i = 0; i < value.size(); ++i)
      words[1 + i / 8] |= std::uint64_t{static_cast<unsigned char>(value[i])} << (8 * (i % 8));
  }
  comm.allreduce_sum(words);
  std::string out(static_cast<std::size_t>(words[0] <= max_bytes ? words[0] : 0), '\0');
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>((words[1 + i / 8] >> (8 * (i % 8))) & 0xff);
  return out;
}

}  // namespace vitals::dist
