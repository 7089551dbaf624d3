// A program that logs every step until it is signalled: the subject of signal_test.py.
//   signal_driver <runs dir> <id> default|ignore_int|chain
// default: vitals' handlers over the default dispositions; ignore_int: SIGINT ignored before the
// run (as `cmd &` in a script does); chain: the program installed its own SIGINT/SIGTERM handler
// before the run (it writes a marker file and ends with 128+signal).
// Prints "ready <run dir>" once the run has started.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "vitals/run.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/sinks/wandb.hpp"

namespace {
char marker_path[4096];

void user_handler(int sig) {
  int fd = ::open(marker_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!::write(fd, "chained\n", 8);
    ::close(fd);
  }
  ::_exit(128 + sig);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: signal_driver <runs dir> <id> default|ignore_int|chain\n");
    return 2;
  }
  const std::string mode = argv[3];
  if (mode == "ignore_int") {
    ::signal(SIGINT, SIG_IGN);
  } else if (mode == "chain") {
    std::snprintf(marker_path, sizeof marker_path, "%s/chained-%s", argv[1], argv[2]);
    struct sigaction sa {};
    sa.sa_handler = &user_handler;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
  }
  vitals::run_options o;
  o.project = "signals";
  o.name = "sig";
  o.id = argv[2];
  o.dir = argv[1];
  o.capture_git = false;
  o.sinks = "jsonl,csv,wandb";
  o.pipeline.flush_interval = std::chrono::milliseconds(20);
  vitals::run run(o);
  run.attach(vitals::tensorboard{});
  std::printf("ready %s\n", run.dir().c_str());
  std::fflush(stdout);
  for (std::int64_t step = 0;; ++step) {
    run.log({{"train/loss", 1.0 / double(step + 1)}, {"train/step_copy", step}, {"lr", 3e-4}}, step);
    if (step % 64 == 0) ::usleep(200);  // a training step's worth of pause now and then
  }
}
