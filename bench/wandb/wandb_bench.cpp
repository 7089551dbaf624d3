// History records per second through vitals::wandb_sink (offline, real files), 10 scalars per step
// as in bench/wandb/python_wandb_log.py, which measures Python's wandb.log on the same data.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "vitals/sinks/wandb.hpp"
#include "vitals/sinks/wandb/online.hpp"  // the writer's layers (leveldb log, protobuf, crc32) the checks use

namespace {

const char* const keys[10] = {"train/loss", "train/lr", "train/grad_norm", "train/m3", "train/m4",
                              "train/m5",   "train/m6", "train/m7",        "train/m8", "train/m9"};

void BM_wandb_history(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("vitals_wandb_bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  vitals::run_info info;
  info.project = "bench";
  info.id = "bench001";
  info.dir = dir;
  info.config_json = R"({"lr": 0.001})";
  info.start_time = 1700000000;
  vitals::wandb_options opt;
  opt.mode = vitals::wandb_mode::offline;
  opt.quiet = true;
  vitals::wandb_sink sink(opt);
  sink.open(info);
  vitals::metric m[10];
  std::int64_t step = 0;
  for (auto _ : state) {
    for (int k = 0; k < 10; ++k) m[k] = {keys[k], 0.001 * static_cast<double>(step) + k / 7.0};
    sink.write({.kind = vitals::record_kind::history, .step = step, .timestamp = 1700000000.0 + step * 0.01,
                .runtime = step * 0.01, .metrics = m});
    ++step;
  }
  sink.close(0);
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_record"] =
      static_cast<double>(std::filesystem::file_size(sink.log_path())) / static_cast<double>(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_wandb_history)->MinTime(1.0);

void BM_log_framing(benchmark::State& state) {
  // The log writer alone (CRC + framing + buffered write), on a typical history record's size.
  const auto dir = std::filesystem::temp_directory_path() / ("vitals_wandb_frame_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  vitals::detail::leveldb_log_writer w;
  w.open(dir / "x.wandb");
  const std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) w.append(payload);
  w.close();
  state.SetBytesProcessed(state.iterations() * state.range(0));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_log_framing)->Arg(400)->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
