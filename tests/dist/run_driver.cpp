// One rank of a distributed job, for run_oracle.py: opens a run from the environment and flags,
// logs --steps steps, and prints "rank R id ID writes W dir DIR" on stdout. --kill_rank R
// --kill_step S: rank R kills itself (SIGKILL) at step S, as a crashed rank would die.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "vitals/run/run.hpp"

int main(int argc, char** argv) {
  try {
    vitals::run_options base;
    base.project = "dist-test";
    base.name = "dist";
    base.sinks = "jsonl,csv";
    base.report = false;
    base.capture_git = false;
    auto opts = vitals::run_options::from_args(argc, argv, base);
    int steps = 10, kill_rank = -1, kill_step = -1, sleep_ms = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string_view a = argv[i];
      int v = std::atoi(argv[i + 1]);
      if (a == "--steps") steps = v;
      else if (a == "--kill_rank") kill_rank = v;
      else if (a == "--kill_step") kill_step = v;
      else if (a == "--sleep_ms") sleep_ms = v;
      else throw vitals::invalid_option("unknown argument " + std::string(a));
    }
    vitals::run run(opts);
    std::printf("rank %d id %s writes %d dir %s\n", run.rank(), run.id().c_str(), run.writes() ? 1 : 0,
                run.dir().string().c_str());
    std::fflush(stdout);
    for (int s = 0; s < steps; ++s) {
      if (run.rank() == kill_rank && s == kill_step) ::raise(SIGKILL);
      run.log({{"train/loss", 1.0 / (1 + s)}, {"rank", run.rank()}}, s);
      if (s % 5 == 4) run.flush();
      if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    }
    run.summary("final/loss", 1.0 / steps);
    run.finish(0);
  } catch (const vitals::usage_error& e) {
    vitals::exit_usage_error(argv[0], e.what());
  }
  return 0;
}
