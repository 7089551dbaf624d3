// Fused parameter statistics on a GPU, measured against device-to-device memcpy in the same run.
//
// Tensor sets: GPT-2-small shapes (148 tensors, 124M parameters) and 10,000 tiny tensors; fp32 and
// bf16. For each: time per call of the full bundle (global + per-tensor grad norm, weight
// mean|w|/std/max, EMA diff, fused EMA update) and of the grad norm alone; achieved bandwidth
// (bytes read + written / time) as a fraction of memcpy's (2 x bytes copied / time); kernel nodes
// of the captured CUDA graph. Compare with bench/gpu/torch_baseline.py on the same device.
#include <cuda_runtime.h>

#include <cstdio>
#include <string>
#include <vector>

#include "vitals/cuda.cuh"

using namespace vitals;

namespace {

struct tensor_set {
  std::string name;
  std::vector<std::uint64_t> numels;
};

tensor_set gpt2_small() {
  tensor_set s{"gpt2-small (148 tensors)", {}};
  const std::uint64_t d = 768, v = 50257, ctx = 1024;
  s.numels = {v * d, ctx * d};
  for (int l = 0; l < 12; ++l)
    for (std::uint64_t n : {d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d}) s.numels.push_back(n);
  s.numels.push_back(d);
  s.numels.push_back(d);
  return s;
}

tensor_set tiny() {
  tensor_set s{"10k tiny tensors", {}};
  std::uint64_t x = 12345;
  for (int i = 0; i < 10000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    s.numels.push_back(64 + (x >> 33) % 4000);
  }
  return s;
}

template <class F>
float time_ms(F&& f, int iters, cudaStream_t stream) {
  cudaEvent_t a, b;
  cudaEventCreate(&a), cudaEventCreate(&b);
  for (int i = 0; i < 3; ++i) f();
  cudaEventRecord(a, stream);
  for (int i = 0; i < iters; ++i) f();
  cudaEventRecord(b, stream);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a), cudaEventDestroy(b);
  return ms / iters;
}

template <unsigned S>
int graph_kernel_nodes(detail::device_stats_engine<S>& st, cudaStream_t stream) {
  cudaGraph_t g;
  cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  st.launch(stream);
  cudaStreamEndCapture(stream, &g);
  std::size_t n = 0;
  cudaGraphGetNodes(g, nullptr, &n);
  std::vector<cudaGraphNode_t> nodes(n);
  cudaGraphGetNodes(g, nodes.data(), &n);
  int k = 0;
  for (auto node : nodes) {
    cudaGraphNodeType t;
    cudaGraphNodeGetType(node, &t);
    k += t == cudaGraphNodeTypeKernel;
  }
  cudaGraphDestroy(g);
  return k;
}

void run(const tensor_set& set, dtype t, cudaStream_t stream) {
  std::uint64_t total = 0;
  for (auto n : set.numels) total += n;
  const std::size_t es = dtype_size(t);
  // One slab per buffer kind; tensors 16-byte aligned inside it, as a caching allocator gives them.
  std::uint64_t padded = 0;
  for (auto n : set.numels) padded += (n * es + 255) / 256 * 256;
  char *g, *w, *e, *copy_dst;
  detail::cuda_check(cudaMalloc(&g, padded), "cudaMalloc");
  detail::cuda_check(cudaMalloc(&w, padded), "cudaMalloc");
  detail::cuda_check(cudaMalloc(&e, padded), "cudaMalloc");
  detail::cuda_check(cudaMalloc(&copy_dst, padded), "cudaMalloc");
  cudaMemset(g, 0x11, padded), cudaMemset(w, 0x22, padded), cudaMemset(e, 0x22, padded);
  tensor_table table, grads_only;
  std::uint64_t off = 0;
  for (std::size_t i = 0; i < set.numels.size(); ++i) {
    table.add("p" + std::to_string(i), set.numels[i], t, g + off, w + off, e + off);
    grads_only.add(param_tensor{"p" + std::to_string(i), set.numels[i], {g + off, t}, {}, {}});
    off += (set.numels[i] * es + 255) / 256 * 256;
  }
  constexpr unsigned bundle = detail::plan::grad | detail::plan::weight | detail::plan::ema_diff | detail::plan::ema_update;
  detail::device_stats_engine<bundle> full(table);
  detail::device_stats_engine<detail::plan::grad> gn(grads_only);
  const int iters = 20;
  const float memcpy_ms = time_ms([&] { cudaMemcpyAsync(copy_dst, w, total * es, cudaMemcpyDeviceToDevice, stream); }, iters, stream);
  const double memcpy_bw = 2.0 * total * es / (memcpy_ms * 1e-3);
  const float full_ms = time_ms([&] { full.launch(stream); }, iters, stream);
  const float gn_ms = time_ms([&] { gn.launch(stream); }, iters, stream);
  const double full_bw = detail::device_stats_engine<bundle>::bytes_moved(table) / (full_ms * 1e-3);
  const double gn_bw = detail::device_stats_engine<detail::plan::grad>::bytes_moved(grads_only) / (gn_ms * 1e-3);
  std::printf("| %s | %s | %.1f M | %.3f | %.0f | %.3f | %.0f (%.0f%%) | %.3f | %.0f (%.0f%%) | %d |\n", set.name.c_str(),
              std::string(dtype_name(t)).c_str(), total / 1e6, memcpy_ms, memcpy_bw / 1e9, full_ms, full_bw / 1e9,
              100 * full_bw / memcpy_bw, gn_ms, gn_bw / 1e9, 100 * gn_bw / memcpy_bw, graph_kernel_nodes(full, stream));
  cudaStreamSynchronize(stream);
  cudaFree(g), cudaFree(w), cudaFree(e), cudaFree(copy_dst);
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("gpu_stats_bench: no CUDA device; nothing measured\n");
    return 0;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  std::printf("device: %s\n\n", prop.name);
  std::printf("| tensor set | dtype | params | memcpy ms | memcpy GB/s | bundle ms | bundle GB/s (of memcpy) | grad-norm ms | grad-norm GB/s (of memcpy) | graph kernel nodes |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  cudaStream_t stream;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  for (const auto& set : {gpt2_small(), tiny()})
    for (dtype t : {dtype::f32, dtype::bf16}) run(set, t, stream);
  cudaStreamDestroy(stream);
  return 0;
}
