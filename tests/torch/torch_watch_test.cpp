// vitals::torch_watch, count_params(module) and the tensor overloads of data_stats /
// generation_stats, against LibTorch's own results. LibTorch (through glog) defines CHECK, so
// Catch's macros are used with their CATCH_ prefix.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "vitals/torch.hpp"

namespace {

struct fake_run {
  std::map<std::string, double> values;
  std::int64_t step = -1;
  int calls = 0;
  void log(std::span<const vitals::metric> m, std::optional<std::int64_t> s, std::optional<bool> commit) {
    for (const auto& x : m) values[std::string(x.key)] = x.value.as_double();
    step = s.value_or(-1);
    ++calls;
    CATCH_CHECK(commit == std::optional<bool>(false));  // the row stays open for the user's own keys
  }
};

double rel(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

}  // namespace

CATCH_TEST_CASE("torch_watch: one call before clipping, one after the step, EMA updated by default", "[torch]") {
  torch::manual_seed(1);
  torch::nn::Sequential model(torch::nn::Linear(7, 16), torch::nn::ReLU(), torch::nn::Linear(16, 3));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.5));
  vitals::torch_watch watch(*model, {.ema_decay = 0.9f});
  const auto ema0 = watch.ema()[0].clone();
  fake_run run;

  auto x = torch::randn({32, 7});
  auto y = torch::randint(0, 3, {32}, torch::kLong);
  opt.zero_grad();
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  const double gn = watch.gradients(run, 0);
  const double clip_total = torch::nn::utils::clip_grad_norm_(model->parameters(), 1e-3);  // the oracle
  CATCH_CHECK(rel(gn, clip_total) < 1e-6);
  CATCH_CHECK(rel(run.values.at("train/grad_norm"), clip_total) < 1e-6);
  CATCH_CHECK(run.step == 0);
  opt.step();
  watch.after_step(run, 0);
  CATCH_CHECK(run.values.count("model/weight_mean") == 1);
  CATCH_CHECK(run.values.count("model/ema_diff") == 1);

  // The EMA moved towards the new weights: e = 0.9 e0 + 0.1 w.
  const auto w0 = model->parameters()[0];
  const auto expected = 0.9 * ema0 + 0.1 * w0.detach();
  CATCH_CHECK(torch::allclose(watch.ema()[0], expected, 1e-5, 1e-6));
  const double diff = (watch.ema()[0] - w0.detach()).abs().sum().item<double>();
  CATCH_CHECK(diff > 0);

  // Weight statistics equal torch's reductions over all parameters.
  std::vector<torch::Tensor> flat;
  for (const auto& p : model->parameters()) flat.push_back(p.detach().flatten());
  auto all = torch::cat(flat).to(torch::kDouble);
  CATCH_CHECK(rel(run.values.at("model/weight_mean"), all.abs().mean().item<double>()) < 1e-6);
  CATCH_CHECK(rel(run.values.at("model/weight_max"), all.abs().max().item<double>()) < 1e-6);

  // every = 5: not logged at step 1, but the EMA still moves.
  vitals::torch_watch sparse(*model, {.ema_decay = 0.5f, .every = 5});
  fake_run quiet;
  const auto before = sparse.ema()[0].clone();
  opt.zero_grad();
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  sparse.gradients(quiet, 1);
  opt.step();
  sparse.after_step(quiet, 1);
  CATCH_CHECK(quiet.calls == 0);
  CATCH_CHECK_FALSE(torch::equal(before, sparse.ema()[0]));
}

CATCH_TEST_CASE("count_params(module): total, trainable, size", "[torch]") {
  torch::nn::Sequential model(torch::nn::Linear(10, 20), torch::nn::Linear(20, 5));
  model[1]->as<torch::nn::Linear>()->weight.set_requires_grad(false);
  auto c = vitals::count_params(*model);
  CATCH_CHECK(c.total == 10u * 20 + 20 + 20 * 5 + 5);
  CATCH_CHECK(c.trainable == c.total - 100);
  CATCH_CHECK(c.bytes == 4 * c.total);
  CATCH_CHECK(c.bytes_per_param() == 4.0);
}

CATCH_TEST_CASE("data_stats and generation_stats take tensors", "[torch]") {
  torch::manual_seed(2);
  auto images = torch::randn({8, 3, 4, 5}) * torch::tensor({1.0f, 2.0f, 3.0f}).view({1, 3, 1, 1});
  auto ds = vitals::make_data_stats(images, 1, {"r", "g", "b"});
  ds.add(images);
  auto m = ds.metrics();
  std::map<std::string, double> got;
  for (const auto& x : m.metrics()) got[std::string(x.key)] = x.value.as_double();
  auto g = images.select(1, 1).to(torch::kDouble);
  CATCH_CHECK(rel(got.at("data_stats/g_mean"), g.mean().item<double>()) < 1e-9);
  CATCH_CHECK(rel(got.at("data_stats/g_std"), g.std(/*unbiased=*/false).item<double>()) < 1e-9);
  CATCH_CHECK(rel(got.at("data_stats/normalized_std"), images.to(torch::kDouble).std(false).item<double>()) < 1e-9);

  auto tab = torch::randn({16, 4});  // [N, features], default names ch0..ch3
  auto ts = vitals::make_data_stats(tab);
  ts.add(tab.to(torch::kDouble));    // any dtype
  std::map<std::string, double> t;
  const auto tm = ts.metrics();  // the metrics view its keys: keep the list alive
  for (const auto& x : tm.metrics()) t[std::string(x.key)] = x.value.as_double();
  CATCH_CHECK(rel(t.at("data_stats/ch3_mean"), tab.select(1, 3).to(torch::kDouble).mean().item<double>()) < 1e-6);

  auto last = vitals::make_data_stats(torch::zeros({2, 5, 3}), -1);  // channels-last
  last.add(torch::ones({2, 5, 3}));
  CATCH_CHECK_THROWS_AS(vitals::make_data_stats(torch::zeros({4}), 1), std::invalid_argument);

  vitals::generation_stats gen;
  auto out = torch::linspace(0, 1, 11);
  gen.add(out);
  CATCH_CHECK(std::abs(gen.stats().max - gen.stats().min - 1.0) < 1e-12);
}
