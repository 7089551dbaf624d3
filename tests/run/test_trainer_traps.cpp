// Issue 22: the traps a first trainer fell into, one test each.
//  - disabled mode (WANDB_MODE=disabled) still saves the program's own files (artifact_path);
//  - VITALS_SINKS plus sinks attached in code: each kind runs once, the code's others are kept,
//    and what runs is printed once;
//  - the console: epoch rows shown whatever `every` says, each alert once, "not evaluated" never,
//    the summary as one aligned block, stderr lines never glued to the progress bar.
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "../sinks/test_support.hpp"
#include "vitals/config.hpp"
#include "vitals/health.hpp"
#include "vitals/run.hpp"
#include "vitals/sinks.hpp"

using namespace vitals_test;

namespace {

vitals::run_options quiet_options(const std::filesystem::path& dir) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.capture_git = false;
  o.handle_signals = false;
  o.report = false;  // report.html (added by default) is not what these tests are about
  return o;
}

struct env_var {
  std::string name;
  env_var(std::string k, const std::string& v) : name(std::move(k)) { ::setenv(name.c_str(), v.c_str(), 1); }
  ~env_var() { ::unsetenv(name.c_str()); }
};

// Sends a file descriptor (1 = stdout, 2 = stderr) to a file while alive.
struct capture_fd {
  int fd, saved;
  std::filesystem::path path;
  capture_fd(int which, std::filesystem::path file) : fd(which), path(std::move(file)) {
    std::fflush(stdout);
    std::fflush(stderr);
    saved = ::dup(fd);
    int f = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ::dup2(f, fd);
    ::close(f);
  }
  std::string release() {
    if (saved >= 0) {
      std::fflush(stdout);
      std::fflush(stderr);
      ::dup2(saved, fd);
      ::close(saved);
      saved = -1;
    }
    return read_file(path);
  }
  ~capture_fd() { release(); }
};

std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("disabled mode: artifact_path still gives a writable path, log() stays a no-op", "[disabled]") {
  temp_dir tmp("disabled_artifact");
  env_var mode("WANDB_MODE", "disabled");
  auto o = vitals::run_options::from_env(quiet_options(tmp.path / "runs"));
  o.sinks = "jsonl";
  SECTION("a temporary directory by default") {
    vitals::run run(o);
    REQUIRE(run.disabled());
    run.log({{"a", 1.0}});
    std::filesystem::path p;
    REQUIRE_NOTHROW(p = run.artifact_path("ckpt/model.pt"));
    { std::ofstream(p) << "weights"; }
    CHECK(read_file(p) == "weights");
    CHECK(p.parent_path().filename() == "ckpt");
    CHECK(p.string().find("vitals-disabled-") != std::string::npos);
    run.finish();
    CHECK(std::filesystem::exists(p));  // the program's file outlives the run
    std::filesystem::remove_all(p.parent_path().parent_path());
  }
  SECTION("a directory the program chooses") {
    vitals::run run(o);
    run.set_disabled_dir(tmp.path / "out");
    auto p = run.artifact_path("model.pt");
    CHECK(p == tmp.path / "out" / "model.pt");
    { std::ofstream(p) << "w"; }
    CHECK(std::filesystem::exists(tmp.path / "out" / "model.pt"));
  }
  SECTION("VITALS_DISABLED_DIR") {
    env_var dir("VITALS_DISABLED_DIR", (tmp.path / "env_out").string());
    vitals::run run(o);
    CHECK(run.artifact_path("model.pt") == tmp.path / "env_out" / "model.pt");
  }
  CHECK_FALSE(std::filesystem::exists(tmp.path / "runs"));  // still no run directory
}

