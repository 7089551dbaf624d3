// Costs of issue 16's additions to a W&B run (numbers in bench/RESULTS.md):
//   - the system sampler: thread CPU time per system_reader::sample() (/proc, statvfs, NVML);
//   - console capture: CPU time (whole process: the writer plus the capture thread) and wall time
//     per line written to stdout, with and without capture (wrap: a pipe; stdout sent to /dev/null).
//
//   parity_bench [samples=200] [lines=200000] > /dev/null     (results on stderr)
// VITALS_NVML_LIBRARY=<libnvml_stub.so> adds the NVML queries of two (fake) GPUs.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "vitals/run/console_capture.hpp"
#include "vitals/run/system_metrics.hpp"

namespace {

double thread_cpu() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
double process_cpu() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
double wall() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct cost {
  double cpu_per_line, wall_per_line;
};

cost write_lines(int lines, vitals::console_mode mode) {
  std::string line(63, 'x');
  line += '\n';
  std::vector<vitals::console_chunk> taken;
  const double c0 = process_cpu(), w0 = wall();
  {
    vitals::console_capture cap(mode, 64u << 20);
    for (int i = 0; i < lines; ++i) {
      [[maybe_unused]] auto n = ::write(1, line.data(), line.size());
      if (i % 10000 == 0) cap.take(taken), taken.clear();  // as the sink does at each flush
    }
    cap.stop();
    cap.take(taken);
  }
  return {(process_cpu() - c0) / lines, (wall() - w0) / lines};
}

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::atoi(argv[1]) : 200;
  const int lines = argc > 2 ? std::atoi(argv[2]) : 200000;
  vitals::system_reader reader(".");
  reader.sample();
  std::size_t keys = 0;
  const double t0 = thread_cpu(), w0 = wall();
  for (int i = 0; i < samples; ++i) keys = reader.sample().values.size();
  std::fprintf(stderr, "sampler: %.1f us CPU (%.1f us wall) per sample, %zu keys, %u GPUs\n",
               (thread_cpu() - t0) / samples * 1e6, (wall() - w0) / samples * 1e6, keys, reader.gpu_count());
  const cost off = write_lines(lines, vitals::console_mode::off);
  const cost on = write_lines(lines, vitals::console_mode::wrap);
  std::fprintf(stderr, "console, 64-byte lines: off %.2f us CPU %.2f us wall; wrap %.2f us CPU %.2f us wall per line; adds %.2f us CPU\n",
               off.cpu_per_line * 1e6, off.wall_per_line * 1e6, on.cpu_per_line * 1e6, on.wall_per_line * 1e6,
               (on.cpu_per_line - off.cpu_per_line) * 1e6);
  return 0;
}
