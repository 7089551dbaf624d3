// Health rules: scripted metric streams for every seed-003 condition (boundary values included),
// firing and clearing, "not evaluated", mode-collapse voting, rate limiting, user rules at compile
// and run time, and the alert outputs (events, records, metrics, alerts.jsonl, callback).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "vitals/health.hpp"
#include "vitals/run.hpp"

using namespace vitals::rules;
using epoch_metrics = std::map<std::string, double>;

namespace {

vitals::health_monitor_options quiet(int rate_limit = 10) {
  vitals::health_monitor_options o;
  o.console = false;
  o.rate_limit_epochs = rate_limit;
  return o;
}

/// Feeds one epoch's metrics, evaluates, and returns "<rule>:<state>" for each event.
std::vector<std::string> step(vitals::health_monitor& m, std::int64_t epoch, const epoch_metrics& values) {
  for (const auto& [k, v] : values) m.observe(k, v);
  std::vector<std::string> out;
  for (const auto& e : m.evaluate(epoch).events) out.push_back(e.rule + ":" + std::string(vitals::to_string(e.state)));
  return out;
}

bool has(const std::vector<std::string>& events, const std::string& e) {
  return std::find(events.begin(), events.end(), e) != events.end();
}

double metric_of(const vitals::health_report& r, std::string_view key) {
  for (const auto& m : r.metrics)
    if (m.key == key) return m.value.as_double();
  FAIL("metric " << key << " not in the report");
  return -1;
}

}  // namespace

TEST_CASE("each single-threshold seed-003 rule: boundary holds, crossing fires, recovery clears", "[health][rules]") {
  struct scenario {
    const char* rule;
    epoch_metrics boundary, bad, good;
  };
  const std::vector<scenario> scenarios{
      {"exploding_gradients", {{"train/grad_norm_max", 100.0}}, {{"train/grad_norm_max", 100.5}}, {{"train/grad_norm_max", 3.0}}},
      {"vanishing_gradients", {{"train/grad_norm_mean", 0.001}, {"train/batch_loss_mean", 1.0}},
       {{"train/grad_norm_mean", 0.0009}, {"train/batch_loss_mean", 1.0}}, {{"train/grad_norm_mean", 0.5}, {"train/batch_loss_mean", 1.0}}},
      {"exploding_weights", {{"model/weight_max", 10.0}, {"model/weight_nonfinite", 0}},
       {{"model/weight_max", 10.01}, {"model/weight_nonfinite", 0}}, {{"model/weight_max", 1.0}, {"model/weight_nonfinite", 0}}},
      {"dead_neurons", {{"model/weight_mean", 0.001}, {"model/weight_nonfinite", 0}},
       {{"model/weight_mean", 0.0002}, {"model/weight_nonfinite", 0}}, {{"model/weight_mean", 0.05}, {"model/weight_nonfinite", 0}}},
      {"unstable_ema", {{"model/ema_diff", 1.0}}, {{"model/ema_diff", 1.2}}, {{"model/ema_diff", 0.01}}},
      {"loss_collapse", {{"train/batch_loss_std", 0.01}, {"train/batch_loss_cv", 0.01}},
       {{"train/batch_loss_std", 0.002}, {"train/batch_loss_cv", 0.005}}, {{"train/batch_loss_std", 0.3}, {"train/batch_loss_cv", 0.2}}},
      {"loss_collapse", {{"train/batch_loss_std", 0.01}, {"train/batch_loss_cv", 0.01}},
       {{"train/batch_loss_std", 0.5}, {"train/batch_loss_cv", 0.009}}, {{"train/batch_loss_std", 0.3}, {"train/batch_loss_cv", 0.2}}},
      {"low_generation_diversity", {{"validation/gen_std", 0.1}}, {{"validation/gen_std", 0.05}}, {{"validation/gen_std", 0.8}}},
      {"narrow_generation_range", {{"validation/gen_range", 0.5}}, {{"validation/gen_range", 0.2}}, {{"validation/gen_range", 2.5}}},
      {"dominant_loss_term", {{"loss_ratio/simple", 0.9}, {"loss_ratio/vel", 0.1}},
       {{"loss_ratio/simple", 0.95}, {"loss_ratio/vel", 0.05}}, {{"loss_ratio/simple", 0.5}, {"loss_ratio/vel", 0.5}}},
  };
  for (const auto& s : scenarios) {
    INFO("rule " << s.rule);
    vitals::health_monitor m(quiet());
    auto e0 = step(m, 0, s.boundary);
    CHECK_FALSE(has(e0, std::string(s.rule) + ":fired"));
    CHECK_FALSE(m.firing(s.rule));
    CHECK(metric_of(m.last_report(), "health/" + std::string(s.rule)) == 0.0);
    auto e1 = step(m, 1, s.bad);
    CHECK(has(e1, std::string(s.rule) + ":fired"));
    CHECK(m.firing(s.rule));
    CHECK(metric_of(m.last_report(), "health/" + std::string(s.rule)) == 1.0);
    CHECK(metric_of(m.last_report(), "health/alerts_active") >= 1.0);
    auto e2 = step(m, 2, s.bad);  // still bad: rate-limited, no new event
    CHECK_FALSE(has(e2, std::string(s.rule) + ":fired"));
    CHECK_FALSE(has(e2, std::string(s.rule) + ":firing"));
    auto e3 = step(m, 3, s.good);
    CHECK(has(e3, std::string(s.rule) + ":cleared"));
    CHECK_FALSE(m.firing(s.rule));
  }
}

