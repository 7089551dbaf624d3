// Composition cost on the seed layout (config.yaml + exp/001.yaml + exp/default from a struct)
// with 5 overrides: what a training binary pays at start-up, per job of a sweep.
// hydra_compose_bench.py runs this and times Hydra's compose API on the same directory.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "vitals/compose.hpp"

namespace {

struct TrainConfig {
  int epochs = 30;
  double lr = 3e-4;
  int batch_size = 32;
};
struct ExpConfig {
  std::string exp_name = "default";
  std::vector<int> fold{0, 1, 2, 3, 4};
  bool debug = false;
  int seed = 42;
  TrainConfig train;
};
struct Config {
  std::string project;
  bool show_config = false;
  std::string output_dir;
  std::string run_name;
  ExpConfig exp;
};

const std::vector<std::string> overrides = {"exp=001", "exp.fold=[0,1,2,3,4]", "exp.debug=true", "exp.train.lr=0.01",
                                            "show_config=false"};

vitals::config::compose_options options() {
  static vitals::config::config_store store;
  store.store_node("exp", "default", vitals::config::to_node(ExpConfig{}));
  return {.config_dir = COMPOSE_BENCH_CONFIG_DIR, .config_name = "config", .store = &store};
}

void BM_compose_tree(benchmark::State& state) {
  auto opts = options();
  for (auto _ : state) benchmark::DoNotOptimize(vitals::config::compose_tree(opts, overrides));
}
BENCHMARK(BM_compose_tree)->Unit(benchmark::kMicrosecond);

void BM_compose_typed(benchmark::State& state) {
  auto opts = options();
  for (auto _ : state) benchmark::DoNotOptimize(vitals::compose<Config>(opts, overrides));
}
BENCHMARK(BM_compose_typed)->Unit(benchmark::kMicrosecond);

void BM_parse_overrides(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(vitals::config::parse_overrides(overrides));
}
BENCHMARK(BM_parse_overrides)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
