// The README's example, verbatim between the markers: if it stops compiling or running, the README
// is wrong. (readme_example_in_sync checks the README still shows this text.)
// README-BEGIN
#include <vitals.hpp>

struct Optim { double lr = 3e-4; double weight_decay = 0.01; };
struct Train {
  std::string exp_name = "default";
  int epochs = 30;
  Optim optim;
  vitals::required<int> seed;                       // must be set: '???' in YAML
};

int main(int argc, char** argv) {
  auto cfg = vitals::parse_args<Train>(argc, argv);  // --config f.yaml, optim.lr=1e-3, --show-config
  vitals::run run({.project = "demo", .name = cfg.exp_name}, cfg);  // runs/{name}_{id}/config.json
  run.attach(vitals::sinks(vitals::jsonl{}, vitals::csv{}, vitals::console{}, vitals::wandb_offline{}));
  for (int step = 0; step < 100; ++step)
    run.log({{"train/loss", 1.0 / (step + 1)}, {"lr", cfg.optim.lr}}, step);
  run.summary("final/loss", 0.01);
  run.finish();
}
// README-END
