// Writes a run whose values test_pandas_oracle.py recomputes: ints, floats (incl. NaN/inf),
// bools, strings with commas and quotes, keys appearing mid-run, a struct, commit=false rows.
#include <cmath>
#include <cstdio>
#include <limits>

#include "vitals/run.hpp"

struct grads {
  double norm;
  double max;
};
struct train_metrics {
  double loss;
  int epoch;
  bool improving;
  grads grad;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <runs dir>\n", argv[0]);
    return 2;
  }
  vitals::run_options o;
  o.project = "oracle";
  o.name = "exp/fold0";
  o.dir = argv[1];
  o.sinks = "jsonl,csv";
  o.config_json = R"({"lr": 0.001, "exp": {"name": "baseline", "folds": [0, 1, 2]}})";
  o.capture_git = false;
  vitals::run run(o);
  const int steps = 200;
  for (int i = 0; i < steps; ++i) {
    double loss = 1.0 / (1 + i) + 1e-3 * std::sin(i);
    if (i == 7) loss = std::numeric_limits<double>::quiet_NaN();
    if (i == 8) loss = std::numeric_limits<double>::infinity();
    run.log({{"train/loss", loss}, {"lr", 1e-4 * (i % 10)}, {"count", i * 1000003LL}}, {}, false);
    if (i % 10 == 0) run.log({{"val/acc", 0.5 + i * 0.001}, {"phase", i % 20 == 0 ? "a,\"quoted\"" : "plain"}}, {}, false);
    if (i >= 100) run.log(vitals::prefixed("struct/", train_metrics{loss * 2, i / 50, i % 3 == 0, {i * 0.25, i * 0.5}}), {}, false);
    run.commit();
  }
  run.summary("best/val_acc", 0.9);
  run.finish();
  std::printf("%s\n", run.dir().c_str());
  return 0;
}