TEST_CASE("plateau fires on exactly the 10th consecutive non-improving epoch", "[health][rules]") {
  vitals::health_monitor m(quiet());
  int e = 0;
  for (int i = 0; i < 9; ++i) CHECK_FALSE(has(step(m, e++, {{"train/is_improving", 0}}), "plateau:fired"));
  // An improving epoch resets the run: 9 more zeros still don't fire.
  step(m, e++, {{"train/is_improving", 1}});
  for (int i = 0; i < 9; ++i) CHECK_FALSE(has(step(m, e++, {{"train/is_improving", 0}}), "plateau:fired"));
  CHECK(has(step(m, e++, {{"train/is_improving", 0}}), "plateau:fired"));  // the 10th
  // An epoch where is_improving was not logged neither breaks nor clears the plateau.
  CHECK(step(m, e++, {{"train/loss", 1.0}}).empty());
  CHECK(m.firing("plateau"));
  CHECK(has(step(m, e++, {{"train/is_improving", 1}}), "plateau:cleared"));
}

TEST_CASE("mode collapse needs at least 3 of the 6 checklist conditions", "[health][rules]") {
  const epoch_metrics healthy{{"train/batch_loss_cv", 0.3},       {"validation/gen_std", 0.5},
                              {"train/is_improving", 1},          {"train/grad_norm_std", 0.5},
                              {"train/grad_norm_mean", 1.0},      {"validation/knee_healthy", 1},
                              {"validation/grf_healthy", 1},      {"train/batch_loss_std", 0.3},
                              {"validation/gen_range", 2.0}};
  auto with = [&](epoch_metrics changes) {
    auto m = healthy;
    for (auto& [k, v] : changes) m[k] = v;
    return m;
  };
  SECTION("two conditions: no alert; a third: fires") {
    vitals::health_monitor m(quiet());
    CHECK_FALSE(has(step(m, 0, healthy), "mode_collapse:fired"));
    auto two = with({{"train/batch_loss_cv", 0.005}, {"validation/gen_std", 0.05}});
    CHECK_FALSE(has(step(m, 1, two), "mode_collapse:fired"));
    auto three = with({{"train/batch_loss_cv", 0.005}, {"validation/gen_std", 0.05}, {"train/grad_norm_std", 0.05}});
    CHECK(has(step(m, 2, three), "mode_collapse:fired"));
    CHECK(has(step(m, 3, healthy), "mode_collapse:cleared"));
  }
  SECTION("each user *_healthy flag counts once") {
    vitals::health_monitor m(quiet());
    step(m, 0, healthy);
    // knee and grf flags down + cv: three votes.
    auto flags = with({{"validation/knee_healthy", 0}, {"validation/grf_healthy", 0}});
    CHECK_FALSE(has(step(m, 1, flags), "mode_collapse:fired"));  // two votes
    flags["train/batch_loss_cv"] = 0.001;
    CHECK(has(step(m, 2, flags), "mode_collapse:fired"));
  }
  SECTION("one flag logged many times in an epoch is still one vote") {
    vitals::health_monitor m(quiet());
    for (int i = 0; i < 5; ++i) m.observe("validation/knee_healthy", 0);
    CHECK_FALSE(has(step(m, 0, with({{"validation/knee_healthy", 0}, {"validation/gen_std", 0.01}})), "mode_collapse:fired"));
  }
  SECTION("is_improving = 0 votes only from the 20th epoch") {
    vitals::health_monitor m(quiet());
    auto two = with({{"train/batch_loss_cv", 0.005}, {"validation/gen_std", 0.05}, {"train/is_improving", 0}});
    for (int e = 0; e < 19; ++e) CHECK_FALSE(has(step(m, e, two), "mode_collapse:fired"));
    CHECK(has(step(m, 19, two), "mode_collapse:fired"));
  }
}

