// A program written the way issue 14 asks: one front door (vitals::app), the typed config held by
// the run, health attached to the run. front_door_test.py drives it.
//
//   front_door_driver [--config f.yaml] [key=value ...] [run flags]       flat mode
//   FRONT_DOOR_CONFIG_DIR=dir front_door_driver [group=option ...]        composing `dir`
//
// scenario= picks synthetic training curves whose health alerts must fire and then clear:
//   exploding: grad norm 500 in epochs 3-4;  plateau: a flat loss for epochs 0-13, then falling;
//   collapse: constant losses, one output, a failing *_healthy flag in epochs 0-2.
#include <vitals.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

enum class Scenario { none, exploding, plateau, collapse };

struct Model {
  int hidden = 64;
  std::vector<int> layers{1, 2};
  std::string act = "relu";
};

struct Config {
  std::string project = "front-door";
  std::string name = "fd";
  std::vector<std::string> tags{"a"};
  int epochs = 3;
  double lr = 0.1;
  bool flag = false;
  Scenario scenario = Scenario::none;
  Model model;
  std::optional<std::string> note;
};

int main(int argc, char** argv) {
  vitals::app<Config> app("front-door test driver");
  app.run_defaults({.sinks = "jsonl"}).run_fields({.project = "project", .name = "name", .tags = "tags"});
  app.check([](const Config& c, std::vector<vitals::config::problem>& p) {
    if (c.epochs < 1) p.push_back({"epochs", "must be at least 1", {}});
  });
  if (const char* dir = std::getenv("FRONT_DOOR_CONFIG_DIR")) app.compose(dir);
  auto job = app.parse_or_exit(argc, argv);
  const Config& cfg = job.config;

  vitals::run run(job.options, cfg);
  if (job.composition) job.composition->save(run.dir());
  std::vector<std::string> callback_events;
  vitals::watch_health(run, {.on_alert = [&](const vitals::alert_event& e) {
                         callback_events.push_back(e.rule + ":" + std::string(vitals::to_string(e.state)));
                       }});
  std::int64_t step = 0;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    for (int i = 0; i < 10; ++i, ++step) {
      double loss = 1.0 / (1 + step) + 0.05 * std::sin(step * 1.7);
      double gn = 1.0 + 0.3 * std::cos(step * 0.9);
      switch (cfg.scenario) {
        case Scenario::exploding:
          if (epoch == 3 || epoch == 4) gn = 500;
          break;
        case Scenario::plateau:
          if (epoch < 14) loss = 1.0;
          else loss = std::pow(0.5, epoch - 13) + 0.05 * std::sin(step * 1.7);
          break;
        case Scenario::collapse:
          if (epoch < 3) loss = 0.7, gn = 1.0;
          break;
        case Scenario::none: break;
      }
      run.log({{"train/loss", loss}, {"train/grad_norm", gn}, {"epoch", epoch}}, step);
    }
    if (cfg.scenario == Scenario::collapse) {
      const bool bad = epoch < 3;
      run.log({{"validation/gen_std", bad ? 0.01 : 1.0}, {"validation/gen_range", 2.0}, {"val/output_healthy", bad ? 0 : 1}},
              step - 1);
    }
    run.end_epoch();
  }
  run.finish();
  std::printf("run directory: %s\n", run.dir().string().c_str());
  for (const auto& e : callback_events) std::printf("callback %s\n", e.c_str());
  return 0;
}
