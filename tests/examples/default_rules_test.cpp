// The default rules are scale-aware (a converged model raises nothing, whatever its loss scale);
// vitals::seed003_rules keeps the seed's absolute thresholds.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "vitals/health.hpp"

namespace {

using values = std::vector<std::pair<std::string, double>>;

template <class Rules>
bool fires(const Rules& rules, const char* rule, const values& v) {
  vitals::health_monitor_options quiet;
  quiet.console = false;
  vitals::health_monitor m(rules, quiet);
  for (const auto& [k, x] : v) m.observe(k, x);
  m.evaluate(0);
  return m.firing(rule);
}

}  // namespace

TEST_CASE("loss_collapse: the batch losses' spread relative to their mean, not in loss units", "[health][rules]") {
  // The demo at 300 epochs: converged, batch losses vary by 44% of their mean.
  const values converged{{"train/batch_loss_std", 0.009}, {"train/batch_loss_cv", 0.44}};
  CHECK_FALSE(fires(vitals::default_rules, "loss_collapse", converged));
  CHECK(fires(vitals::seed003_rules, "loss_collapse", converged));
  // One output for every batch: the losses agree to 0.5% whatever their scale.
  for (double scale : {1e-4, 1.0, 1e4}) {
    INFO("scale " << scale);
    CHECK(fires(vitals::default_rules, "loss_collapse", {{"train/batch_loss_std", 0.005 * scale}, {"train/batch_loss_cv", 0.005}}));
    CHECK_FALSE(fires(vitals::default_rules, "loss_collapse", {{"train/batch_loss_std", 0.2 * scale}, {"train/batch_loss_cv", 0.2}}));
  }
}

TEST_CASE("vanishing_gradients: grad_norm_mean < 0.001 x min(1, batch_loss_mean)", "[health][rules]") {
  auto v = [](double g, double loss) { return values{{"train/grad_norm_mean", g}, {"train/batch_loss_mean", loss}}; };
  // A converged model: loss 1e-5, gradients 1e-4 (ten times the loss): not vanishing.
  CHECK_FALSE(fires(vitals::default_rules, "vanishing_gradients", v(1e-4, 1e-5)));
  CHECK(fires(vitals::seed003_rules, "vanishing_gradients", v(1e-4, 1e-5)));
  // Loss 1 or more: the seed's threshold, strict.
  CHECK(fires(vitals::default_rules, "vanishing_gradients", v(0.0009, 5.0)));
  CHECK_FALSE(fires(vitals::default_rules, "vanishing_gradients", v(0.001, 5.0)));
  // Below a loss of 1 the threshold follows the loss: the same verdict at every scale.
  for (double scale : {1.0, 1e-2, 1e-4}) {
    INFO("scale " << scale);
    CHECK(fires(vitals::default_rules, "vanishing_gradients", v(0.5e-3 * scale, 0.9 * scale)));
    CHECK_FALSE(fires(vitals::default_rules, "vanishing_gradients", v(1e-3 * scale, 0.9 * scale)));
  }
  // A non-finite loss does not hide tiny gradients.
  CHECK(fires(vitals::default_rules, "vanishing_gradients", v(1e-5, std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("NaN weights are exploding weights, not dead neurons", "[health][rules]") {
  // A model whose weights all became NaN: the statistics skip them and read 0.
  const values nan_model{{"model/weight_mean", 0.0}, {"model/weight_max", 0.0}, {"model/weight_nonfinite", 323}};
  CHECK(fires(vitals::default_rules, "exploding_weights", nan_model));
  CHECK_FALSE(fires(vitals::default_rules, "dead_neurons", nan_model));
  CHECK(fires(vitals::seed003_rules, "dead_neurons", nan_model));
  const values tiny{{"model/weight_mean", 2e-4}, {"model/weight_max", 1e-3}, {"model/weight_nonfinite", 0}};
  CHECK(fires(vitals::default_rules, "dead_neurons", tiny));
  CHECK_FALSE(fires(vitals::default_rules, "exploding_weights", tiny));
}

TEST_CASE("seed003_rules and default_rules name the same eleven rules", "[health][rules]") {
  static_assert(decltype(vitals::default_rules)::size == 11 && decltype(vitals::seed003_rules)::size == 11);
  vitals::health_monitor_options quiet;
  quiet.console = false;
  vitals::health_monitor a(vitals::default_rules, quiet), b(vitals::seed003_rules, quiet);
  const values all{{"train/grad_norm_max", 500}, {"model/weight_max", 20}, {"model/ema_diff", 2}, {"model/weight_mean", 1}};
  for (const auto& [k, x] : all) a.observe(k, x), b.observe(k, x);
  a.evaluate(0);
  b.evaluate(0);
  for (const char* r : {"exploding_gradients", "exploding_weights", "unstable_ema"}) {
    CHECK(a.firing(r));
    CHECK(b.firing(r));
  }
}
