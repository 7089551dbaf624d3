// Logs many rows through JSONL, CSV, TensorBoard and W&B (offline) into one run, for
// test_disk_full.py, which runs it under RLIMIT_FSIZE or on a tiny tmpfs and then reads every file
// back. The driver does nothing about SIGXFSZ: vitals must survive a file-size limit by itself.
//
// usage: disk_full_driver <runs dir> [rows] [flush_bytes] [flush_interval_ms]
//   flush_bytes: sink buffer size (JSONL/CSV/TensorBoard flush_bytes, W&B buffer_bytes); 0 keeps
//   the defaults. Prints, on stdout: "sigxfsz SIG_DFL|other" (SIGXFSZ's disposition before vitals
//   ran), "run_dir <path>", "steps <rows committed>", one "sink_error <text>" line per failed
//   sink, "done". A run that cannot start prints "start_error <message>" and exits 3.
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "vitals/run.hpp"
#include "vitals/sinks/csv.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb.hpp"

namespace {

void train(vitals::run& run, int rows, std::size_t flush_bytes) {
  vitals::jsonl j;
  vitals::csv c;
  vitals::tensorboard tb;
  vitals::wandb_options wo;
  wo.mode = vitals::wandb_mode::offline;
  wo.quiet = true;
  if (flush_bytes > 0) {
    j.flush_bytes = c.flush_bytes = tb.flush_bytes = flush_bytes;
    wo.buffer_bytes = flush_bytes;
  }
  run.attach(j);
  run.attach(c);
  run.attach(tb);
  run.attach(vitals::wandb_sink(wo));

  for (int i = 0; i < rows; ++i) {
    const double loss = 1.0 / (1 + i) + 1e-3 * std::sin(i);
    run.log({{"train/loss", loss},
             {"train/acc", 0.5 + 0.4 * (1 - std::exp(-i / 500.0))},
             {"lr", 1e-3 * std::pow(0.999, i)},
             {"epoch", i / 100},
             {"grad/norm", std::abs(std::cos(i * 0.1)) * 3},
             {"note", i % 7 == 0 ? "a, \"quoted\"\nline" : "plain"}});
    if (i == 40) run.log({{"val/loss", loss * 1.1}, {"train/loss", loss}});  // a new key: CSV widens
    if (i % 100 == 99) {
      run.log({{"val/loss", loss * 1.1},
               {"hist", R"({"_type":"histogram","values":[1,2,3],"bins":[0,0.5,1,1.5]})"}});
    }
  }
  run.summary("best/val_loss", 0.125);
  const auto steps = run.step();
  run.finish(0);
  std::printf("steps %lld\n", static_cast<long long>(steps));
  for (const auto& e : run.sink_errors()) {
    std::string line = e;
    for (auto& ch : line)
      if (ch == '\n') ch = ' ';
    std::printf("sink_error %s\n", line.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <runs dir> [rows] [flush_bytes] [flush_interval_ms]\n", argv[0]);
    return 2;
  }
  const int rows = argc > 2 ? std::atoi(argv[2]) : 3000;
  const std::size_t flush_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 0;
  const int interval_ms = argc > 4 ? std::atoi(argv[4]) : 1000;

  vitals::run_options o;
  o.project = "disk-full";
  o.name = "full";
  o.dir = argv[1];
  o.sinks = "";
  o.capture_git = false;
  o.handle_signals = false;
  o.config_json = R"({"lr": 0.001, "model": {"name": "resnet", "depth": 18}})";
  o.pipeline.flush_interval = std::chrono::milliseconds(interval_ms);

  struct sigaction sa {};
  ::sigaction(SIGXFSZ, nullptr, &sa);
  std::printf("sigxfsz %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "other");

  bool started = false;
  try {
    vitals::run run(o);
    started = true;
    std::printf("run_dir %s\n", run.dir().c_str());
    std::fflush(stdout);
    train(run, rows, flush_bytes);
  } catch (const std::exception& e) {
    std::printf("%s %s\n", started ? "error" : "start_error", e.what());
    return 3;
  }
  std::printf("done\n");
  return 0;
}
