// Config parsing throughput: parse (text -> tree) and parse + convert (text -> struct) against a
// raw parse of the same bytes in the same run (simdjson DOM and On-Demand for JSON, yaml-cpp's
// YAML::Load for YAML), for a 200-field nested config and a 10 MB JSON config; plus both writers.
// Results: bench/results/config.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config200.hpp"
#include <yaml-cpp/yaml.h>

#include "vitals/config.hpp"

namespace config_bench {

struct Entry {
  std::string id;
  double weight = 0;
  std::vector<int> dims;
  bool active = true;
  Mode mode = Mode::fast;
  std::optional<double> scale;
};

struct LargeConfig {
  std::string name = "large";
  std::vector<Entry> entries;
  std::map<std::string, std::vector<double>> tables;
};

// About `target` bytes of JSON: entries like a per-layer table, plus numeric tables.
LargeConfig make_large(std::size_t target) {
  LargeConfig c;
  std::size_t i = 0;
  while (vitals::to_json(c, 0).size() < target) {
    for (std::size_t k = 0; k < 2000; ++k, ++i) {
      Entry e;
      e.id = "layer_" + std::to_string(i);
      e.weight = 1.0 / static_cast<double>(i + 3);
      e.dims = {static_cast<int>(i % 512), 3, 3};
      e.active = i % 3 != 0;
      e.mode = static_cast<Mode>(i % 3);
      if (i % 2) e.scale = 0.5 * static_cast<double>(i);
      c.entries.push_back(std::move(e));
    }
    std::vector<double>& t = c.tables["table_" + std::to_string(i)];
    for (int k = 0; k < 1000; ++k) t.push_back(k * 0.001 + static_cast<double>(i));
  }
  return c;
}

const std::string& small_json() {
  static const std::string text = vitals::to_json(Config200{});
  return text;
}
const std::string& small_yaml() {
  static const std::string text = vitals::to_yaml(Config200{});
  return text;
}
const std::string& large_json() {
  static const std::string text = vitals::to_json(make_large(10 << 20), 0);
  return text;
}

void raw_dom(benchmark::State& state, const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc)) state.SkipWithError("simdjson DOM parse failed");
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

// Visits every value with On-Demand (what vitals' reader does underneath, minus building nodes).
std::size_t count_values(simdjson::ondemand::value v) {
  switch (v.type().value_unsafe()) {
    case simdjson::ondemand::json_type::object: {
      std::size_t n = 1;
      for (auto field : v.get_object().value_unsafe()) n += count_values(field.value().value_unsafe());
      return n;
    }
    case simdjson::ondemand::json_type::array: {
      std::size_t n = 1;
      for (auto item : v.get_array().value_unsafe()) n += count_values(item.value_unsafe());
      return n;
    }
    default:
      benchmark::DoNotOptimize(v.raw_json_token());
      return 1;
  }
}

void raw_ondemand(benchmark::State& state, const std::string& text) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  for (auto _ : state) {
    auto doc = parser.iterate(padded);
    simdjson::ondemand::object root;
    if (doc.get_object().get(root)) state.SkipWithError("simdjson On-Demand parse failed");
    std::size_t n = 0;
    for (auto field : root) n += count_values(field.value().value_unsafe());
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void raw_yaml_cpp(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(YAML::Load(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void tree_yaml(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(vitals::config::parse_yaml(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void tree_json(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(vitals::config::parse_json(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

template <class T>
void typed_json(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(vitals::parse_json<T>(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

template <class T>
void typed_yaml(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(vitals::parse_yaml<T>(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

template <class T>
void write_json(benchmark::State& state, const std::string& text) {
  const T value = vitals::parse_json<T>(text);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = vitals::to_json(value, 0);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

template <class T>
void write_yaml(benchmark::State& state, const std::string& text) {
  const T value = vitals::parse_json<T>(text);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = vitals::to_yaml(value);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

}  // namespace config_bench

using namespace config_bench;

// BENCHMARK_CAPTURE pastes the function name into an identifier, so templates get plain names.
void typed_json_200(benchmark::State& s, const std::string& t) { typed_json<Config200>(s, t); }
void typed_yaml_200(benchmark::State& s, const std::string& t) { typed_yaml<Config200>(s, t); }
void write_json_200(benchmark::State& s, const std::string& t) { write_json<Config200>(s, t); }
void write_yaml_200(benchmark::State& s, const std::string& t) { write_yaml<Config200>(s, t); }
void typed_json_large(benchmark::State& s, const std::string& t) { typed_json<LargeConfig>(s, t); }
void write_json_large(benchmark::State& s, const std::string& t) { write_json<LargeConfig>(s, t); }

// 200-field config.
BENCHMARK_CAPTURE(raw_dom, fields200_json, small_json());
BENCHMARK_CAPTURE(raw_ondemand, fields200_json, small_json());
BENCHMARK_CAPTURE(tree_json, fields200_json, small_json());
BENCHMARK_CAPTURE(typed_json_200, fields200_json, small_json());
BENCHMARK_CAPTURE(raw_yaml_cpp, fields200_yaml, small_yaml());
BENCHMARK_CAPTURE(tree_yaml, fields200_yaml, small_yaml());
BENCHMARK_CAPTURE(typed_yaml_200, fields200_yaml, small_yaml());
BENCHMARK_CAPTURE(write_json_200, fields200, small_json());
BENCHMARK_CAPTURE(write_yaml_200, fields200, small_json());
// 10 MB JSON config.
BENCHMARK_CAPTURE(raw_dom, large_10MB_json, large_json())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(raw_ondemand, large_10MB_json, large_json())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(tree_json, large_10MB_json, large_json())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(typed_json_large, large_10MB_json, large_json())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(write_json_large, large_10MB, large_json())->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
