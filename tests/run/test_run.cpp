// Runs: options from environment and flags, validation before anything is written, ids, names,
// directory sanitising, run directory contents, 64 concurrent processes, signal and exit flushing.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>
#include <set>
#include <thread>

#include "../sinks/test_support.hpp"
#include "vitals/config/load.hpp"  // vitals::to_json
#include "vitals/detail/simdjson.hpp"
#include "vitals/run.hpp"
#include "vitals/format/json.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/sinks/sink_set.hpp"

using namespace vitals_test;

namespace {

vitals::run_options quiet_options(const std::filesystem::path& dir) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

struct env_guard {
  std::vector<std::string> names;
  void set(const std::string& k, const std::string& v) {
    names.push_back(k);
    ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~env_guard() {
    for (const auto& k : names) ::unsetenv(k.c_str());
  }
};

std::size_t entries(const std::filesystem::path& p) {
  std::size_t n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

}  // namespace

TEST_CASE("options from W&B environment variables") {
  env_guard env;
  env.set("WANDB_PROJECT", "cmi");
  env.set("WANDB_ENTITY", "team");
  env.set("WANDB_NAME", "exp/fold0");
  env.set("WANDB_RUN_GROUP", "exp");
  env.set("WANDB_TAGS", "fold_0, baseline");
  env.set("WANDB_NOTES", "first try");
  env.set("WANDB_JOB_TYPE", "train");
  env.set("WANDB_MODE", "dryrun");
  env.set("WANDB_DIR", "/tmp/somewhere");
  env.set("WANDB_RUN_ID", "abc123");
  env.set("VITALS_SINKS", "jsonl,csv");
  auto o = vitals::run_options::from_env();
  CHECK(o.project == "cmi");
  CHECK(o.entity == "team");
  CHECK(o.name == "exp/fold0");
  CHECK(o.group == "exp");
  CHECK(o.tags == std::vector<std::string>{"fold_0", "baseline"});
  CHECK(o.notes == "first try");
  CHECK(o.job_type == "train");
  CHECK(o.mode == vitals::run_mode::offline);
  CHECK(o.dir == "/tmp/somewhere");
  CHECK(o.id == "abc123");
  CHECK(o.sinks == "jsonl,csv");
  env.set("WANDB_MODE", "sideways");
  CHECK_THROWS_WITH(vitals::run_options::from_env(), Catch::Contains("unknown run mode 'sideways'"));
}

TEST_CASE("options from command-line flags: consumed, the rest left in order") {
  env_guard env;
  env.set("WANDB_PROJECT", "from_env");
  env.set("WANDB_NOTES", "env notes");
  std::vector<std::string> args = {"train", "exp=001", "--wandb_project", "cmi", "--wandb_tags=a,b", "--lr",
                                   "0.1",   "--no_wandb", "--wandb_name", "exp/fold1", "--sinks", "jsonl,wandb",
                                   "--total_steps=100", "last"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  auto o = vitals::run_options::from_args(argc, argv.data());
  CHECK(o.project == "cmi");       // flag beats environment
  CHECK(o.notes == "env notes");   // environment beats default
  CHECK(o.tags == std::vector<std::string>{"a", "b"});
  CHECK(o.name == "exp/fold1");
  CHECK_FALSE(o.wandb);
  CHECK(o.total_steps == 100);
  CHECK(o.effective_sinks() == "jsonl");  // --no_wandb drops the wandb sink
  REQUIRE(argc == 5);
  CHECK(std::string(argv[0]) == "train");
  CHECK(std::string(argv[1]) == "exp=001");
  CHECK(std::string(argv[2]) == "--lr");
  CHECK(std::string(argv[3]) == "0.1");
  CHECK(std::string(argv[4]) == "last");
  CHECK(argv[5] == nullptr);

  std::vector<std::string> bad = {"train", "--wandb_project"};
  std::vector<char*> bargv = {bad[0].data(), bad[1].data(), nullptr};
  int bargc = 2;
  CHECK_THROWS_WITH(vitals::run_options::from_args(bargc, bargv.data()), Catch::Contains("--wandb_project needs a value"));
}

TEST_CASE("bad options fail with every problem listed, before anything is written") {
  temp_dir tmp("badopts");
  auto root = tmp.path / "runs";
  auto o = quiet_options(root);
  o.project = "";
  o.sinks = "jsonl,nosuchsink";
  o.id = "bad/id";
  try {
    vitals::run r(o);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    std::string w = e.what();
    CHECK(w.find("project is empty") != std::string::npos);
    CHECK(w.find("unknown sink 'nosuchsink'") != std::string::npos);
    CHECK(w.find("run id 'bad/id'") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(root));

  auto o2 = quiet_options(root);
  o2.config_json = "{not json";
  CHECK_THROWS_WITH(vitals::run(o2), Catch::Contains("not valid JSON"));
  CHECK_FALSE(std::filesystem::exists(root));

  // A runs directory that cannot be created (its parent is a file).
  std::ofstream(tmp.path / "file") << "x";
  CHECK_THROWS_WITH(vitals::run(quiet_options(tmp.path / "file" / "runs")), Catch::Contains("cannot create runs directory"));

  if (::geteuid() != 0) {  // root ignores permissions
    std::filesystem::create_directories(tmp.path / "ro");
    ::chmod((tmp.path / "ro").c_str(), 0555);
    CHECK_THROWS_WITH(vitals::run(quiet_options(tmp.path / "ro")), Catch::Contains("not writable"));
    CHECK(entries(tmp.path / "ro") == 0);
    ::chmod((tmp.path / "ro").c_str(), 0755);
  }
}

TEST_CASE("ids are 8 chars [a-z0-9] and distinct; default names are adjective-noun-N") {
  std::set<std::string> ids;
  std::regex id_re("[a-z0-9]{8}");
  for (int i = 0; i < 2000; ++i) {
    auto id = vitals::make_run_id();
    CHECK(std::regex_match(id, id_re));
    ids.insert(id);
  }
  CHECK(ids.size() == 2000);
  CHECK(std::regex_match(vitals::make_run_name(7), std::regex("[a-z]+-[a-z]+-7")));
}

TEST_CASE("display names become safe directory names that stay inside the runs directory") {
  CHECK(vitals::sanitize_dir_name("exp/fold0") == "exp-fold0");
  CHECK(vitals::sanitize_dir_name("../../etc/passwd") == "_.-..-etc-passwd");
  CHECK(vitals::sanitize_dir_name("..") == "_.");
  CHECK(vitals::sanitize_dir_name(".hidden") == "_hidden");
  CHECK(vitals::sanitize_dir_name("a\nb\tc\\d") == "a-b-c-d");
  CHECK(vitals::sanitize_dir_name("") == "run");
  CHECK(vitals::sanitize_dir_name(std::string(300, 'x')).size() == 100);
  temp_dir tmp("escape");
  for (std::string name : {"../escape", "../../x", "a/../../b", "/abs/path", ".."}) {
    auto o = quiet_options(tmp.path / "runs");
    o.name = name;
    vitals::run r(o);
    INFO(name << " -> " << r.dir());
    CHECK(r.dir().parent_path() == std::filesystem::absolute(tmp.path / "runs"));
    CHECK(r.name() == name);  // the display name is kept as given
    r.finish();
  }
  CHECK(entries(tmp.path) == 1);
}

TEST_CASE("a run directory holds config, metadata, code snapshot, artifacts and summary") {
  temp_dir tmp("contents");
  auto src = tmp.path / "src";
  std::filesystem::create_directories(src);
  std::ofstream(src / "train.cpp") << "int main() {}\n";
  auto o = quiet_options(tmp.path / "runs");
  o.name = "exp/fold0";
  o.group = "exp";
  o.tags = {"fold_0"};
  o.config_json = R"({"lr": 0.001})";
  o.code_files = {src / "train.cpp"};
  o.capture_git = true;
  vitals::run run(o);
  auto dir = run.dir();
  CHECK(dir.filename().string() == "exp-fold0_" + run.id());
  CHECK(read_file(dir / "config.json") == "{\"lr\": 0.001}\n");
  CHECK(read_file(dir / "code" / "train.cpp") == "int main() {}\n");
  run.log_model_params(1'000'000, 999'000);
  auto ckpt = run.artifact_path("ckpt/state.pth");
  CHECK(ckpt == dir / "ckpt" / "state.pth");
  CHECK(std::filesystem::is_directory(dir / "ckpt"));
  CHECK_THROWS(run.artifact_path("../state.pth"));
  CHECK_THROWS(run.artifact_path("/etc/passwd"));
  run.finish(0);

  simdjson::dom::parser parser;
  simdjson::dom::element meta;
  auto meta_text = read_file(dir / "metadata.json");
  REQUIRE(parser.parse(meta_text).get(meta) == simdjson::SUCCESS);
  std::string_view s;
  int64_t n = 0;
  CHECK(meta["host"].get(s) == simdjson::SUCCESS);
  CHECK(meta["pid"].get(n) == simdjson::SUCCESS);
  CHECK(n == ::getpid());
  CHECK(meta["compiler"].get(s) == simdjson::SUCCESS);
  CHECK(meta["start_time"].get(s) == simdjson::SUCCESS);
  CHECK(meta["exit_code"].get(n) == simdjson::SUCCESS);
  simdjson::dom::array cmd;
  CHECK(meta["command_line"].get(cmd) == simdjson::SUCCESS);
  CHECK(cmd.size() >= 1);
  simdjson::dom::element git;
  CHECK(meta["git"].get(git) == simdjson::SUCCESS);
  if (git.is_object()) {  // the tests usually run inside the repository
    CHECK(git["commit"].get(s) == simdjson::SUCCESS);
    CHECK(s.size() == 40);
    bool dirty = false;
    CHECK(git["dirty"].get(dirty) == simdjson::SUCCESS);
    CHECK(std::filesystem::exists(dir / "diff.patch") == dirty);
  }
  auto summary = read_file(dir / "summary.json");
  CHECK(summary.find("\"model_params/total_params\": 1000000") != std::string::npos);
  CHECK(summary.find("\"model_params/model_size_mb\": 3.814697265625") != std::string::npos);
}

TEST_CASE("disabled mode writes nothing and log() does nothing") {
  temp_dir tmp("disabled");
  auto o = quiet_options(tmp.path / "runs");
  o.mode = vitals::run_mode::disabled;
  o.sinks = "jsonl";
  vitals::run run(o);
  run.log({{"a", 1.0}});
  run.summary("b", 2);
  run.finish();
  CHECK(run.disabled());
  CHECK_FALSE(std::filesystem::exists(tmp.path / "runs"));
}

TEST_CASE("metric_key: keys resolved once log the same rows as their names; reused key buffers never alias") {
  temp_dir tmp("metrickey");
  std::vector<captured_record> with_keys, with_names;
  for (int pass = 0; pass < 2; ++pass) {
    vitals::run run(quiet_options(tmp.path / ("runs" + std::to_string(pass))));
    capture_sink c;
    run.attach(c);
    const vitals::metric_key loss = run.key("train/loss"), acc = run.key("train/acc");
    CHECK(loss.name() == "train/loss");
    CHECK(std::string_view(run.key("train/loss")).data() == loss.name().data());  // one interned copy
    // One std::string rewritten between calls: same address, other content (the cache must
    // compare content, not only addresses).
    std::string buf;
    for (int i = 0; i < 50; ++i) {
      buf = i % 2 ? "even/odd_a" : "even/odd_b";
      if (pass == 0) run.log({{loss, i * 0.5}, {acc, 1.0 - i}, {buf, i}, {"lr", 1e-3}});
      else run.log({{"train/loss", i * 0.5}, {"train/acc", 1.0 - i}, {buf, i}, {"lr", 1e-3}});
    }
    run.log({{loss, 1.0}, {loss, 2.0}});  // the same key twice in a row: last value wins
    CHECK_THROWS_AS(run.key(""), std::invalid_argument);
    CHECK_THROWS_AS(run.key("_step"), std::invalid_argument);
    run.finish();
    (pass == 0 ? with_keys : with_names) = c.data->records;
  }
  REQUIRE(with_keys.size() == 51);
  REQUIRE(with_names.size() == with_keys.size());
  for (std::size_t r = 0; r < with_keys.size(); ++r) {
    REQUIRE(with_keys[r].metrics.size() == with_names[r].metrics.size());
    for (std::size_t k = 0; k < with_keys[r].metrics.size(); ++k) {
      CHECK(with_keys[r].metrics[k].key == with_names[r].metrics[k].key);
      CHECK(with_keys[r].metrics[k].number == with_names[r].metrics[k].number);
    }
  }
  CHECK(with_keys[3].metrics[2].key == "even/odd_a");
  CHECK(with_keys[4].metrics[2].key == "even/odd_b");
  REQUIRE(with_keys[50].metrics.size() == 1);
  CHECK(with_keys[50].metrics[0].number == 2.0);

  // A key from another run works there as its plain name; a disabled run's keys still name their metric.
  vitals::run first(quiet_options(tmp.path / "first")), second(quiet_options(tmp.path / "second"));
  capture_sink c2;
  second.attach(c2);
  const auto k = first.key("from/first");
  second.log({{k, 7.0}});
  second.finish();
  REQUIRE(c2.data->records.size() == 1);
  CHECK(c2.data->records[0].metrics[0].key == "from/first");
  auto o = quiet_options(tmp.path / "off");
  o.mode = vitals::run_mode::disabled;
  vitals::run off(o);
  std::string temporary = "made/at/runtime";
  const auto dk = off.key(temporary);
  temporary = "changed";
  CHECK(dk.name() == "made/at/runtime");
  off.log({{dk, 1.0}});
}

TEST_CASE("update_config rewrites config.json and sends one config record per update") {
  temp_dir tmp("cfgupdate");
  auto o = quiet_options(tmp.path / "runs");
  o.sinks = "";
  o.config_json = R"({"lr": 0.001, "optim": {"beta": 0.9, "eps": 1e-08}})";
  vitals::run run(o);
  vitals_test::capture_sink cap;
  run.attach(cap);
  run.log({{"a", 1.0}}, 1);
  run.update_config("lr", 0.01);
  run.update_config("optim.eps", 1e-6);
  run.update_config("tags", std::vector<std::string>{"x", "y"});
  CHECK(read_file(run.dir() / "config.json") ==
        "{\n  \"lr\": 0.01,\n  \"optim\": {\n    \"beta\": 0.9,\n    \"eps\": 1.0e-06\n  },\n  \"tags\": [\n    \"x\",\n    \"y\"\n  ]\n}\n");
  CHECK(run.config_json() == read_file(run.dir() / "config.json"));
  CHECK_THROWS_AS(run.update_config("", 1), std::invalid_argument);
  CHECK_THROWS_AS(run.update_config("a..b", 1), std::invalid_argument);
  run.finish();
  CHECK_THROWS_AS(run.update_config("lr", 1), std::logic_error);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& r : cap.data->records)
    if (r.kind == vitals::record_kind::config)
      for (const auto& m : r.metrics) got.emplace_back(m.key, m.text);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"lr", "0.01"}, {"optim", R"({"beta":0.9,"eps":1.0e-06})"}, {"tags", R"(["x","y"])"}});
}

TEST_CASE("update_config on a disabled run changes config_json() and writes nothing") {
  temp_dir tmp("cfgdisabled");
  auto o = quiet_options(tmp.path / "runs");
  o.mode = vitals::run_mode::disabled;
  o.config_json = R"({"lr": 0.001})";
  vitals::run run(o);
  run.update_config("lr", 2);
  CHECK(run.config_json() == "{\n  \"lr\": 2\n}\n");
  CHECK_FALSE(std::filesystem::exists(tmp.path / "runs"));
}

TEST_CASE("a fixed run id that already exists is an error") {
  temp_dir tmp("fixedid");
  auto o = quiet_options(tmp.path);
  o.id = "abc12345";
  o.name = "same";
  { vitals::run a(o); }
  CHECK_THROWS_WITH(vitals::run(o), Catch::Contains("already exists"));
}

TEST_CASE("64 processes opening runs with the same name in one directory get 64 directories") {
  temp_dir tmp("procs");
  constexpr int procs = 64;
  std::vector<pid_t> pids;
  for (int i = 0; i < procs; ++i) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        auto o = quiet_options(tmp.path / "runs");
        o.name = "array-job";
        vitals::run r(o);
        r.log({{"rank", i}});
        r.finish();
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  int failures = 0;
  for (auto pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  CHECK(failures == 0);
  std::set<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path / "runs")) {
    CHECK(std::filesystem::exists(e.path() / "config.json"));
    CHECK(std::filesystem::exists(e.path() / "summary.json"));
    dirs.insert(e.path().filename().string());
  }
  CHECK(dirs.size() == procs);
}

