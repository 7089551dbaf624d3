// nvcc's baseline: vitals' dependencies for a .cu file (CUB's block reduction, fmt as nvcc needs it,
// Boost.PFR) with one use of each, and one kernel.
#define FMT_USE_CONSTEXPR 1
#include <boost/pfr.hpp>
#include <cub/block/block_reduce.cuh>
#include <fmt/format.h>

#include <string>

struct Config {
  int epochs = 3;
  double lr = 0.1;
};

__global__ void sum(const float* x, float* out) {
  using reduce = cub::BlockReduce<float, 256>;
  __shared__ typename reduce::TempStorage tmp;
  float s = reduce(tmp).Sum(x[threadIdx.x]);
  if (threadIdx.x == 0) *out = s;
}

int main() {
  Config c;
  std::string out;
  boost::pfr::for_each_field(c, [&](auto& v) { out += fmt::format("{} ", v); });
  sum<<<1, 256>>>(nullptr, nullptr);
  return out.empty();
}
