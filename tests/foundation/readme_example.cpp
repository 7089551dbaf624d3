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
  // --config f.yaml, optim.lr=1e-3, --show-config, --help, --wandb_project P, --sinks jsonl,csv
  auto job = vitals::app<Train>("Trains the model.")
                 .run_defaults({.project = "demo", .sinks = "jsonl,csv,console,wandb"})
                 .run_fields({.name = "exp_name"})  // the config's exp_name names the run
                 .parse_or_exit(argc, argv);        // every mistake at once, exit code 2
  vitals::run run(job.options, job.config);         // runs/{name}_{id}/config.json
  vitals::watch_health(run);                        // health rules on the logged rows
  for (int epoch = 0, step = 0; epoch < 3; ++epoch) {
    for (int i = 0; i < 30; ++i, ++step)
      run.log({{"train/loss", 1.0 / (step + 1)}, {"train/grad_norm", 0.5}, {"lr", job.config.optim.lr}}, step);
    run.end_epoch();                                // the monitor evaluates; alerts reach every sink
  }
  run.summary("final/loss", 0.01);
  run.finish();
}
// README-END
