// nvcc's baseline: what vitals' CUDA statistics depend on (the CUDA runtime, CUB's block reduction,
// the standard library), with one kernel. Their host side includes no fmt, simdjson or yaml-cpp.
#include <cuda_runtime.h>

#include <cub/block/block_reduce.cuh>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

__global__ void sum(const float* x, float* out) {
  using reduce = cub::BlockReduce<float, 256>;
  __shared__ typename reduce::TempStorage tmp;
  float s = reduce(tmp).Sum(x[threadIdx.x]);
  if (threadIdx.x == 0) *out = s;
}

int main() {
  std::vector<std::string> names{"w"};
  if (cudaGetLastError() != cudaSuccess) throw std::runtime_error(names[0]);
  sum<<<1, 256>>>(nullptr, nullptr);
  return static_cast<int>(names.size()) - 1;
}
