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
    for (const auto& x : m)
      if (x.value.type != vitals::metric_value::kind::string) values[std::string(x.key)] = x.value.as_double();
    step = s.value_or(-1);
    ++calls;
    CATCH_CHECK(commit == std::optional<bool>(false));  // the row stays open for the user's own keys
  }
};

double rel(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

}  // namespace

CATCH_TEST_CASE("torch_watch: one call before clipping, the EMA update its own, the table kept", "[torch]") {
  torch::manual_seed(1);
  torch::nn::Sequential model(torch::nn::Linear(7, 16), torch::nn::ReLU(), torch::nn::Linear(16, 3));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.5));
  vitals::torch_watch<vitals::param_stat::grad | vitals::param_stat::weight | vitals::param_stat::ema_diff> watch(
      *model, {.log_freq = 1, .histograms = vitals::watch_log::none}, 0.9f);
  const auto ema0 = watch.ema()[0].clone();
  fake_run run;

  auto x = torch::randn({32, 7});
  auto y = torch::randint(0, 3, {32}, torch::kLong);
  opt.zero_grad();
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  const auto gn = watch.step(run, 0);
  const double clip_total = torch::nn::utils::clip_grad_norm_(model->parameters(), 1e-3);  // the oracle
  CATCH_REQUIRE(gn.has_value());
  CATCH_CHECK(rel(*gn, clip_total) < 1e-6);
  CATCH_CHECK(rel(run.values.at("train/grad_norm"), clip_total) < 1e-6);
  CATCH_CHECK(run.step == 0);
  CATCH_CHECK(run.values.count("model/weight_mean") == 1);

  // Weight statistics equal torch's reductions over all parameters.
  std::vector<torch::Tensor> flat;
  for (const auto& p : model->parameters()) flat.push_back(p.detach().flatten());
  auto all = torch::cat(flat).to(torch::kDouble);
  CATCH_CHECK(rel(run.values.at("model/weight_mean"), all.abs().mean().item<double>()) < 1e-6);
  CATCH_CHECK(rel(run.values.at("model/weight_max"), all.abs().max().item<double>()) < 1e-6);

  opt.step();
  watch.update_ema(run, 0);
  // The EMA moved towards the new weights: e = 0.9 e0 + 0.1 w.
  const auto w0 = model->parameters()[0];
  const auto expected = 0.9 * ema0 + 0.1 * w0.detach();
  CATCH_CHECK(torch::allclose(watch.ema()[0], expected, 1e-5, 1e-6));
  CATCH_CHECK(run.values.at("model/ema_diff") > 0);

  // zero_grad() sets the gradients to None and backward() allocates new ones: the kept table
  // follows them (a stale pointer would read freed memory or the old gradients).
  const void* table_before = watch.table()[0].grad.data;
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  torch::nn::functional::cross_entropy(model->forward(x), y).backward();
  const auto gn2 = watch.step(run, 1);
  std::vector<torch::Tensor> grads;
  for (const auto& p : model->parameters()) grads.push_back(p.grad().flatten().to(torch::kDouble));
  CATCH_CHECK(rel(*gn2, torch::cat(grads).norm().item<double>()) < 1e-6);
  CATCH_CHECK(watch.table()[0].grad.data == model->parameters()[0].grad().data_ptr());
  (void)table_before;

  // log_freq = 5: nothing computed or logged at step 1, but the EMA still moves.
  vitals::torch_watch<> sparse(*model, {.log_freq = 5, .histograms = vitals::watch_log::none}, 0.5f);
  fake_run quiet;
  const auto before = sparse.ema()[0].clone();
  opt.step();
  CATCH_CHECK_FALSE(sparse.step(quiet, 1).has_value());
  sparse.update_ema(quiet, 1);
  CATCH_CHECK(quiet.calls == 0);
  CATCH_CHECK_FALSE(torch::equal(before, sparse.ema()[0]));

  // ema_diff without an EMA is refused.
  CATCH_CHECK_THROWS_WITH(
      (vitals::torch_watch<vitals::param_stat::grad | vitals::param_stat::ema_diff>(*model)),
      Catch::Contains("ema_decay > 0"));
}

CATCH_TEST_CASE("torch_watch: parameters/<name> and gradients/<name> histograms as wandb.watch names them", "[torch]") {
  torch::manual_seed(3);
  torch::nn::Sequential model(torch::nn::Linear(4, 5), torch::nn::Linear(5, 2));
  vitals::torch_watch<> watch(*model, {.log_freq = 2, .histogram_freq = 3, .loss_scale = 8});
  struct keys_run {
    std::map<std::int64_t, std::map<std::string, std::string>> rows;
    void log(std::span<const vitals::metric> m, std::optional<std::int64_t> s, std::optional<bool>) {
      for (const auto& x : m)
        rows[*s][std::string(x.key)] = x.value.type == vitals::metric_value::kind::string ? std::string(x.value.s) : "";
    }
  } run;
  model->forward(torch::randn({3, 4})).sum().mul(8).backward();  // gradients scaled by a loss scale of 8
  for (int step = 1; step <= 6; ++step) watch.step(run, step);
  CATCH_CHECK(run.rows.count(1) == 0);
  CATCH_CHECK(run.rows.at(2).count("train/grad_norm") == 1);
  CATCH_CHECK(run.rows.at(2).count("parameters/0.weight") == 0);
  CATCH_CHECK(run.rows.at(3).count("train/grad_norm") == 0);
  for (const char* k : {"parameters/0.weight", "parameters/0.bias", "parameters/1.weight", "gradients/1.bias"})
    CATCH_CHECK(run.rows.at(3).count(k) == 1);
  // The gradient histogram is of the unscaled gradients: numpy.histogram's binning of grad / 8.
  auto g = (model->parameters()[3].grad() / 8).contiguous();
  const std::vector<float> gv(g.data_ptr<float>(), g.data_ptr<float>() + g.numel());
  CATCH_CHECK(run.rows.at(6).at("gradients/1.bias") == vitals::wandb_histogram::from_samples(gv, 64).json());
  CATCH_CHECK(rel(watch.last().grad_norm(), (torch::cat({model->parameters()[0].grad().flatten(),
                                                          model->parameters()[1].grad().flatten(),
                                                          model->parameters()[2].grad().flatten(),
                                                          model->parameters()[3].grad().flatten()}) / 8)
                                                .norm().item<double>()) < 1e-6);
}

CATCH_TEST_CASE("count_params(module): total, trainable, size", "[torch]") {
  torch::nn::Sequential model(torch::nn::Linear(10, 20), torch::nn::Linear(20, 5));
  model[1]->as<torch::nn::Linear>()->weight.set_requires_grad(false);
  const vitals::model_params c = vitals::count_params(*model);
  CATCH_CHECK(c.total_params == 10 * 20 + 20 + 20 * 5 + 5);
  CATCH_CHECK(c.trainable_params == c.total_params - 100);
  CATCH_CHECK(c.model_size_mb == 4.0 * c.total_params / (1 << 20));
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
