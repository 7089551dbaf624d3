// The seed-003 warning thresholds as one compile-time rule set (see DESIGN.md, "Training-health
// metrics"). Thresholds are strict: grad_norm_max exactly 100 is not exploding; the plateau fires on
// the 10th consecutive epoch with is_improving == 0.
#pragma once

#include "vitals/health/rule.hpp"

namespace vitals {

namespace default_rule_conditions {
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

}  // namespace default_rule_conditions

inline constexpr auto default_rules = [] {
  using namespace rules;
  namespace c = default_rule_conditions;
  return make_rule_set(
      rule("exploding_gradients", c::exploding_gradients, severity::error,
           "exploding gradients: train/grad_norm_max > 100"),
      rule("vanishing_gradients", c::vanishing_gradients, severity::warning,
           "vanishing gradients: train/grad_norm_mean < 0.001"),
      rule("exploding_weights", c::exploding_weights, severity::error, "exploding weights: model/weight_max > 10"),
      rule("dead_neurons", c::dead_neurons, severity::warning,
           "possible dead neurons: mean |w| (model/weight_mean) < 0.001"),
      rule("unstable_ema", c::unstable_ema, severity::warning, "unstable training: model/ema_diff > 1"),
      rule("loss_collapse", c::loss_collapse, severity::warning,
           "batch losses all alike (batch_loss_std or batch_loss_cv < 0.01): the model may produce one output"),
      rule("low_generation_diversity", c::low_generation_diversity, severity::warning,
           "generated outputs barely vary: validation/gen_std < 0.1"),
      rule("narrow_generation_range", c::narrow_generation_range, severity::warning,
           "generated outputs span a narrow range: validation/gen_range < 0.5"),
      rule("plateau", c::plateau, severity::warning, "training plateau: train/is_improving = 0 for 10+ epochs"),
      rule("dominant_loss_term", c::dominant_loss_term, severity::warning,
           "one loss term is > 90% of the total: the other terms are ignored"),
      rule("mode_collapse", c::mode_collapse, severity::error,
           "mode collapse: at least 3 of the 6 checklist conditions hold"));
}();

}  // namespace vitals
