// Epoch aggregates with hand-computed expectations (numpy comparisons: health_oracle.py).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "vitals/health.hpp"

TEST_CASE("grad-norm and batch-loss aggregates use DESIGN.md names", "[health][epoch]") {
  vitals::epoch_step_stats s;
  CHECK(s.metrics().empty());  // no step, nothing logged
  s.add_step(1.0, 2.0);
  s.add_step(3.0, 4.0);
  auto m = s.metrics();
  CHECK(m.at("train/grad_norm_mean") == 2.0);
  CHECK(m.at("train/grad_norm_std") == 1.0);
  CHECK(m.at("train/grad_norm_max") == 3.0);
  CHECK(m.at("train/grad_norm_min") == 1.0);
  CHECK(m.at("train/batch_loss_mean") == 3.0);
  CHECK(m.at("train/batch_loss_std") == 1.0);
  CHECK(m.at("train/batch_loss_max") == 4.0);
  CHECK(m.at("train/batch_loss_min") == 2.0);
  CHECK(m.at("train/batch_loss_cv") == Approx(1.0 / 3.0));
  CHECK(m.at("train/batch_loss_nonfinite") == 0.0);
  CHECK_THROWS_WITH(m.at("train/nope"), Catch::Contains("train/grad_norm_mean"));
  // Two ranks' partials merge to the single-process result.
  vitals::epoch_step_stats a, b;
  a.add_step(1.0, 2.0);
  b.add_step(3.0, 4.0);
  a.merge(b);
  CHECK(a.metrics().at("train/batch_loss_std") == 1.0);
  s.reset();
  CHECK(s.metrics().empty());
  CHECK(vitals::epoch_step_stats::coefficient_of_variation(0, 0) == 0);
  CHECK(std::isinf(vitals::epoch_step_stats::coefficient_of_variation(1, 0)));
}

TEST_CASE("loss tracking: decrease, percent, is_improving and the consecutive counter", "[health][epoch]") {
  vitals::loss_tracker t;
  auto e0 = t.update(4.0);
  CHECK_FALSE(e0.contains("train/loss_decrease"));  // nothing to compare with
  CHECK(e0.at("train/epochs_not_improving") == 0);
  auto e1 = t.update(3.0);
  CHECK(e1.at("train/loss_decrease") == 1.0);
  CHECK(e1.at("train/loss_decrease_pct") == 25.0);
  CHECK(e1.at("train/is_improving") == 1.0);
  auto e2 = t.update(3.5);
  CHECK(e2.at("train/loss_decrease") == -0.5);
  CHECK(e2.at("train/is_improving") == 0.0);
  CHECK(e2.at("train/epochs_not_improving") == 1);
  auto e3 = t.update(std::numeric_limits<double>::quiet_NaN());
  CHECK(e3.at("train/is_improving") == 0.0);
  CHECK(e3.at("train/epochs_not_improving") == 2);
  auto e4 = t.update(3.0);  // compares with the last finite loss, 3.5
  CHECK(e4.at("train/loss_decrease") == 0.5);
  CHECK(e4.at("train/epochs_not_improving") == 0);
  vitals::loss_tracker strict({.min_delta = 0.1});
  strict.update(1.0);
  CHECK(strict.update(0.95).at("train/is_improving") == 0.0);
}

TEST_CASE("loss ratios are each term's share of the total", "[health][epoch]") {
  vitals::loss_components lc;
  lc.add({{"simple", 1.0}, {"vel", 2.0}, {"fk", -1.0}});
  lc.add({{"simple", 1.0}, {"vel", 2.0}, {"fk", -1.0}});
  lc.add("vel", std::numeric_limits<double>::quiet_NaN());  // skipped
  auto m = lc.metrics();
  CHECK(m.at("loss_ratio/simple") == 0.25);
  CHECK(m.at("loss_ratio/vel") == 0.5);
  CHECK(m.at("loss_ratio/fk") == 0.25);
  vitals::loss_components single;
  single.add("only", 3.0);
  CHECK(single.metrics().empty());  // one term: nothing to dominate
}

TEST_CASE("dataset statistics, channels-last and channels-first", "[health][epoch]") {
  vitals::data_stats last({"x", "y"});
  std::vector<float> v{1, 10, 2, 20, 3, 30};  // [sample][channel]
  last.add(v);
  auto m = last.metrics();
  CHECK(m.at("data_stats/x_mean") == 2.0);
  CHECK(m.at("data_stats/y_mean") == 20.0);
  CHECK(m.at("data_stats/x_std") == Approx(std::sqrt(2.0 / 3.0)));
  CHECK(m.at("data_stats/normalized_mean") == 11.0);
  CHECK(m.at("data_stats/normalized_min") == 1.0);
  CHECK(m.at("data_stats/normalized_max") == 30.0);
  vitals::data_stats first({"x", "y"}, 3);  // [sample][channel][3]
  std::vector<float> w{1, 2, 3, 10, 20, 30};
  first.add(w);
  CHECK(first.metrics().at("data_stats/x_mean") == 2.0);
  CHECK(first.metrics().at("data_stats/y_mean") == 20.0);
  std::vector<float> bad{1, 2, 3};
  CHECK_THROWS_WITH(last.add(bad), Catch::Contains("not whole samples"));
  CHECK_THROWS(vitals::data_stats({"x"}, 0));
}