namespace {
// Child: logs 1000 rows with a long flush interval, tells the parent, then waits to be signalled
// (or exits through std::exit without finish()).
[[noreturn]] void flushing_child(const std::filesystem::path& dir, int ready_fd, bool use_exit) {
  ::signal(SIGTERM, SIG_DFL);  // a plain program: the test framework's handler is not inherited
  auto o = quiet_options(dir);
  o.handle_signals = true;
  o.id = use_exit ? "viaexit1" : "viasigt1";
  o.name = "sig";
  o.sinks = "jsonl";
  o.pipeline.flush_interval = std::chrono::seconds(3600);
  auto* run = new vitals::run(o);  // never destroyed: only the hooks can flush it
  for (int i = 0; i < 1000; ++i) run->log({{"i", i}});
  if (use_exit) std::exit(0);
  char c = 1;
  (void)!::write(ready_fd, &c, 1);
  for (;;) ::pause();
}
}  // namespace

TEST_CASE("SIGTERM flushes and closes live runs, then the default action ends the process") {
  temp_dir tmp("sigterm");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    flushing_child(tmp.path, fds[1], false);
  }
  ::close(fds[1]);
  char c = 0;
  REQUIRE(::read(fds[0], &c, 1) == 1);
  ::close(fds[0]);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  auto dir = tmp.path / "sig_viasigt1";
  CHECK(lines_of(read_file(dir / "metrics.jsonl")).size() == 1000);
  CHECK(read_file(dir / "metadata.json").find("\"exit_code\": 143") != std::string::npos);
  CHECK(read_file(dir / "summary.json").find("\"i\": 999") != std::string::npos);
}

