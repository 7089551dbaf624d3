// The health rule sets (see DESIGN.md, "Training-health metrics", and docs/health.md, "Default
// rules", for each rule's reasoning):
//  - vitals::default_rules: seed 003's warnings made scale-aware, so that they mean what the seed
//    means at any loss scale: a converged model (tiny loss, tiny batch-loss spread, tiny gradients)
//    raises nothing; the seed's thresholds hold unchanged where the loss is about 1.
//  - vitals::seed003_rules: seed 003's thresholds verbatim (absolute; they assume a loss of order 1).
// Thresholds are strict: grad_norm_max exactly 100 is not exploding; the plateau fires on the 10th
// consecutive epoch with is_improving == 0.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include "vitals/health/rule.hpp"

namespace vitals::inline VITALS_ABI {
/// Seed 003's conditions with its exact thresholds.
namespace seed003_rule_conditions {
using namespace rules;

inline constexpr auto exploding_gradients = val<"train/grad_norm_max"> > 100.0;
inline constexpr auto vanishing_gradients = val<"train/grad_norm_mean"> < 0.001;
inline constexpr auto exploding_weights = val<"model/weight_max"> > 10.0;
inline constexpr auto dead_neurons = val<"model/weight_mean"> < 0.001;
inline constexpr auto unstable_ema = val<"model/ema_diff"> > 1.0;
inline constexpr auto loss_collapse = val<"train/batch_loss_std"> < 0.01 || val<"train/batch_loss_cv"> < 0.01;
inline constexpr auto low_generation_diversity = val<"validation/gen_std"> < 0.1;
inline constexpr auto narrow_generation_range = val<"validation/gen_range"> < 0.5;
inline constexpr auto plateau = for_epochs<10>(val<"train/is_improving"> == 0);
inline constexpr auto dominant_loss_term = starting_with<"loss_ratio/"> > 0.9;
/// At least 3 of: batch_loss_cv < 0.01; each `*_healthy` flag == 0 (one vote per flag); gen_std <
/// 0.1; is_improving == 0 for 20+ epochs; grad_norm_std / grad_norm_mean < 0.1.
inline constexpr auto mode_collapse =
    at_least<3>(val<"train/batch_loss_cv"> < 0.01, ending_with<"_healthy"> == 0, val<"validation/gen_std"> < 0.1,
                for_epochs<20>(val<"train/is_improving"> == 0),
                ratio(val<"train/grad_norm_std">, val<"train/grad_norm_mean">) < 0.1);

}  // namespace seed003_rule_conditions

/// The default conditions: the seed's, except where the seed compares a loss-scaled quantity with
/// an absolute number.
namespace default_rule_conditions {
using namespace rules;
// Unchanged: weights, EMA distance, generated outputs, flags and ratios do not scale with the
// loss; exploding_gradients stays absolute on purpose (docs/health.md says why).
using seed003_rule_conditions::dominant_loss_term, seed003_rule_conditions::exploding_gradients,
    seed003_rule_conditions::low_generation_diversity, seed003_rule_conditions::mode_collapse,
    seed003_rule_conditions::narrow_generation_range, seed003_rule_conditions::plateau,
    seed003_rule_conditions::unstable_ema;

/// grad_norm_mean < 0.001 * min(1, batch_loss_mean): gradients a thousand times smaller than the
/// loss that is left to reduce. At a loss of 1 or more this is the seed's rule; a converged model
/// (loss 1e-5, gradients 1e-4) is not vanishing. Needs train/batch_loss_mean (unknown without it).
inline constexpr auto vanishing_gradients =
    val<"train/grad_norm_mean"> < 0.001 &&
    !(val<"train/batch_loss_mean"> < 1.0 && ratio(val<"train/grad_norm_mean">, val<"train/batch_loss_mean">) >= 0.001);
/// batch_loss_cv < 0.01: the spread of the batch losses relative to their mean. The seed's other
/// test, batch_loss_std < 0.01, is in loss units: it holds for every model whose loss falls below
/// about 0.05, so it reports convergence, not collapse.
inline constexpr auto loss_collapse = val<"train/batch_loss_cv"> < 0.01;
/// Weights above 10, or weights that are no longer numbers: NaN/inf weights are the end point of an
/// explosion, and the weight statistics skip them (weight_max of a NaN model reads 0).
inline constexpr auto exploding_weights = val<"model/weight_max"> > 10.0 || val<"model/weight_nonfinite"> > 0;
/// Mean |w| < 0.001 over finite weights, and no NaN/inf weight: a model whose weights all became
/// NaN reads weight_mean 0, which is an explosion, not dead neurons.
inline constexpr auto dead_neurons = val<"model/weight_mean"> < 0.001 && val<"model/weight_nonfinite"> == 0;

}  // namespace default_rule_conditions

namespace detail {

// The eleven rules in the seed's order; the two rule sets differ only in the conditions passed here.
template <rules::bool_expr V, rules::bool_expr W, rules::bool_expr D, rules::bool_expr L>
constexpr auto health_rules(V vanishing, std::string_view vanishing_text, W exploding_weights,
                            std::string_view exploding_weights_text, D dead_neurons, std::string_view dead_neurons_text,
                            L collapse, std::string_view collapse_text) {
  using namespace rules;
  namespace c = seed003_rule_conditions;
  return make_rule_set(
      rule("exploding_gradients", c::exploding_gradients, severity::error,
           "exploding gradients: train/grad_norm_max > 100"),
      rule("vanishing_gradients", vanishing, severity::warning, vanishing_text),
      rule("exploding_weights", exploding_weights, severity::error, exploding_weights_text),
      rule("dead_neurons", dead_neurons, severity::warning, dead_neurons_text),
      rule("unstable_ema", c::unstable_ema, severity::warning, "unstable training: model/ema_diff > 1"),
      rule("loss_collapse", collapse, severity::warning, collapse_text),
      rule("low_generation_diversity", c::low_generation_diversity, severity::warning,
           "generated outputs barely vary: validation/gen_std < 0.1"),
      rule("narrow_generation_range", c::narrow_generation_range, severity::warning,
           "generated outputs span a narrow range: validation/gen_range < 0.5"),
      rule("plateau", c::plateau, severity::warning, "training plateau: train/is_improving = 0 for 10+ epochs"),
      rule("dominant_loss_term", c::dominant_loss_term, severity::warning,
           "one loss term is > 90% of the total: the other terms are ignored"),
      rule("mode_collapse", c::mode_collapse, severity::error,
           "mode collapse: at least 3 of the 6 checklist conditions hold"));
}

}  // namespace detail

/// The default rules (health_monitor{} and watch_health use them): scale-aware, see above.
inline constexpr auto default_rules = detail::health_rules(
    default_rule_conditions::vanishing_gradients,
    "vanishing gradients: train/grad_norm_mean < 0.001 x min(1, train/batch_loss_mean)",
    default_rule_conditions::exploding_weights, "exploding weights: model/weight_max > 10 or NaN/inf weights",
    default_rule_conditions::dead_neurons, "possible dead neurons: mean |w| (model/weight_mean) < 0.001, all weights finite",
    default_rule_conditions::loss_collapse,
    "batch losses all alike (train/batch_loss_cv < 0.01): the model may produce one output");

/// Seed 003's rules with its exact, absolute thresholds (same names as default_rules):
/// health_monitor m(vitals::seed003_rules);
inline constexpr auto seed003_rules = detail::health_rules(
    seed003_rule_conditions::vanishing_gradients, "vanishing gradients: train/grad_norm_mean < 0.001",
    seed003_rule_conditions::exploding_weights, "exploding weights: model/weight_max > 10",
    seed003_rule_conditions::dead_neurons, "possible dead neurons: mean |w| (model/weight_mean) < 0.001",
    seed003_rule_conditions::loss_collapse,
    "batch losses all alike (batch_loss_std or batch_loss_cv < 0.01): the model may produce one output");

}  // namespace vitals
