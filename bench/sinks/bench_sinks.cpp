// Logging cost on the caller's thread (ns per scalar, allocations per step) and end-to-end
// records/s into JSONL + CSV. Run through run_bench.sh, which also times Python's wandb.log.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <unistd.h>

#include "vitals/run.hpp"

// Reflected types need external linkage (clang -Wundefined-internal): outside the anonymous namespace.
namespace bench_sinks {
struct grad_stats {
  double norm, max;
};
struct weight_stats {
  double mean, std, max;
};
struct train_metrics {
  double loss, acc, lr;
  int epoch;
  grad_stats grad;
  weight_stats weight;
  double val_loss;
};
}  // namespace bench_sinks
using bench_sinks::train_metrics;

namespace {
thread_local bool counting = false;
thread_local long allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::filesystem::path bench_dir() {
  // Removed when the benchmark exits.
  static struct scratch {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("vitals_bench_sinks_" + std::to_string(::getpid()));
    ~scratch() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } dir;
  std::filesystem::create_directories(dir.path);
  return dir.path;
}

vitals::run_options options(const char* sinks) {
  vitals::run_options o;
  o.project = "bench";
  o.dir = bench_dir();
  o.sinks = sinks;
  o.capture_git = false;
  o.handle_signals = false;
  o.pipeline.queue_capacity = 4096;
  return o;
}

inline void log_step(vitals::run& run, std::int64_t i) {
  double x = static_cast<double>(i) * 1e-6;
  run.log({{"train/loss", x}, {"train/acc", 1 - x}, {"lr", 1e-4}, {"epoch", i / 1000}, {"grad/norm", 2 * x},
           {"grad/max", 3 * x}, {"weight/mean", x}, {"weight/std", x}, {"weight/max", x}, {"val/loss", x}});
}


// Caller-side cost: the writer drains into JSONL + CSV concurrently (policy block, so the number
// includes any back-pressure from the writer on this 2-core machine).
void BM_log_10_scalars(benchmark::State& state, const char* sinks) {
  vitals::run run(options(sinks));
  std::int64_t i = 0;
  for (int w = 0; w < 5000; ++w) log_step(run, i++);
  allocations = 0;
  counting = true;
  for (auto _ : state) log_step(run, i++);
  counting = false;
  // CPU time of the caller's thread per scalar (the cost logging adds to training code); the
  // wall "Time" column also includes waiting for the writer when it is slower (policy block).
  state.counters["cpu_ns_per_scalar"] = benchmark::Counter(static_cast<double>(state.iterations()) * 10,
                                                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_step"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  run.finish();
  std::filesystem::remove_all(run.dir());
}
BENCHMARK_CAPTURE(BM_log_10_scalars, no_sinks, "")->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_log_10_scalars, jsonl_csv, "jsonl,csv")->Unit(benchmark::kNanosecond);

void BM_log_struct_10_fields(benchmark::State& state) {
  vitals::run run(options("jsonl,csv"));
  train_metrics m{};
  for (int w = 0; w < 5000; ++w) run.log(vitals::prefixed("train/", m));
  allocations = 0;
  counting = true;
  for (auto _ : state) {
    m.loss += 1e-6;
    run.log(vitals::prefixed("train/", m));
  }
  counting = false;
  // CPU time of the caller's thread per scalar (the cost logging adds to training code); the
  // wall "Time" column also includes waiting for the writer when it is slower (policy block).
  state.counters["cpu_ns_per_scalar"] = benchmark::Counter(static_cast<double>(state.iterations()) * 10,
                                                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_step"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  run.finish();
  std::filesystem::remove_all(run.dir());
}
BENCHMARK(BM_log_struct_10_fields)->Unit(benchmark::kNanosecond);

// End to end (writer included): 100,000 steps of 10 scalars from the first log() to finish() (files closed).
void BM_end_to_end(benchmark::State& state, const char* sinks) {
  const std::int64_t steps = 100000;
  for (auto _ : state) {
    vitals::run run(options(sinks));
    for (std::int64_t i = 0; i < steps; ++i) log_step(run, i);
    run.finish();
    state.PauseTiming();
    std::filesystem::remove_all(run.dir());
    state.ResumeTiming();
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * steps), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_end_to_end, jsonl_csv, "jsonl,csv")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_end_to_end, jsonl, "jsonl")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_end_to_end, csv, "csv")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_CAPTURE(BM_end_to_end, no_sinks, "")->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
