// The NCCL back end on a 1-rank communicator (ctest label `gpu`; scripts/gpu_check.sh runs it):
// the host path (what vitals::dist::merge uses), the device gather captured in a CUDA graph and
// replayed, and a sharded merge through it. Without a CUDA device it prints "skipped: no CUDA
// device" and exits 77 (ctest SKIP).
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "vitals/dist/merge.hpp"
#include "vitals/nccl.cuh"

namespace {

int failures = 0;
#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::printf("%s:%d: EXPECT(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

void cuda(cudaError_t e, const char* what) { vitals::detail::cuda_check(e, what); }

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("skipped: no CUDA device\n");
    return 77;
  }
  try {
    ncclComm_t nc;
    const int dev0 = 0;
    if (ncclCommInitAll(&nc, 1, &dev0) != ncclSuccess) {
      std::printf("FAIL: ncclCommInitAll on one GPU\n");
      return 1;
    }
    cudaStream_t stream;
    cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    {
      vitals::dist::nccl_communicator comm(nc, stream);
      EXPECT(comm.rank() == 0);
      EXPECT(comm.size() == 1);

      // Host path: a 1-rank sum is the identity, bit for bit (also for the bits of doubles).
      std::vector<std::uint64_t> words = {1, 2, 0xfff8000000000000ull, ~0ull};
      const auto before = words;
      comm.allreduce_sum(words);
      EXPECT(words == before);
      EXPECT(vitals::dist::broadcast_from_zero(comm, "run-id-42") == "run-id-42");

      // Device path in a CUDA graph: pack a result, gather it on the device, replay twice.
      constexpr vitals::stat_set S = vitals::param_stat::grad | vitals::param_stat::weight;
      std::vector<float> g(1000), w(1000);
      for (int i = 0; i < 1000; ++i) {
        g[i] = 1e-3f * static_cast<float>(i % 17 - 8);
        w[i] = 0.01f * static_cast<float>(i % 101 - 50);
      }
      vitals::tensor_table table;
      table.add("w", 1000, vitals::dtype::f32, g.data(), w.data(), nullptr);
      const auto res = vitals::compute_param_stats<S>(table);
      const auto slot = vitals::dist::pack(res, vitals::dist::tensor_kind::sharded);
      std::uint64_t *d_slot = nullptr, *d_all = nullptr;
      const std::size_t bytes = slot.size() * sizeof(std::uint64_t);
      cuda(cudaMalloc(&d_slot, bytes), "cudaMalloc");
      cuda(cudaMalloc(&d_all, bytes), "cudaMalloc");
      cuda(cudaMemcpy(d_slot, slot.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
      cudaGraph_t graph;
      cudaGraphExec_t exec;
      cuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
      comm.all_gather_device(d_slot, slot.size(), d_all);
      cuda(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
      cuda(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
      for (int replay = 0; replay < 2; ++replay) {
        cuda(cudaMemsetAsync(d_all, 0xab, bytes, stream), "cudaMemsetAsync");
        cuda(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
        std::vector<std::uint64_t> all(slot.size());
        cuda(cudaMemcpyAsync(all.data(), d_all, bytes, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync");
        cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        EXPECT(all == slot);
        auto merged = res;
        vitals::dist::merge_gathered(all, 1, merged, vitals::dist::tensor_kind::sharded);
        EXPECT(merged.grad_norm() == res.grad_norm());
        EXPECT(merged.weight_std() == res.weight_std());
      }
      std::printf("graph: all_gather_device captured and replayed twice\n");
      cudaGraphExecDestroy(exec);
      cudaGraphDestroy(graph);
      cudaFree(d_slot);
      cudaFree(d_all);
    }
    ncclCommDestroy(nc);
    cudaStreamDestroy(stream);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
  std::printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
  return failures ? 1 : 0;
}
