// The CPU reference's throughput (it is the specification of the kernels, not a fast path: it
// simulates the kernel's 256 threads per chunk with scalar loads), against memcpy on the same bytes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "vitals/health/param_stats.hpp"

namespace {

constexpr std::uint64_t n = 1 << 22;  // 4M elements per buffer

struct data {
  std::vector<float> g, w, e;
  data() : g(n), w(n), e(n) {
    std::mt19937 rng(1);
    std::normal_distribution<float> nd;
    for (std::uint64_t i = 0; i < n; ++i) g[i] = nd(rng), w[i] = nd(rng), e[i] = w[i];
  }
};

data& get() {
  static data d;
  return d;
}

template <unsigned S>
void bm_stats(benchmark::State& state) {
  auto& d = get();
  vitals::tensor_table t;
  t.add("p", n, vitals::dtype::f32, d.g.data(), d.w.data(), d.e.data());
  for (auto _ : state) benchmark::DoNotOptimize(vitals::detail::run_plan<S>(t));
  const std::uint64_t bufs = (S & vitals::detail::plan::grad ? 1 : 0) + (S & ~vitals::detail::plan::grad ? 1 : 0) +
                             (S & vitals::detail::plan::ema_diff ? 1 : 0) + (S & vitals::detail::plan::ema_update ? 1 : 0);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 4 * bufs));
}

void bm_memcpy(benchmark::State& state) {
  auto& d = get();
  std::vector<float> dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), d.w.data(), n * 4);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 4 * 2));
}

}  // namespace

BENCHMARK(bm_memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_stats<vitals::detail::plan::grad>)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_stats<vitals::detail::plan::grad | vitals::detail::plan::weight | vitals::detail::plan::ema_diff | vitals::detail::plan::ema_update>)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