TEST_CASE("a rule over a never-logged metric is reported once as not evaluated", "[health][rules]") {
  vitals::health_monitor m(quiet());
  auto e0 = step(m, 0, {{"train/grad_norm_max", 1.0}});
  CHECK(has(e0, "unstable_ema:not_evaluated"));
  CHECK_FALSE(has(e0, "exploding_gradients:not_evaluated"));
  CHECK(m.last_report().events.front().level == vitals::severity::info);
  auto e1 = step(m, 1, {{"train/grad_norm_max", 1.0}});
  CHECK_FALSE(has(e1, "unstable_ema:not_evaluated"));  // once only
  // Never evaluated: no health/<rule> metric (it is neither 0 nor 1).
  for (const auto& x : m.last_report().metrics) CHECK(x.key != "health/unstable_ema");
  // A stale metric (logged before, not this epoch) keeps the state and is not "not evaluated".
  step(m, 2, {{"model/ema_diff", 5.0}});
  CHECK(m.firing("unstable_ema"));
  CHECK(step(m, 3, {}).empty());
  CHECK(m.firing("unstable_ema"));
}

TEST_CASE("three-valued logic: and/or/not/ratio/at_least with unknown metrics", "[health][rules]") {
  constexpr auto a = val<"a"> > 1.0;
  constexpr auto b = val<"b"> > 1.0;
  constexpr auto rs = make_rule_set(rule("and", a && b, vitals::severity::info, "a and b"),
                                    rule("or", a || b, vitals::severity::info, "a or b"),
                                    rule("not", !a, vitals::severity::info, "not a"),
                                    rule("ratio", ratio(val<"a">, val<"b">) >= 2, vitals::severity::info, "a/b"),
                                    rule("vote", at_least<2>(a, b, val<"c"> == 1), vitals::severity::info, "2 of 3"),
                                    rule("words", all_of(a, not_(any_of(b, val<"c"> != 0))), vitals::severity::info, "w"));
  static_assert(decltype(rs)::size == 6);
  vitals::health_monitor m(rs, quiet());
  step(m, 0, {{"a", 2}, {"b", 0}, {"c", 0}});
  CHECK_FALSE(m.firing("and"));
  CHECK(m.firing("or"));
  CHECK_FALSE(m.firing("not"));
  CHECK(m.firing("ratio"));  // 2 / 0 = inf >= 2: plain IEEE division
  CHECK_FALSE(m.firing("vote"));
  CHECK(m.firing("words"));
  step(m, 1, {{"a", 4}, {"b", 2}, {"c", 1}});
  CHECK(m.firing("and"));
  CHECK(m.firing("ratio"));  // 4 / 2
  CHECK(m.firing("vote"));
  CHECK_FALSE(m.firing("words"));
  // Only a observed (false): "and" decides false although b is unknown; "or" stays as it was.
  step(m, 2, {{"a", 0}});
  CHECK_FALSE(m.firing("and"));
  CHECK(m.firing("or"));
  CHECK(m.firing("not"));
}

