// vitals::param_watch (wandb.watch for a tensor_table) through a real run with a JSONL sink, read
// back: statistics exactly every log_freq steps, histograms exactly every histogram_freq, values
// equal to a float64 loop over the same buffers, the loss scale divided out; the typed statistics
// set; the flat-buffer and span registrations; the one model-size type.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "../sinks/test_support.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/health/model_params.hpp"
#include "vitals/health/param_watch.hpp"
#include "vitals/run.hpp"

using vitals_test::temp_dir;

namespace {

// The typed set: an integer does not convert to a set (the old `unsigned` masks no longer compile).
static_assert(!std::is_convertible_v<unsigned, vitals::stat_set>);
static_assert(!std::is_convertible_v<int, vitals::stat_set>);
template <auto V>
concept statistics_argument = requires(const vitals::tensor_table& t) { vitals::compute_param_stats<V>(t); };
static_assert(statistics_argument<vitals::param_stat::grad>);
static_assert(statistics_argument<vitals::param_stat::grad | vitals::param_stat::ema_diff>);
static_assert(!statistics_argument<5u>);  // a raw mask, as `stats::grad | stats::ema_diff` was
static_assert(!statistics_argument<1>);
static_assert((vitals::param_stat::grad | vitals::param_stat::weight).contains(vitals::param_stat::weight));
static_assert(!vitals::stat_set(vitals::param_stat::grad).contains(vitals::param_stat::ema_diff));
static_assert(vitals::stat_set{vitals::param_stat::grad, vitals::param_stat::weight} ==
              (vitals::param_stat::weight | vitals::param_stat::grad));

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One model: two parameters of odd sizes with gradients, their values at step s (so every step
// differs and a wrong step's values would show).
struct model {
  std::vector<float> w1, g1, w2, g2;
  void fill(int step, float grad_scale) {
    std::mt19937 rng(static_cast<unsigned>(step) + 7);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    w1.resize(1037), g1.resize(1037), w2.resize(19), g2.resize(19);
    for (auto* v : {&w1, &w2})
      for (auto& x : *v) x = nd(rng);
    for (auto* v : {&g1, &g2})
      for (auto& x : *v) x = nd(rng) * 0.01f * grad_scale;  // a power of two: scaling is exact
  }
  vitals::tensor_table table() {
    vitals::tensor_table t;
    t.add("fc1.weight", std::span<const float>(w1), std::span<const float>(g1));
    t.add("fc1.bias", std::span<const float>(w2), std::span<const float>(g2));
    return t;
  }
};

struct row {
  std::int64_t step = -1;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> strings;
};

std::vector<row> read_rows(const std::filesystem::path& file) {
  std::vector<row> rows;
  std::istringstream in(read_file(file));
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::object obj;
    REQUIRE(parser.parse(line).get(obj) == simdjson::SUCCESS);
    row r;
    for (auto [k, v] : obj) {
      const std::string key(k);
      if (key == "_step") r.step = v.get_int64().value();
      else if (v.is_string()) r.strings[key] = std::string(v.get_string().value());
      else if (v.is_number()) r.numbers[key] = v.get_double().value();
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

vitals::run_options options(const std::filesystem::path& dir) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.sinks = "jsonl";
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

double grad_norm64(const model& m) {
  double s = 0;
  for (const auto* v : {&m.g1, &m.g2})
    for (float x : *v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("param_watch: statistics every N steps, histograms every M, values of the float64 loop", "[health][watch]") {
  temp_dir tmp("watch");
  constexpr int steps = 30, N = 4, M = 10;
  constexpr float scale = 1024.0f;
  std::map<std::int64_t, double> expected_norm, expected_wmax;
  std::map<std::int64_t, std::string> expected_hist;
  std::filesystem::path dir;
  {
    vitals::run run(options(tmp.path));
    dir = run.dir();
    model m;
    m.fill(0, scale);
    vitals::tensor_table table = m.table();  // buffers keep their addresses: registered once
    vitals::param_watch watch(table, {.log_freq = N, .histogram_freq = M, .loss_scale = scale});
    for (int step = 1; step <= steps; ++step) {
      m.fill(step, scale);
      const auto gn = watch.step(run, step);
      model unscaled;
      unscaled.fill(step, 1.0f);
      if (step % N == 0) {
        REQUIRE(gn.has_value());
        CHECK(std::abs(*gn - grad_norm64(unscaled)) <= 1e-6 * grad_norm64(unscaled));
        expected_norm[step] = grad_norm64(unscaled);
        double wmax = 0;
        for (const auto* v : {&m.w1, &m.w2})
          for (float x : *v) wmax = std::max(wmax, std::abs(static_cast<double>(x)));
        expected_wmax[step] = wmax;
      } else {
        CHECK_FALSE(gn.has_value());
      }
      if (step % M == 0)
        expected_hist[step] = vitals::wandb_histogram::from_samples(std::span<const float>(unscaled.g1), 64).json();
      run.log({{"train/loss", 1.0 / step}}, step);
    }
    run.finish(0);
  }
  const auto rows = read_rows(dir / "metrics.jsonl");
  REQUIRE(rows.size() == steps);
  std::set<std::int64_t> stat_steps, hist_steps;
  for (const auto& r : rows) {
    CHECK(r.numbers.count("train/loss") == 1);  // the watch's keys join the loop's row
    if (r.numbers.count("train/grad_norm")) {
      stat_steps.insert(r.step);
      CHECK(std::abs(r.numbers.at("train/grad_norm") - expected_norm.at(r.step)) <= 1e-6 * expected_norm.at(r.step));
      CHECK(r.numbers.at("model/weight_max") == expected_wmax.at(r.step));  // max |w| is exact
      CHECK(r.numbers.count("model/weight_mean") == 1);
      CHECK(r.numbers.count("model/ema_diff") == 0);  // not asked for
    }
    if (r.strings.count("gradients/fc1.weight")) {
      hist_steps.insert(r.step);
      CHECK(r.strings.count("parameters/fc1.weight") == 1);
      CHECK(r.strings.count("parameters/fc1.bias") == 1);
      CHECK(r.strings.count("gradients/fc1.bias") == 1);
      CHECK(r.strings.at("gradients/fc1.weight") == expected_hist.at(r.step));  // unscaled values
    }
  }
  CHECK(stat_steps == std::set<std::int64_t>{4, 8, 12, 16, 20, 24, 28});
  CHECK(hist_steps == std::set<std::int64_t>{10, 20, 30});
}

TEST_CASE("param_watch: the grad norm on every step when asked, for clipping", "[health][watch]") {
  struct fake_run {
    std::vector<std::pair<std::int64_t, std::set<std::string>>> calls;
    void log(std::span<const vitals::metric> m, std::optional<std::int64_t> s, std::optional<bool> commit) {
      CHECK(commit == std::optional<bool>(false));
      std::set<std::string> keys;
      for (const auto& x : m) keys.insert(std::string(x.key));
      calls.push_back({s.value_or(-1), keys});
    }
  } run;
  model m;
  m.fill(3, 1.0f);
  auto table = m.table();
  vitals::param_watch<vitals::param_stat::grad> watch(
      table, {.log_freq = 5, .histograms = vitals::watch_log::none, .grad_norm_every_step = true});
  for (int step = 1; step <= 5; ++step) {
    const auto gn = watch.step(run, step);
    REQUIRE(gn.has_value());
    CHECK(std::abs(*gn - grad_norm64(m)) <= 1e-6 * grad_norm64(m));
  }
  REQUIRE(run.calls.size() == 5);
  CHECK(run.calls[0].second == std::set<std::string>{"train/grad_norm"});
  CHECK(run.calls[4].second.count("train/grad_absmax") == 1);  // the due step: all of S

  CHECK_THROWS_WITH((vitals::param_watch<vitals::param_stat::weight>(table, {.grad_norm_every_step = true})),
                    Catch::Contains("needs param_stat::grad"));
  CHECK_THROWS_WITH((vitals::param_watch<>(table, {.log_freq = 0})), Catch::Contains("log_freq must be >= 1"));
  CHECK_THROWS_WITH((vitals::param_watch<>(table, {.loss_scale = 0})), Catch::Contains("loss scale"));
}

TEST_CASE("tensor_table: an llm.c-style flat buffer, spans, rebinding", "[health][watch]") {
  const std::vector<std::string> names{"wte", "ln.w", "fc.w"};
  const std::vector<std::uint64_t> sizes{12, 3, 20};
  std::vector<float> params(35), grads(35);
  for (std::size_t i = 0; i < params.size(); ++i) params[i] = static_cast<float>(i), grads[i] = 1.0f;
  const auto flat = vitals::tensor_table::from_flat_buffers(names, sizes, vitals::dtype::f32, params.data(), grads.data());
  REQUIRE(flat.size() == 3);
  CHECK(flat[1].name == "ln.w");
  CHECK(flat[1].weight.data == params.data() + 12);
  CHECK(flat[2].grad.data == grads.data() + 15);
  const auto r = vitals::compute_param_stats<vitals::param_stat::grad | vitals::param_stat::weight>(flat);
  CHECK(r.grad_norm() == Approx(std::sqrt(35.0)));
  CHECK(r.per_tensor[2].weight.absmax == 34.0);
  CHECK_THROWS_WITH(vitals::tensor_table::from_flat_buffers(std::span(names).first(2), sizes, vitals::dtype::f32,
                                                            params.data(), grads.data()),
                    Catch::Contains("2 names for 3 tensor sizes"));

  vitals::tensor_table t;
  std::vector<float> w(5, 2.0f), g(4, 1.0f);
  CHECK_THROWS_WITH(t.add("x", std::span<const float>(w), std::span<const float>(g)), Catch::Contains("5 weights but 4"));
  std::vector<float> g5(5, 3.0f), g5b(5, 4.0f);
  t.add("x", std::span<const float>(w), std::span<const float>(g5));
  t.set_buffers(0, g5b.data(), w.data(), nullptr);  // the framework moved the gradient
  CHECK(vitals::compute_param_stats<vitals::param_stat::grad>(t).grad_absmax() == 4.0);

  // One model-size type: ints stay ints.
  const vitals::model_params mp = vitals::count_params(flat);
  CHECK(mp.total_params == 35);
  CHECK(mp.trainable_params == 35);
  CHECK(mp.model_size_mb == 35.0 * 4 / (1 << 20));
}

TEST_CASE("log_model_params: config and summary as seed 000 logs them", "[health][watch]") {
  temp_dir tmp("model_params");
  std::filesystem::path dir;
  {
    vitals::run run(options(tmp.path));
    dir = run.dir();
    std::vector<vitals::param_info> ps{{.numel = 1000}, {.numel = 24, .trainable = false}};
    vitals::log_model_params(run, vitals::count_params(ps));
    run.finish(0);
  }
  const auto config = read_file(dir / "config.json");
  CHECK(config.find("\"total_params\": 1024") != std::string::npos);
  CHECK(config.find("\"trainable_params\": 1000") != std::string::npos);
  const auto summary = read_file(dir / "summary.json");
  CHECK(summary.find("\"model_params/total_params\": 1024") != std::string::npos);
  CHECK(summary.find("\"model_params/trainable_params\": 1000") != std::string::npos);
  CHECK(summary.find("\"model_params/model_size_mb\": 0.00390625") != std::string::npos);
}
