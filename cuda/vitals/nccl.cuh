// The NCCL back end: a vitals::dist::communicator over the user's NCCL communicator and stream
// (needs nccl.h and libnccl; CMake target vitals::nccl). vitals never creates, splits or destroys
// the communicator: the program owns it, and it must outlive this object.
//
//   vitals::dist::nccl_communicator comm(nccl_comm, stream);
//   vitals::dist::merge(comm, stats, vitals::dist::tensor_kind::sharded);   // every rank calls it
//
// Two paths, one collective each (ncclAllReduce of ncclUint64 with ncclSum, see
// vitals/dist/communicator.hpp for why a sum of words gathers exactly):
//  - allreduce_sum(host words): what vitals::dist::merge uses. Copies the words to a device buffer,
//    all-reduces on the user's stream, copies them back and waits for that stream: the merge needs
//    the answer on the host. Not for use inside a CUDA-graph capture.
//  - allreduce_sum_device / all_gather_device(device words): enqueued on the stream, never
//    synchronising, so capturable in a CUDA graph; the caller reads the words once the stream (or
//    the graph) has run them, and merges them with vitals::dist::merge_gathered.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>

#include "vitals/cuda_check.cuh"
#include "vitals/dist/communicator.hpp"

namespace vitals::inline VITALS_ABI::dist {
class nccl_communicator final : public communicator {
 public:
  nccl_communicator(ncclComm_t comm, cudaStream_t stream = nullptr) : comm_(comm), stream_(stream) {
    check(ncclCommUserRank(comm_, &rank_), "ncclCommUserRank");
    check(ncclCommCount(comm_, &size_), "ncclCommCount");
  }
  nccl_communicator(const nccl_communicator&) = delete;
  nccl_communicator& operator=(const nccl_communicator&) = delete;
  ~nccl_communicator() override {
    if (dev_) cudaFree(dev_);
    if (host_) cudaFreeHost(host_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  ncclComm_t handle() const { return comm_; }
  cudaStream_t stream() const { return stream_; }

  /// Host words, in place; returns when they hold the sum (waits for the stream).
  void allreduce_sum(std::span<std::uint64_t> words) override {
    if (words.empty()) return;
    reserve(words.size());
    const std::size_t bytes = words.size_bytes();
    std::memcpy(host_, words.data(), bytes);
    vitals::detail::cuda_check(cudaMemcpyAsync(dev_, host_, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync(vitals nccl words)");
    allreduce_sum_device(dev_, words.size());
    vitals::detail::cuda_check(cudaMemcpyAsync(host_, dev_, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync(vitals nccl words)");
    vitals::detail::cuda_check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize(vitals nccl merge)");
    std::memcpy(words.data(), host_, bytes);
  }

  /// Device words, in place, enqueued on the stream; capturable in a CUDA graph.
  void allreduce_sum_device(std::uint64_t* words, std::size_t n) {
    check(ncclAllReduce(words, words, n, ncclUint64, ncclSum, comm_, stream_), "ncclAllReduce");
  }

  /// Every rank's `slot` (n device words) into `gathered` (n * size() device words, rank order),
  /// enqueued on the stream; capturable in a CUDA graph. `slot` may lie inside `gathered` only at
  /// this rank's own position.
  void all_gather_device(const std::uint64_t* slot, std::size_t n, std::uint64_t* gathered) {
    auto* mine = gathered + static_cast<std::size_t>(rank_) * n;
    vitals::detail::cuda_check(cudaMemsetAsync(gathered, 0, n * static_cast<std::size_t>(size_) * sizeof(std::uint64_t), stream_),
                       "cudaMemsetAsync(vitals nccl gather)");
    if (slot != mine)
      vitals::detail::cuda_check(cudaMemcpyAsync(mine, slot, n * sizeof(std::uint64_t), cudaMemcpyDeviceToDevice, stream_),
                         "cudaMemcpyAsync(vitals nccl gather)");
    allreduce_sum_device(gathered, n * static_cast<std::size_t>(size_));
  }

 private:
  static void check(ncclResult_t r, const char* what) {
    if (r != ncclSuccess) throw std::runtime_error(std::string("vitals::dist: ") + what + " failed: " + ncclGetErrorString(r));
  }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    if (dev_) cudaFree(dev_);
    if (host_) cudaFreeHost(host_);
    dev_ = nullptr;
    host_ = nullptr;
    capacity_ = 0;
    vitals::detail::cuda_check(cudaMalloc(&dev_, n * sizeof(std::uint64_t)), "cudaMalloc(vitals nccl words)");
    vitals::detail::cuda_check(cudaMallocHost(&host_, n * sizeof(std::uint64_t)), "cudaMallocHost(vitals nccl words)");
    capacity_ = n;
  }

  ncclComm_t comm_;
  cudaStream_t stream_;
  int rank_ = 0, size_ = 1;
  std::uint64_t* dev_ = nullptr;
  std::uint64_t* host_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace vitals::dist