TEST_CASE("rate limiting: a rule that keeps firing is re-announced once per N epochs", "[health][rules]") {
  for (int limit : {0, 10}) {
    vitals::health_monitor m(quiet(limit));
    int fired = 0, firing = 0;
    for (int e = 0; e < 25; ++e)
      for (const auto& ev : step(m, e, {{"train/grad_norm_max", 500}})) {
        fired += ev == "exploding_gradients:fired";
        firing += ev == "exploding_gradients:firing";
      }
    CHECK(fired == 1);
    CHECK(firing == (limit == 0 ? 0 : 2));  // epochs 10 and 20
    // A state change always goes through, whatever the limit.
    CHECK(has(step(m, 25, {{"train/grad_norm_max", 1}}), "exploding_gradients:cleared"));
    CHECK(has(step(m, 26, {{"train/grad_norm_max", 500}}), "exploding_gradients:fired"));
  }
}

// A user rule added at compile time: part of the constexpr rule set.
constexpr auto lr_rule = rule("lr_too_high", val<"lr"> > 1.0, vitals::severity::error, "learning rate above 1");
constexpr auto my_rules = vitals::default_rules + lr_rule;

TEST_CASE("user rules: one added at compile time, one added and one default disabled at run time", "[health][rules]") {
  static_assert(decltype(my_rules)::size == decltype(vitals::default_rules)::size + 1);
  vitals::health_monitor m(my_rules, quiet());
  CHECK(m.has_rule("lr_too_high"));
  m.add(rule("loss_nan", val<"train/batch_loss_nonfinite"> > 0, vitals::severity::error, "NaN batch losses"));
  m.disable("exploding_gradients");
  CHECK_FALSE(m.enabled("exploding_gradients"));
  auto ev = step(m, 0, {{"lr", 3.0}, {"train/batch_loss_nonfinite", 2}, {"train/grad_norm_max", 1e6}});
  CHECK(has(ev, "lr_too_high:fired"));
  CHECK(has(ev, "loss_nan:fired"));
  CHECK_FALSE(has(ev, "exploding_gradients:fired"));
  for (const auto& x : m.last_report().metrics) CHECK(x.key != "health/exploding_gradients");
  // Replace a default with a stricter threshold.
  m.replace(rule("vanishing_gradients", val<"train/grad_norm_mean"> < 0.01, vitals::severity::warning, "stricter"));
  CHECK(has(step(m, 1, {{"train/grad_norm_mean", 0.005}}), "vanishing_gradients:fired"));
  m.enable("exploding_gradients");
  CHECK(has(step(m, 2, {{"train/grad_norm_max", 1e6}}), "exploding_gradients:fired"));
  CHECK_THROWS_WITH(m.add(lr_rule), Catch::Contains("already exists"));
  CHECK_THROWS_WITH(m.disable("no_such_rule"), Catch::Contains("exploding_gradients"));
  CHECK_THROWS_WITH(m.replace(rule("nope", val<"x"> > 1, vitals::severity::info, "")), Catch::Contains("nope"));
}