TEST_CASE("generation statistics and model size", "[health][epoch]") {
  vitals::generation_stats g;
  std::vector<float> out{0.0f, 0.5f, 1.0f};
  g.add(out);
  auto m = g.metrics();
  CHECK(m.at("validation/gen_mean") == 0.5);
  CHECK(m.at("validation/gen_range") == 1.0);
  CHECK(m.at("validation/gen_std") == Approx(std::sqrt(1.0 / 6.0)));
  std::vector<vitals::param_info> params{{.numel = 1 << 20}, {.numel = 1 << 19, .trainable = false}};
  const vitals::model_params c = vitals::count_params(params);
  CHECK(c.total_params == 1572864);
  CHECK(c.trainable_params == 1048576);
  CHECK(c.model_size_mb == 6.0);  // total * 4 / 2^20
  CHECK(c.bytes_per_param() == 4.0);
  std::vector<vitals::param_info> half{{.numel = 1 << 20, .type = vitals::dtype::bf16}};
  CHECK(vitals::count_params(half).model_size_mb == 2.0);
}

TEST_CASE("metric lists convert to vitals::metric for run.log", "[health][epoch]") {
  vitals::metric_list l;
  l.set("a", 1.0);
  l.set("b", 2.0);
  l.set("a", 3.0);
  auto ms = l.metrics();
  REQUIRE(ms.size() == 2);
  CHECK(ms[0].key == "a");
  CHECK(ms[0].value.as_double() == 3.0);
  vitals::health_monitor_options quiet;
  quiet.console = false;
  vitals::health_monitor mon(quiet);
  mon.observe(ms);  // a monitor takes them as they are
  CHECK(mon.table().size() >= 2);
  l.set("train/grad_norm_max", 101.0);
  mon.observe(l);  // or the list itself
  mon.evaluate(0);
  CHECK(mon.firing("exploding_gradients"));
}

TEST_CASE("epoch_tracker: one object for a training loop's per-epoch metrics", "[health][epoch]") {
  vitals::epoch_tracker t;
  t.on_step(1.0, 4.0, {{"mse", 3.0}, {"kl", 1.0}});
  t.on_step(3.0, 2.0, {{"mse", 1.0}, {"kl", 1.0}});
  auto e0 = t.end_epoch();
  CHECK(e0.at("train/grad_norm_mean") == 2.0);
  CHECK(e0.at("train/batch_loss_mean") == 3.0);
  CHECK(e0.at("loss_ratio/mse") == Approx(4.0 / 6.0));
  CHECK_FALSE(e0.contains("train/is_improving"));
  t.on_step(1.0, 1.5);
  auto e1 = t.end_epoch();
  CHECK(e1.at("train/loss_decrease") == 1.5);  // 3.0 -> 1.5
  CHECK(e1.at("train/loss_decrease_pct") == 50.0);
  CHECK(e1.at("train/is_improving") == 1.0);
  CHECK_FALSE(e1.contains("loss_ratio/mse"));  // components reset each epoch
  t.on_step(1.0, 1.0);
  CHECK(t.end_epoch(2.0).at("train/is_improving") == 0.0);  // an explicit (validation) loss
}

TEST_CASE("weight statistics from param_stats feed the monitor", "[health][epoch]") {
  // Tiny weights: mean |w| < 0.001, the dead-neuron rule fires; counts come from the same table.
  std::vector<float> w(1000, 1e-4f), g(1000, 0.5f), frozen(24, 2e-4f);
  vitals::tensor_table table;
  table.add("layer.weight", w.size(), vitals::dtype::f32, g.data(), w.data());
  table.add("frozen.bias", frozen.size(), vitals::dtype::f32, nullptr, frozen.data());
  auto r = vitals::compute_param_stats<vitals::param_stat::weight>(table);
  vitals::health_monitor_options quiet;
  quiet.console = false;
  vitals::health_monitor mon(quiet);
  mon.observe(r.to_metrics());
  mon.evaluate(0);
  CHECK(mon.firing("dead_neurons"));
  CHECK_FALSE(mon.firing("exploding_weights"));
  auto counts = vitals::count_params(table);
  CHECK(counts.total_params == 1024);
  CHECK(counts.trainable_params == 1000);
  CHECK(counts.model_size_mb == Approx(1024.0 * 4 / (1 << 20)));
}

TEST_CASE("loss_tracker: rounding noise of a stalled run is not improvement") {
  vitals::loss_tracker t;  // default min_rel_delta = 1e-4 of the previous loss
  t.update(0.5);
  for (double noise : {4e-16, -2e-16, 5e-16, 1e-16}) {
    auto m = t.update(0.5 - noise);
    CHECK(m.get("train/is_improving") == 0.0);
  }
  CHECK(t.epochs_not_improving() == 4);
  CHECK(t.update(0.49).get("train/is_improving") == 1.0);  // a 2% drop is progress
  vitals::loss_tracker strict({.min_delta = 0.0, .min_rel_delta = 0.0});
  strict.update(0.5);
  CHECK(strict.update(0.5 - 4e-16).get("train/is_improving") == 1.0);
}