TEST_CASE("VITALS_SINKS=jsonl,console and sinks attached in code: each kind once, the code's others kept", "[sinks]") {
  temp_dir tmp("sinks_rule");
  env_var sinks("VITALS_SINKS", "jsonl,console");
  auto o = vitals::run_options::from_env(quiet_options(tmp.path));
  o.name = "rule";
  capture_fd out(1, tmp.path / "stdout.txt");
  capture_fd err(2, tmp.path / "stderr.txt");
  std::filesystem::path dir;
  {
    vitals::run run(o);
    dir = run.dir();
    run.attach(vitals::sinks(vitals::csv{}, vitals::console{}));  // the code's own choice
    for (int i = 0; i < 3; ++i) run.log({{"loss", 1.0 / (i + 1)}});
    run.finish();
    CHECK(run.sink_names() == std::vector<std::string>{"jsonl", "csv", "console"});
  }
  auto o_text = out.release();
  auto e_text = err.release();
  INFO("stdout:\n" << o_text << "\nstderr:\n" << e_text);
  CHECK(count(o_text, "step       0 |") == 1);
  CHECK(count(o_text, "step       2 |") == 1);
  CHECK(count(o_text, "vitals: run finished") == 1);
  CHECK(std::filesystem::exists(dir / "metrics.jsonl"));  // from VITALS_SINKS
  CHECK(std::filesystem::exists(dir / "metrics.csv"));    // from the code
  CHECK(count(e_text, "vitals: sinks:") == 1);             // what runs, said once
  CHECK(e_text.find("jsonl (VITALS_SINKS)") != std::string::npos);
  CHECK(e_text.find("replaces VITALS_SINKS' console") != std::string::npos);
}

TEST_CASE("a kind that already runs cannot be attached again after logging started", "[sinks]") {
  temp_dir tmp("sinks_late");
  auto o = quiet_options(tmp.path);
  o.sinks = "jsonl";
  capture_fd err(2, tmp.path / "stderr.txt");
  vitals::run run(o);
  run.log({{"a", 1}});
  CHECK_THROWS_AS(run.attach(vitals::jsonl{}), std::logic_error);
  CHECK_NOTHROW(run.attach(vitals::csv{}));
  run.finish();
  CHECK(run.sink_names() == std::vector<std::string>{"jsonl", "csv"});
}

TEST_CASE("console: epoch rows are printed whatever `every` says", "[console]") {
  temp_dir tmp("console_epoch");
  auto path = tmp.path / "console.txt";
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  {
    capture_fd err(2, tmp.path / "stderr.txt");
    vitals::run run(quiet_options(tmp.path));
    run.attach(vitals::console{.every = 50, .stream = f});
    for (int step = 0; step < 192; ++step) {
      run.log({{"train/loss", 1.0 / (step + 1)}}, step);
      if (step % 64 == 63) run.log({{"val/loss", 0.5}, {"train/grad_norm_mean", 1.0}, {"epoch", step / 64}}, step);
    }
    run.finish();
  }
  std::fclose(f);
  auto text = read_file(path);
  INFO(text);
  for (const char* s : {"step       0 |", "step      50 |", "step     100 |", "step     150 |", "step      63 |",
                        "step     127 |", "step     191 |"})
    CHECK(count(text, s) == 1);
  CHECK(text.find("step      64 |") == std::string::npos);  // step rows stay thinned out
  CHECK(text.find("step       1 |") == std::string::npos);
  CHECK(text.find("step     113 |") == std::string::npos);  // an epoch row does not shift the rhythm
}