TEST_CASE("std::exit without finish() still flushes (atexit)") {
  temp_dir tmp("atexit");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) flushing_child(tmp.path, -1, true);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  auto dir = tmp.path / "sig_viaexit1";
  CHECK(lines_of(read_file(dir / "metrics.jsonl")).size() == 1000);
  CHECK(read_file(dir / "metadata.json").find("\"exit_code\": 0") != std::string::npos);
}

namespace {
int chained_fd = -1;
void user_handler(int) {
  char c = 'u';
  (void)!::write(chained_fd, &c, 1);
  ::_exit(7);
}
}  // namespace

TEST_CASE("SIGINT chains to the handler the program installed before the run") {
  temp_dir tmp("sigchain");
  int ready[2], chained[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(chained) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    chained_fd = chained[1];
    struct sigaction sa {};
    sa.sa_handler = &user_handler;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    auto o = quiet_options(tmp.path);
    o.handle_signals = true;
    o.id = "chain001";
    o.name = "sig";
    o.sinks = "jsonl";
    o.pipeline.flush_interval = std::chrono::seconds(3600);
    auto* run = new vitals::run(o);
    for (int i = 0; i < 10; ++i) run->log({{"i", i}});
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  ::close(chained[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);  // the user's handler ran after ours
  REQUIRE(::read(chained[0], &c, 1) == 1);
  CHECK(c == 'u');
  ::close(ready[0]);
  ::close(chained[0]);
  auto dir = tmp.path / "sig_chain001";
  CHECK(lines_of(read_file(dir / "metrics.jsonl")).size() == 10);
  CHECK(read_file(dir / "metadata.json").find("\"exit_code\": 130") != std::string::npos);
}

namespace run_test {  // reflected types need external linkage (clang -Wundefined-internal)
struct optim_config {
  double lr = 3e-4;
  double weight_decay = 0.01;
};
struct train_config {
  std::string exp_name = "baseline";
  std::vector<int> folds{0, 1, 2};
  int epochs = 30;
  optim_config optim;
};
}  // namespace run_test
using run_test::train_config;

TEST_CASE("a config struct becomes config.json through the config layer's to_json") {
  temp_dir tmp("structcfg");
  train_config cfg;
  cfg.epochs = 7;
  vitals::run run({.project = "tests", .name = cfg.exp_name, .group = cfg.exp_name, .dir = tmp.path,
                   .capture_git = false, .handle_signals = false},
                  cfg);
  run.finish();
  auto text = read_file(run.dir() / "config.json");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(text).get(doc) == simdjson::SUCCESS);
  std::int64_t epochs = 0;
  double lr = 0;
  std::string_view name;
  CHECK(doc["epochs"].get(epochs) == simdjson::SUCCESS);
  CHECK(epochs == 7);
  CHECK(doc["optim"]["lr"].get(lr) == simdjson::SUCCESS);
  CHECK(lr == 3e-4);
  CHECK(doc["exp_name"].get(name) == simdjson::SUCCESS);
  CHECK(name == "baseline");
  CHECK(vitals::to_json(cfg) == text);  // one final newline (detail::with_final_newline)
}

TEST_CASE("a read-only runs directory is refused before anything is written (also as root)") {
  temp_dir tmp("rofs");
  auto ro = tmp.path / "ro";
  std::filesystem::create_directories(ro);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A private mount namespace with a read-only tmpfs: refused even for root.
    if (::unshare(CLONE_NEWNS) != 0 && ::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(77);
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
    if (::mount("tmpfs", ro.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) ::_exit(77);
    int code = 3;
    try {
      vitals::run r(quiet_options(ro));
      code = 1;
    } catch (const std::runtime_error& e) {
      code = std::string(e.what()).find("is not writable") != std::string::npos ? 0 : 2;
    }
    if (entries(ro) != 0) code = 4;
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("cannot mount a tmpfs here (no mount namespace); skipped");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}

namespace run_test {
struct throwing_sink {
  static constexpr std::string_view name = "thrower";
  int writes = 0;
  void open(const vitals::run_info&) {}
  void write(const vitals::record&) {
    if (++writes == 3) throw std::runtime_error("disk on fire");
  }
  void flush() {}
  void close(int) {}
};
}  // namespace run_test

TEST_CASE("a sink that fails inside vitals::sinks(...) is reported by the run and in metadata.json") {
  temp_dir tmp("innerfail");
  auto o = quiet_options(tmp.path);
  o.id = "inner001";
  o.name = "inner";
  vitals::run run(o);
  run.attach(vitals::sinks(run_test::throwing_sink{}, vitals::jsonl{}));
  for (int i = 0; i < 10; ++i) run.log({{"i", i}});
  run.finish();
  auto errors = run.sink_errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "sinks/thrower: disk on fire");
  auto meta = read_file(run.dir() / "metadata.json");
  CHECK(meta.find("sinks/thrower: disk on fire") != std::string::npos);
  CHECK(lines_of(read_file(run.dir() / "metrics.jsonl")).size() == 10);  // the other member went on
}

TEST_CASE("model parameter counts go to the summary and metadata, not to a history row") {
  temp_dir tmp("modelparams");
  auto o = quiet_options(tmp.path);
  o.id = "mparam01";
  o.name = "mp";
  o.sinks = "jsonl";
  vitals::run run(o);
  run.log_model_params(1000, 800);
  run.log({{"loss", 1.0}}, 0);
  run.log({{"loss", 0.5}}, 1);
  run.finish();
  auto rows = lines_of(read_file(run.dir() / "metrics.jsonl"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].find("model_params") == std::string::npos);
  CHECK(rows[0].find("\"_step\":0,") != std::string::npos);
  CHECK(run.out_of_order_steps() == 0);
  auto summary = read_file(run.dir() / "summary.json");
  CHECK(summary.find("\"model_params/total_params\": 1000") != std::string::npos);
  CHECK(read_file(run.dir() / "metadata.json").find("\"trainable_params\": 800") != std::string::npos);
}

TEST_CASE("JSON strings are valid UTF-8 whatever bytes come in (paths and command lines from the OS)") {
  auto q = [](std::string_view s) {
    std::string out;
    vitals::detail::append_json_string(out, s);
    return out;
  };
  CHECK(q("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(q("a\xff" "b") == "\"a\\ufffdb\"");
  CHECK(q("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");     // a surrogate is not UTF-8
  CHECK(q("\xc0\xaf") == "\"\\ufffd\\ufffd\"");                 // overlong '/'
  CHECK(q("end\xe2\x82") == "\"end\\ufffd\\ufffd\"");          // cut short
  CHECK(q("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // past U+10FFFF
  CHECK(q("tab\t\"q\"") == "\"tab\\t\\\"q\\\"\"");
}
