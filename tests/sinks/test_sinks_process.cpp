// Tests that need other processes: the console under a pseudo-terminal and under a pipe, and
// crash safety (a child logging continuously is killed with SIGKILL at random moments).
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "test_support.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/run.hpp"
#include "vitals/sinks.hpp"

using namespace vitals_test;

namespace {

// In the child: log `steps` rows through a console sink on stdout, then exit.
[[noreturn]] void console_child(const std::filesystem::path& dir, int steps) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.capture_git = false;
  o.handle_signals = false;
  o.total_steps = steps;
  {
    vitals::run run(o);
    run.attach(vitals::console{.every = 10});
    for (int i = 0; i < steps; ++i) {
      run.log({{"loss", 1.0 / (i + 1)}, {"acc", i * 0.01}});
      if (i % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    run.finish();
  }
  std::fflush(stdout);
  ::_exit(0);
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;  // EOF, or EIO when the pty's slave side closed
  }
  return out;
}

}  // namespace

TEST_CASE("console: progress bar with ETA on a terminal, plain aligned lines on a pipe") {
  temp_dir tmp("console");
  SECTION("pseudo-terminal") {
    int master = -1;
    pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) console_child(tmp.path, 40);
    auto out = read_all(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    CHECK(WIFEXITED(status));
    CHECK(out.find('\r') != std::string::npos);
    CHECK(out.find("ETA") != std::string::npos);
    CHECK(out.find("40/40") != std::string::npos);
    CHECK(out.find("100%") != std::string::npos);
    CHECK(out.find("step      30 | loss") != std::string::npos);
  }
  SECTION("pipe") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      console_child(tmp.path, 40);
    }
    ::close(fds[1]);
    auto out = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(out.find('\r') == std::string::npos);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find("ETA") == std::string::npos);
    auto lines = lines_of(out);
    int metric_lines = 0;
    for (const auto& l : lines)
      if (l.rfind("step ", 0) == 0) {
        ++metric_lines;
        CHECK(l.find(" | loss ") == 12);  // aligned: the step column has a fixed width
      }
    CHECK(metric_lines == 4);  // steps 0, 10, 20, 30
  }
}

namespace {

// In the child: log forever; after each flush report the last flushed step on `report_fd`.
[[noreturn]] void crash_child(const std::filesystem::path& dir, const std::string& id, int report_fd) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.id = id;
  o.name = "crash";
  o.sinks = "jsonl,csv";
  o.capture_git = false;
  o.handle_signals = false;
  o.pipeline.flush_interval = std::chrono::milliseconds(20);
  vitals::run run(o);
  for (std::int64_t i = 0;; ++i) {
    if (i == 50) run.log({{"late_key", 1}, {"x", i}, {"y", 0.5 * static_cast<double>(i)}});
    else run.log({{"x", i}, {"y", 0.5 * static_cast<double>(i)}, {"s", "a,\"b\""}});
    if (i % 64 == 63) {
      run.flush();
      (void)!::write(report_fd, &i, sizeof i);
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // keeps the files small
    }
  }
}

}  // namespace

