// A training job that survives preemption: it checkpoints every --ckpt_every steps into its run
// directory and, started again with the same run id (--wandb_id, or --wandb_resume auto under
// SLURM), continues from its last checkpoint in the same run. requeue.sh shows the cycle.
//
//   requeue_train --wandb_id job42 --wandb_resume allow --wandb_dir runs --sinks jsonl,csv,wandb
//                 [--steps 200] [--ckpt_every 20] [--step_ms 5] [--term_at S] [--kill_at S]
//
// --term_at S / --kill_at S: after step S the job sends itself SIGTERM (a scheduler's preemption:
// the run finishes, marked preempted) or SIGKILL (no chance to finish: a node lost), for tests.
// Exit codes: 0 done, 2 a usage error (a bad flag, --wandb_resume must without a run), 143 SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "vitals/config/error.hpp"
#include "vitals/run.hpp"
#include "vitals/sinks.hpp"

namespace {

long long flag_value(int argc, char** argv, std::string_view name, long long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return std::stoll(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) try {
  vitals::run_options base;
  base.project = "requeue";
  base.sinks = "jsonl,csv";
  base.capture_git = false;
  auto opts = vitals::run_options::from_args(argc, argv, base);
  const long long steps = flag_value(argc, argv, "--steps", 200), every = flag_value(argc, argv, "--ckpt_every", 20),
                  step_ms = flag_value(argc, argv, "--step_ms", 5), term_at = flag_value(argc, argv, "--term_at", -1),
                  kill_at = flag_value(argc, argv, "--kill_at", -1);
  opts.config_json = "{\"steps\": " + std::to_string(steps) + ", \"ckpt_every\": " + std::to_string(every) + "}";
  vitals::run run(opts);

  // The model's state is its step here: the checkpoint holds the last step it has done.
  long long start = 0;
  if (std::ifstream ckpt(run.artifact_path("ckpt.txt")); ckpt >> start) ++start;
  std::fprintf(stderr, "requeue_train: run %s in %s, from step %lld (resumed: %s)\n", run.id().c_str(),
               run.dir().c_str(), start, run.info().resumed ? "yes" : "no");
  run.summary("starts/" + std::to_string(start), start);

  for (long long s = start; s < steps; ++s) {
    const double loss = 1.0 / std::sqrt(1.0 + static_cast<double>(s));
    run.log({{"train/loss", loss}, {"lr", 1e-3}}, s, true);
    if ((s + 1) % every == 0) {  // checkpoint: written whole (write, then rename)
      const auto p = run.artifact_path("ckpt.txt");
      { std::ofstream(p.string() + ".tmp") << s << "\n"; }
      std::rename((p.string() + ".tmp").c_str(), p.c_str());
    }
    if (s == kill_at) {
      run.flush();
      ::raise(SIGKILL);
    }
    if (s == term_at) {
      ::raise(SIGTERM);                                                // vitals finishes the run, then
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // the process ends with 143
    }
    if (step_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
  }
  run.summary("final/loss", 1.0 / std::sqrt(static_cast<double>(steps)));
  run.finish(0);
  return 0;
} catch (const vitals::usage_error& e) {
  std::fprintf(stderr, "requeue_train: error: %s\n", e.what());
  return vitals::usage_exit_code;
}