TEST_CASE("alerts reach the callback, alert records and alerts.jsonl", "[health][rules]") {
  auto dir = std::filesystem::temp_directory_path() / ("vitals_health_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  vitals::run_options ro;
  ro.dir = dir;
  ro.name = "alerts";
  ro.sinks = "jsonl";
  ro.capture_git = false;
  vitals::run run(ro);
  vitals::health_monitor m(quiet());
  m.send_alerts_to(run);  // alert records + the alerts_jsonl sink, written on the writer thread
  std::vector<vitals::alert_event> got;
  m.on_alert([&](const vitals::alert_event& e) {
    if (e.state != vitals::alert_state::not_evaluated) got.push_back(e);
  });
  step(m, 0, {{"train/grad_norm_max", 250.0}});
  step(m, 1, {{"train/grad_norm_max", 2.0}});
  REQUIRE(got.size() == 2);
  CHECK(got[0].rule == "exploding_gradients");
  CHECK(got[0].state == vitals::alert_state::fired);
  CHECK(got[0].level == vitals::severity::error);
  CHECK(got[0].text.find("train/grad_norm_max=250") != std::string::npos);
  auto fields = got[0].record_fields();
  CHECK(fields[0].key == "title");
  CHECK(fields[1].key == "text");
  CHECK(fields[2].key == "level");
  CHECK(fields[2].value.s == "ERROR");  // W&B's word for severity::error
  CHECK(fields[3].key == "state");
  CHECK(fields[3].value.s == "fired");
  CHECK(fields[4].key == "rule");
  CHECK(fields[4].value.s == "exploding_gradients");
  CHECK(fields[5].key == "epoch");
  CHECK(fields[5].value.i == 0);
  vitals::record r{.kind = vitals::record_kind::alert, .step = 0, .metrics = fields};
  CHECK(r.metrics.size() == 6);
  CHECK(got[1].state == vitals::alert_state::cleared);

  run.finish();
  std::ifstream in(run.dir() / "alerts.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  int exploding = 0;
  for (const auto& l : lines) {
    CHECK(l.front() == '{');
    CHECK(l.back() == '}');
    if (l.find("\"rule\":\"exploding_gradients\"") != std::string::npos) ++exploding;
  }
  CHECK(exploding == 2);
  CHECK(lines.size() > 2);  // plus the not-evaluated notices
  std::filesystem::remove_all(dir);

  // A callback may throw to stop training; the exception reaches the caller of evaluate().
  vitals::health_monitor stopper(quiet());
  stopper.on_alert([](const vitals::alert_event& e) {
    if (e.state == vitals::alert_state::fired) throw std::runtime_error("stop: " + e.rule);
  });
  stopper.observe("train/grad_norm_max", 1e9);
  CHECK_THROWS_WITH(stopper.evaluate(0), Catch::Contains("exploding_gradients"));
}

TEST_CASE("messages name each metric once and show its value", "[health][rules]") {
  constexpr auto band = rule("out_of_band", val<"a"> > 1.0 || val<"a"> < -1.0, vitals::severity::warning, "a out of band");
  static_assert(decltype(band.cond)::leaves == 2);
  static_assert(decltype(vitals::default_rule_conditions::mode_collapse)::leaves == 6);
  static_assert(decltype(vitals::default_rule_conditions::mode_collapse)::states == 1);
  vitals::health_monitor m(make_rule_set(band), quiet());
  m.observe("b", 0.0);
  const auto& r0 = m.evaluate(0);
  REQUIRE(r0.events.size() == 1);
  CHECK(r0.events[0].text == "not evaluated: never logged: a");
  m.observe("a", 3.0);
  const auto& r1 = m.evaluate(1);
  REQUIRE(r1.events.size() == 1);
  CHECK(r1.events[0].text == "a out of band (a=3)");
  CHECK(r1.events[0].title == "out_of_band fired");
}

TEST_CASE("json lines escape what they must", "[health][rules]") {
  vitals::alert_event e;
  e.rule = "r";
  e.title = "quote \" and \\ and\nnewline";
  e.text = std::string("ctl \x01");
  const auto fields = e.record_fields();
  std::string line;  // what the alerts_jsonl sink writes for this event's alert record
  vitals::detail::append_alert_json_line(line, fields, 1.5);
  CHECK(line.front() == '{');
  CHECK(line.back() == '}');
  CHECK(line.find("\"rule\":\"r\"") != std::string::npos);
  CHECK(line.find("quote \\\" and \\\\ and\\nnewline") != std::string::npos);
  CHECK(line.find("ctl \\u0001") != std::string::npos);
  CHECK(line.find("\"timestamp\":1.5") != std::string::npos);
}
