// A training run with every metric of seed 003's dashboard, driven by synthetic numbers, for the
// report tests and the report benchmark: train/* every step, the epoch's health metrics at its last
// step, validation every few epochs, loss components, a weight histogram, system metrics, and the
// default health rules turned into alerts (the run collapses in its second half and recovers).
//
//   report_driver RUNS_DIR [--steps N] [--epoch-len K] [--extra M] [--name NAME] [--seed S]
//                          [--crash] [--no-report]
// --extra M: M more per-step metrics (extra/m00 ...), for the 100k x 50 benchmark.
// --crash: stop without finishing (flush, then a torn line, then _exit(3)): what a killed run leaves.
// Prints the run directory.
#include <vitals.hpp>
#include <vitals/detail/fmt.hpp>  // fmt::format (vitals.hpp does not give fmt)
#include <vitals/sinks/report.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_driver RUNS_DIR [--steps N] [--epoch-len K] [--extra M] [--name NAME] [--seed S] [--crash] [--no-report]\n");
    return 2;
  }
  std::int64_t steps = 3000, epoch_len = 100;
  int extra = 0;
  std::uint64_t seed = 1;
  bool crash = false, report = true;
  std::string name = "report-demo";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--steps") steps = std::stoll(next());
    else if (a == "--epoch-len") epoch_len = std::stoll(next());
    else if (a == "--extra") extra = std::stoi(next());
    else if (a == "--name") name = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--crash") crash = true;
    else if (a == "--no-report") report = false;
    else {
      std::fprintf(stderr, "report_driver: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  vitals::run_options o;
  o.project = "vitals-report-test";
  o.name = name;
  o.group = "report";
  o.tags = {"fold_" + std::to_string(seed)};
  o.dir = argv[1];
  o.sinks = "jsonl";
  o.capture_git = false;
  o.config_json = "{\"lr\": 0.001, \"seed\": " + std::to_string(seed) + ", \"optim\": {\"name\": \"adamw\", \"wd\": 0.01}, \"steps\": " +
                  std::to_string(steps) + "}";
  vitals::run run(o);
  if (report) run.attach(vitals::html_report{});

  vitals::health_monitor monitor;
  monitor.send_alerts_to(run);  // alert records to every sink + alerts.jsonl (writer thread)

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::string> extra_keys;
  for (int m = 0; m < extra; ++m) extra_keys.push_back(fmt::format("extra/m{:02d}", m));
  std::vector<vitals::metric> row;
  const std::int64_t epochs = std::max<std::int64_t>(1, steps / epoch_len);
  vitals::epoch_tracker tracker;
  double prev_loss = 0;
  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t epoch = step / epoch_len;
    const double frac = static_cast<double>(epoch) / static_cast<double>(epochs);
    const bool collapsed = frac > 0.55 && frac < 0.8;  // the middle of the second half collapses
    const double base = 0.1 + std::exp(-3.0 * static_cast<double>(step) / static_cast<double>(steps));
    const double loss = base * (1 + (collapsed ? 0.001 : 0.15) * noise(rng));
    const double grad = (collapsed ? 0.5 : 2.0) * (1 + (collapsed ? 0.001 : 0.3) * std::abs(noise(rng)));
    const double simple = 0.5 * loss, vel = (collapsed ? 0.45 : 0.3) * loss, fk = loss - simple - vel;
    tracker.on_step(grad, loss, {{"simple", simple}, {"vel", vel}, {"fk", fk}});
    row.clear();
    row.push_back({"train/total_loss", loss});
    row.push_back({"train/grad_norm", grad});
    row.push_back({"train/lr", 1e-3 * (1 - 0.9 * static_cast<double>(step) / static_cast<double>(steps))});
    row.push_back({"epoch", epoch});
    for (std::size_t m = 0; m < extra_keys.size(); ++m)
      row.push_back({extra_keys[m], std::sin(static_cast<double>(step) / (500.0 + 37.0 * m)) + 0.05 * noise(rng)});
    if (step == steps / 3) row.push_back({"train/grad_norm", std::numeric_limits<double>::quiet_NaN()});
    const bool epoch_end = (step + 1) % epoch_len == 0;
    run.log(std::span<const vitals::metric>(row), step, /*commit=*/!epoch_end);
    if (!epoch_end) continue;

    vitals::metric_list m = tracker.end_epoch();
    // The loss tracker's is_improving flips to 0 once the synthetic loss flattens out.
    (void)prev_loss;
    prev_loss = loss;
    m.set("model/weight_mean", 0.05 + 0.001 * frac);
    m.set("model/weight_std", 0.08);
    m.set("model/weight_max", 1.5 + frac);
    m.set("model/ema_diff", collapsed ? 1.5 : 0.01 * (1 + 0.1 * noise(rng)));
    if (epoch % 2 == 0) {  // validation every other epoch
      const double gen_std = collapsed ? 0.05 : 0.6 + 0.1 * noise(rng);
      m.set("validation/gen_std", gen_std);
      m.set("validation/gen_mean", 0.01 * noise(rng));
      m.set("validation/gen_range", collapsed ? 0.3 : 3.0);
      m.set("validation/knee_r_std", collapsed ? 0.03 : 0.35);
      m.set("validation/knee_healthy", collapsed ? 0.0 : 1.0);
      m.set("validation/grf_vz_r_std", collapsed ? 0.5 : 150.0);
      m.set("validation/grf_healthy", collapsed ? 0.0 : 1.0);
    }
    m.set("system/cpu_percent", 40 + 10 * std::abs(noise(rng)));
    m.set("system/memory_gb", 3.0 + 0.001 * static_cast<double>(step) / static_cast<double>(epoch_len));
    auto ms = m.metrics();
    run.log(ms, step, false);
    // A weight histogram (W&B histogram JSON) every epoch.
    std::vector<double> w(2000);
    const double spread = collapsed ? 0.05 : 0.3 + frac;
    for (auto& x : w) x = spread * noise(rng);
    const std::string hist = vitals::wandb_histogram::from_samples(w, 32).json();
    run.log({{"weights/layer1", std::string_view(hist)}}, step, false);
    monitor.observe(ms);
    run.log(monitor.evaluate(epoch).metrics, step, true);
  }
  run.summary("final/total_loss", prev_loss);
  run.summary("final/note", "synthetic run</script><b>not bold</b>");
  std::printf("%s\n", run.dir().string().c_str());
  std::fflush(stdout);
  if (crash) {
    run.flush();
    std::ofstream(run.dir() / "metrics.jsonl", std::ios::app) << "{\"_step\":" << steps << ",\"train/total_lo";
    ::_exit(3);
  }
  run.finish(0);
  return 0;
}