TEST_CASE("console: each alert once, 'not evaluated' never, the summary as one aligned block", "[console]") {
  temp_dir tmp("console_alerts");
  auto path = tmp.path / "console.txt";
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::string e_text;
  {
    capture_fd err(2, tmp.path / "stderr.txt");
    vitals::run run(quiet_options(tmp.path));
    run.attach(vitals::console{.stream = f});
    vitals::health_monitor monitor;  // default options, default rules
    SECTION("the demo's wiring: on_alert -> run.alert") {
      monitor.on_alert([&](const vitals::alert_event& e) {
        run.alert(e.title, e.text, e.level == vitals::severity::error ? "ERROR" : "WARN",
                  e.state == vitals::alert_state::cleared ? "cleared" : "firing");
      });
    }
    SECTION("send_alerts_to(run)") { monitor.send_alerts_to(run); }
    for (int epoch = 0; epoch < 2; ++epoch) {
      vitals::metric m[] = {{"train/grad_norm_max", 1000.0}, {"train/grad_norm_mean", 5.0}};
      run.log(m, epoch);
      monitor.observe(m);
      monitor.evaluate(epoch);
    }
    run.summary("final/accuracy", 0.875);
    run.summary("final/loss", 0.125);
    run.summary("best_epoch", 1);
    run.finish();
    e_text = err.release();
  }
  std::fclose(f);
  auto text = read_file(path);
  auto all = text + e_text;
  INFO("console:\n" << text << "\nstderr:\n" << e_text);
  CHECK(count(all, "exploding_gradients") == 1);
  CHECK(count(all, "not evaluated") == 0);
  CHECK(count(all, "not_evaluated") == 0);
  CHECK(text.find("[ERROR] exploding_gradients fired: ") != std::string::npos);
  CHECK(text.find("vitals: summary\n"
                  "  final/accuracy  0.875\n"
                  "  final/loss      0.125\n"
                  "  best_epoch      1\n") != std::string::npos);
  CHECK(text.find("summary final") == std::string::npos);  // no longer one line per key
}

namespace {
struct failing_sink {
  int n = 0;
  void open(const vitals::run_info&) {}
  void write(const vitals::record&) {
    if (++n == 20) throw std::runtime_error("boom");
  }
  void flush() {}
  void close(int) {}
};

[[noreturn]] void bar_child(const std::filesystem::path& dir) {
  auto o = quiet_options(dir);
  o.total_steps = 40;
  {
    vitals::run run(o);
    run.attach(vitals::console{.every = 1000});
    run.attach(failing_sink{});
    for (int i = 0; i < 40; ++i) {
      run.log({{"loss", 1.0 / (i + 1)}});
      run.flush();
      if (i == 30) vitals::print_line("trainer: halfway");  // the program's own message
    }
    run.finish();
  }
  std::fflush(stdout);
  ::_exit(0);
}
}  // namespace

TEST_CASE("console: on a terminal, a stderr line is never glued to the progress bar", "[console]") {
  temp_dir tmp("console_glue");
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) bar_child(tmp.path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  INFO(out);
  auto at = out.find("vitals: sink 'failing_sink' failed");
  REQUIRE(at != std::string::npos);
  REQUIRE(out.find("ETA") < at);  // the bar was shown before the failure
  // The message starts a line: right after a newline or after the bar was erased.
  auto starts_line = [&](std::size_t p) { return out[p - 1] == '\n' || (p >= 4 && out.compare(p - 4, 4, "\r\x1b[K") == 0); };
  CHECK(starts_line(at));
  auto own = out.find("trainer: halfway");
  REQUIRE(own != std::string::npos);
  CHECK(starts_line(own));
}

// docs/health.md's rule DSL with an alias: `val` stays free for `auto [train, val]`.
namespace hr = vitals::rules;
constexpr auto lr_rule = hr::rule("lr_too_high", hr::val<"lr"> > 1.0, vitals::severity::error, "learning rate above 1");

TEST_CASE("the rule DSL as docs/health.md imports it leaves `val` free", "[health]") {
  auto [train, val] = std::pair{1.0, 2.0};
  vitals::health_monitor monitor(vitals::default_rules + lr_rule);
  monitor.observe("lr", 2.0 + train + val);
  const auto& report = monitor.evaluate(0);
  bool fired = false;
  for (const auto& e : report.events) fired = fired || (e.rule == "lr_too_high" && e.state == vitals::alert_state::fired);
  CHECK(fired);
}

namespace {
enum class Arch { resnet, transformer };
struct HelpConfig {
  Arch arch = Arch::transformer;
  int epochs = 3;
};
}  // namespace

TEST_CASE("--help lists an enum's values, not only its type's name", "[config]") {
  vitals::cli_parser<HelpConfig> cli("Trains.");
  const char* argv[] = {"prog", "--help"};
  auto r = cli.parse(2, argv);
  REQUIRE(r.what == vitals::cli_result<HelpConfig>::action::help);
  INFO(r.text);
  CHECK(r.text.find("{resnet|transformer}") != std::string::npos);
}
