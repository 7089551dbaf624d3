// A file that only logs: it opens a run and logs scalars, and needs none of the config parsers.
#include <vitals/run.hpp>

int main() {
  vitals::run run({.project = "compile-cost", .mode = vitals::run_mode::disabled});
  for (int step = 0; step < 10; ++step) run.log({{"train/loss", 1.0 / (step + 1)}}, step);
  run.finish();
}