TEST_CASE("crash safety: after kill -9 every file parses and holds everything up to the last flush") {
  temp_dir tmp("crash");
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_ms(40, 200);
  const int kills = 20;
  int kills_after_a_flush = 0;
  for (int k = 0; k < kills; ++k) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::string id = "crash" + std::to_string(k);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      crash_child(tmp.path, id, fds[1]);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    std::int64_t last_flushed = -1, v;
    while (::read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) last_flushed = v;
    ::close(fds[0]);
    INFO("kill " << k << ", last flushed step " << last_flushed);
    if (last_flushed >= 0) ++kills_after_a_flush;

    auto dir = tmp.path / ("crash_" + id);
    // JSONL: every complete line is a JSON object; steps are 0, 1, 2, ... without gaps.
    // (Checked with plain ifs: Catch's per-assertion cost would dominate over ~10^5 lines.)
    auto jsonl_lines = lines_of(read_file(dir / "metrics.jsonl"));
    simdjson::dom::parser parser;
    std::int64_t expect = 0;
    std::string jsonl_problem;
    for (const auto& line : jsonl_lines) {
      simdjson::dom::element doc;
      std::int64_t step = -1, x = -1;
      if (parser.parse(line).get(doc) != simdjson::SUCCESS || doc["_step"].get(step) != simdjson::SUCCESS ||
          doc["x"].get(x) != simdjson::SUCCESS || step != expect || x != expect) {
        jsonl_problem = "line " + std::to_string(expect) + ": " + line;
        break;
      }
      ++expect;
    }
    CHECK(jsonl_problem == "");
    CHECK(expect - 1 >= last_flushed);
    // CSV: header, then complete rows with the header's number of fields and consecutive steps.
    auto text = read_file(dir / "metrics.csv");
    if (last_flushed >= 0) REQUIRE(!text.empty());
    if (!text.empty()) {
      auto rows = vitals::detail::csv_parse(text);
      REQUIRE(!rows.empty());
      const auto& header = rows.front();
      auto step_col = static_cast<std::size_t>(std::find(header.begin(), header.end(), "_step") - header.begin());
      REQUIRE(step_col < header.size());
      std::string csv_problem;
      for (std::size_t r = 1; r < rows.size() && csv_problem.empty(); ++r)
        if (rows[r].size() != header.size() || rows[r][step_col] != std::to_string(r - 1))
          csv_problem = "row " + std::to_string(r) + " has " + std::to_string(rows[r].size()) + " fields";
      CHECK(csv_problem == "");
      CHECK(static_cast<std::int64_t>(rows.size()) - 2 >= last_flushed);
      if (last_flushed >= 50) CHECK(std::find(header.begin(), header.end(), "late_key") != header.end());
    }
  }
  CHECK(kills_after_a_flush >= 5);  // the test must actually kill mid-stream, after flushes
}

namespace {
// In the child: a private mount namespace with a 64 KiB tmpfs; JSONL goes there, CSV to the
// normal disk. Exit 0: checks passed; 77: no tmpfs possible here; others: failure.
[[noreturn]] void tmpfs_child(const std::filesystem::path& dir) {
  auto mnt = dir / "tiny";
  std::filesystem::create_directories(mnt);
  if (::unshare(CLONE_NEWNS) != 0 && ::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(77);
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) ::_exit(77);
  int code = 0;
  try {
    vitals::run_options o;
    o.project = "tests";
    o.dir = dir / "runs";
    o.capture_git = false;
    o.handle_signals = false;
    vitals::run run(o);
    run.attach(vitals::jsonl{.path = mnt / "metrics.jsonl", .flush_bytes = 4096});
    run.attach(vitals::csv{});
    for (int i = 0; i < 5000; ++i) run.log({{"loss", 1.0 / (i + 1)}, {"note", "padding padding padding"}});
    run.finish();
    auto errors = run.sink_errors();
    if (errors.size() != 1 || errors[0].find("No space left on device") == std::string::npos) code = 1;
    if (lines_of(read_file(run.dir() / "metrics.csv")).size() != 5001) code = 2;
    auto lines = lines_of(read_file(mnt / "metrics.jsonl"));
    if (lines.size() < 100) code = 3;
    simdjson::dom::parser parser;
    for (const auto& l : lines) {
      simdjson::dom::element doc;
      if (parser.parse(l).get(doc) != simdjson::SUCCESS) code = 4;
    }
  } catch (...) {
    code = 5;
  }
  ::_exit(code);
}
}  // namespace

TEST_CASE("disk full on a tiny tmpfs: clear error, complete lines, the other sink goes on") {
  temp_dir tmp("tmpfs");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) tmpfs_child(tmp.path);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("cannot mount a tmpfs here (no mount namespace); skipped");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
