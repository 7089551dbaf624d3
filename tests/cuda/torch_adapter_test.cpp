// The LibTorch adapter on CPU: the global grad norm equals clip_grad_norm_'s total norm, weight
// statistics equal torch's reductions over all parameters, the EMA diff and update match torch.
// LibTorch (through glog) defines CHECK, so Catch's macros are used with their CATCH_ prefix.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>

#include "vitals/torch.hpp"

namespace {

struct fake_logger {
  std::map<std::string, double> values;
  std::int64_t step = -1;
  void log(std::span<const vitals::metric> m, std::optional<std::int64_t> s) {
    for (const auto& x : m) values[std::string(x.key)] = x.value.as_double();
    step = s.value_or(-1);
  }
};

}  // namespace

CATCH_TEST_CASE("LibTorch adapter matches torch's own reductions", "[cuda][torch]") {
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(13, 33), torch::nn::ReLU(), torch::nn::Linear(33, 5));
  auto ema = vitals::make_ema(*model);
  const auto x = torch::randn({17, 13});
  model->forward(x).pow(2).sum().backward();
  {
    torch::NoGradGuard ng;
    for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.01);  // an optimiser step
  }
  const auto table = vitals::make_tensor_table(*model, ema);
  CATCH_REQUIRE(table.size() == 4);
  CATCH_CHECK(table[0].name == "0.weight");

  const auto r = vitals::param_stats<vitals::param_stat::grad | vitals::param_stat::weight | vitals::param_stat::ema_diff>(*model, ema);

  std::vector<torch::Tensor> flat_w, flat_d;
  const auto params = model->parameters();
  for (std::size_t i = 0; i < ema.size(); ++i) {
    const auto& p = params[i];
    flat_w.push_back(p.detach().flatten().to(torch::kDouble));
    flat_d.push_back((ema[i] - p.detach()).flatten().to(torch::kDouble));
  }
  const auto w = torch::cat(flat_w), d = torch::cat(flat_d);
  CATCH_CHECK(r.weight_mean() == Approx(w.abs().mean().item<double>()).epsilon(1e-6));
  CATCH_CHECK(r.weight_std() == Approx(w.std(/*unbiased=*/false).item<double>()).epsilon(1e-6));
  CATCH_CHECK(r.weight_max() == Approx(w.abs().max().item<double>()).epsilon(1e-7));
  CATCH_CHECK(r.ema_diff() == Approx(d.abs().mean().item<double>()).epsilon(1e-5));
  CATCH_CHECK(r.ema_diff_rel() == Approx((d.norm() / w.norm()).item<double>()).epsilon(1e-5));

  // clip_grad_norm_ returns the total norm (and with a huge max_norm leaves the grads alone).
  const double total = torch::nn::utils::clip_grad_norm_(model->parameters(), 1e30);
  CATCH_CHECK(r.grad_norm() == Approx(total).epsilon(1e-6));

  fake_logger log;
  vitals::log_param_stats(log, r, table, 7, /*per_tensor=*/true);
  CATCH_CHECK(log.step == 7);
  CATCH_CHECK(log.values.at("train/grad_norm") == r.grad_norm());
  CATCH_CHECK(log.values.count("grad_norm/2.bias") == 1);
  CATCH_CHECK(log.values.count("model/ema_diff_l2") == 1);

  // The fused EMA update on CPU tensors, against torch's lerp.
  const auto expect = ema[1].clone().mul(0.9f).add(model->parameters()[1].detach() * 0.1f);
  vitals::param_stats_options opt;
  opt.ema_decay = 0.9f;
  vitals::update_ema(vitals::make_tensor_table(*model, ema), opt);
  CATCH_CHECK(torch::allclose(ema[1], expect, 1e-6, 1e-7));
}

CATCH_TEST_CASE("LibTorch adapter rejects what it cannot read", "[cuda][torch]") {
  torch::nn::Linear lin(4, 3);
  lin->to(torch::kDouble);
  CATCH_CHECK_THROWS_WITH(vitals::make_tensor_table(*lin), Catch::Contains("float32, float16 or bfloat16"));
  torch::nn::Linear lin2(4, 3);
  CATCH_CHECK_THROWS_WITH(vitals::make_tensor_table(*lin2, {torch::zeros({1})}), Catch::Contains("make_ema"));
}
