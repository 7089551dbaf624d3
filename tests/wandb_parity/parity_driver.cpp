// A training-like program for the W&B parity tests (issue 16): a vitals::run with the wandb sink that
// logs a row every 50 ms for <seconds>, prints to stdout/stderr, raises an alert and finishes.
//
//   parity_driver <runs dir> <seconds> [any extra arguments, recorded in the environment record]
//
// WANDB_X_STATS_SAMPLING_INTERVAL sets the sampling interval (seconds); VITALS_NVML_LIBRARY the NVML;
// WANDB_CONSOLE the console capture. An extra argument --die: print "last words" and end by SIGTERM
// (vitals' signal handler finishes the run) instead of finishing. The run flags among the extra
// arguments apply (run_options::apply_args: --sinks, --wandb_console, --system_metrics_interval,
// --system_metrics_to_sinks; a bad value exits 2). VITALS_TEST_LIVE_FINISH_TIMEOUT (seconds): the
// wandb sink is attached in code with that wandb_options::live_finish_timeout. An extra argument
// --table: log {"a": 1} at step 0, a vitals::table "cross_fold" at step 1 and the same table as the
// summary "summ_tbl", and finish (what test_system_metrics.py's Python run does with wandb.Table).
// An extra argument --crash=kill|abort|segv (test_console_crash.py): after the run starts, write
// "burst <i>" for i < 3000 straight to fd 1 (write(2), one line each, no stdio buffer) and then die at
// once by SIGKILL, abort() or SIGSEGV, with no core file.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "vitals/run/run.hpp"
#include "vitals/run/table.hpp"
#include "vitals/sinks/wandb.hpp"

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: parity_driver <runs dir> <seconds> [args...]\n");
    return 1;
  }
  const double seconds = std::strtod(argv[2], nullptr);
  const std::string code = std::string(argv[1]) + "/train_snapshot.py";
  std::ofstream(code) << "print('the code snapshot')\n";
  vitals::run_options o;
  o.project = "parity";
  o.name = "parity";
  o.dir = argv[1];
  o.sinks = "wandb";
  bool die = false, table = false;
  for (int i = 3; i < argc; ++i) die = die || std::string(argv[i]) == "--die";
  for (int i = 3; i < argc; ++i) table = table || std::string(argv[i]) == "--table";
  o.handle_signals = die;
  o.code_files = {code};
  o.config_json = R"({"lr": 0.1, "epochs": 3})";
  o = vitals::run_options::apply_args(argc, argv, o);
  vitals::run r(o);
  if (const char* t = std::getenv("VITALS_TEST_LIVE_FINISH_TIMEOUT")) {
    auto w = vitals::registered_wandb_options();
    w.live_finish_timeout = std::chrono::duration<double>(std::strtod(t, nullptr));
    r.attach(vitals::wandb_sink(w));
  }
  if (table) {
    vitals::table t{"fold", "val_loss", "name"};
    t.add_row({0, 0.5, "x"}).add_row({1, 0.25, "y"});
    const std::string j = t.json();
    r.log({{"a", 1}}, 0, true);  // committed now, as wandb.log without a step
    r.log({{"cross_fold", std::string_view(j)}}, 1, true);
    r.summary("summ_tbl", std::string_view(j));
    r.finish(0);
    std::printf("%s\n", r.dir().c_str());
    return 0;
  }
  std::printf("isatty=%d\n", ::isatty(1));
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--crash=", 0) != 0) continue;
    std::fflush(stdout);
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    for (int n = 0; n < 3000; ++n) {
      char line[32];
      const int len = std::snprintf(line, sizeof line, "burst %d\n", n);
      if (::write(1, line, static_cast<std::size_t>(len)) != len) return 3;
    }
    if (a == "--crash=abort") std::abort();
    std::raise(a == "--crash=segv" ? SIGSEGV : SIGKILL);
    for (;;) ::pause();
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int step = 0; std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds; ++step) {
    r.log({{"loss", 1.0 / (step + 1)}}, step);
    if (step % 10 == 0) {
      std::printf("step %d\n", step);
      std::fflush(stdout);
      std::fprintf(stderr, "err %d\n", step);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  r.alert("plateau", "no improvement", "WARN");
  if (die) {
    std::printf("last words\n");
    std::fflush(stdout);
    std::raise(SIGTERM);
    for (;;) ::pause();  // the handler's thread finishes the run and ends the process by the signal
  }
  r.finish(0);
  std::printf("%s\n", r.dir().c_str());
  return 0;
} catch (const vitals::usage_error& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 2;
}
