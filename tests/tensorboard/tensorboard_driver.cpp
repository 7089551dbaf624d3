// Test driver for the TensorBoard oracle (tb_oracle.py reads what it writes with tensorboard's own
// event-file reader).
//
//   tensorboard_driver run   <runs dir>   a vitals::run with --sinks tensorboard; prints the run dir
//   tensorboard_driver crash <out dir>    the sink alone: 3 records flushed, 2 more buffered, then
//                                         _Exit without flushing (as kill -9 would); prints the file
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/run/run.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb/histogram.hpp"

namespace {

// The values tb_oracle.py expects (keep the two in step).
std::vector<vitals::metric> step_metrics(int step) {
  return {
      {"train/loss", 1.0 / (step + 1)},
      {"epoch", step * 10},
      {"flag", step % 2 == 1},
      {"zero", 0.0},
      {"neg", -2.5 * step},
      {"nan", std::nan("")},
      {"inf", HUGE_VAL},
      {"ninf", -HUGE_VAL},
      {"big_int", std::int64_t{1} << 40},
      {"note", "a string is skipped"},
  };
}

int run_mode(const char* dir) {
  vitals::run_options o;
  o.project = "tb";
  o.name = "tb_oracle";
  o.dir = dir;
  o.sinks = "tensorboard";
  o.capture_git = false;
  o.handle_signals = false;
  vitals::run r(o);
  for (int step = 0; step < 5; ++step) {
    const auto ms = step_metrics(step);
    r.log(std::span<const vitals::metric>(ms), step);
  }
  const auto h = vitals::wandb_histogram::from_counts({1, 2, 3}, {0, 1, 2, 3}).json();
  r.log({{"weights", std::string_view(h)}}, 5);
  r.log({{"only/string", "skipped: no event for this step"}}, 6);
  r.log({{"last", 7.0}}, 7);
  r.finish(0);
  std::printf("%s\n", r.dir().c_str());
  return 0;
}

int crash_mode(const char* dir) {
  vitals::tensorboard tb;
  vitals::run_info info;
  info.dir = dir;
  info.start_time = 1700000000.25;
  tb.open(info);
  std::printf("%s\n", tb.path().c_str());
  std::fflush(stdout);
  for (int step = 0; step < 5; ++step) {
    vitals::metric m[] = {{"x", double(step)}};
    vitals::record r{vitals::record_kind::history, step, 1700000001.0 + step, 1.0 + step, m};
    tb.write(r);
    if (step == 2) tb.flush();
  }
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "run") return run_mode(argv[2]);
  if (argc == 3 && std::string_view(argv[1]) == "crash") return crash_mode(argv[2]);
  std::fprintf(stderr, "usage: tensorboard_driver run|crash <dir>\n");
  return 2;
}
