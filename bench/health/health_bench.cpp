// bench/health: (1) statistics of a 100M-float buffer vs memcpy of the same buffer in the same run
// (goal: >= 60% of memcpy's bandwidth on one core), (2) one epoch's evaluation of the default rule
// set (goal: < 1 us). Bandwidth = bytes of the 100M-float buffer per second for both.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "vitals/health.hpp"

namespace {

constexpr std::size_t kFloats = 100'000'000;

const std::vector<float>& buffer() {
  static const std::vector<float> data = [] {
    std::vector<float> d(kFloats);
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.5f, 2.0f);
    for (std::size_t i = 0; i < 4096; ++i) d[i] = dist(rng);
    for (std::size_t i = 4096; i < kFloats; ++i) d[i] = d[i % 4096] + static_cast<float>(i % 7);
    return d;
  }();
  return data;
}

void BM_memcpy_100M(benchmark::State& state) {
  const auto& src = buffer();
  std::vector<float> dst(kFloats, 0.0f);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kFloats * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFloats * sizeof(float)));
}

void BM_accumulate_100M(benchmark::State& state) {
  const auto& src = buffer();
  for (auto _ : state) {
    auto a = vitals::accumulate(std::span<const float>(src));
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFloats * sizeof(float)));
}

void BM_accumulate_bf16_100M(benchmark::State& state) {
  static const std::vector<std::uint16_t> half = [] {
    const auto& f = buffer();
    std::vector<std::uint16_t> h(kFloats);
    for (std::size_t i = 0; i < kFloats; ++i) h[i] = vitals::float_to_bf16(f[i]);
    return h;
  }();
  for (auto _ : state) {
    auto a = vitals::accumulate(half.data(), half.size(), vitals::dtype::bf16);
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFloats * sizeof(std::uint16_t)));
}

// The element-by-element Welford path, for contrast (10M floats).
void BM_welford_add_10M(benchmark::State& state) {
  const auto& src = buffer();
  for (auto _ : state) {
    vitals::accumulator a;
    for (std::size_t i = 0; i < 10'000'000; ++i) a.add(src[i]);
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 10'000'000 * sizeof(float)));
}

// One epoch: every metric the default rules read is observed, then evaluate(). Healthy values, so
// no alert is printed; the first (not timed) call reports nothing as "not evaluated" either.
void BM_default_rules_epoch(benchmark::State& state) {
  vitals::health_monitor_options opts;
  opts.console = false;
  vitals::health_monitor m(opts);
  const std::pair<const char*, double> epoch[] = {
      {"train/grad_norm_mean", 1.0}, {"train/grad_norm_std", 0.5},  {"train/grad_norm_max", 3.0},
      {"model/weight_max", 1.0},     {"model/weight_mean", 0.05},   {"model/ema_diff", 0.01},
      {"train/batch_loss_std", 0.3}, {"train/batch_loss_cv", 0.2},  {"validation/gen_std", 0.8},
      {"validation/gen_range", 2.0}, {"train/is_improving", 1.0},   {"loss_ratio/simple", 0.5},
      {"loss_ratio/vel", 0.5},       {"validation/knee_healthy", 1}, {"validation/grf_healthy", 1}};
  auto feed = [&] {
    for (const auto& [k, v] : epoch) m.observe(k, v);
  };
  feed();
  m.evaluate(0);
  std::int64_t e = 1;
  const bool evaluate_only = state.range(0) == 1;
  for (auto _ : state) {
    if (evaluate_only) {
      state.PauseTiming();
      feed();
      state.ResumeTiming();
    } else {
      feed();
    }
    benchmark::DoNotOptimize(m.evaluate(e++).metrics.data());
  }
  state.SetLabel(evaluate_only ? "evaluate() only" : "15 observe() + evaluate()");
}

}  // namespace

BENCHMARK(BM_memcpy_100M)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_accumulate_100M)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_memcpy_100M)->Unit(benchmark::kMillisecond)->MinTime(1.0)->Name("BM_memcpy_100M_again");
BENCHMARK(BM_accumulate_bf16_100M)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_welford_add_10M)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(BM_default_rules_epoch)->Arg(0)->Unit(benchmark::kNanosecond)->MinTime(0.5);
BENCHMARK(BM_default_rules_epoch)->Arg(1)->Unit(benchmark::kNanosecond)->MinTime(0.5);

BENCHMARK_MAIN();
