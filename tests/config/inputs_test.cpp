// Inputs a user controls, at their limits: config size (files, pipes, /dev/zero), error counts,
// empty configs, byte-order marks, invalid UTF-8 wherever a string enters (files, overrides,
// flags, environment, run options), runs directories that cannot hold runs, and the exit code
// (2) of the argv front doors. Every mistake must be a vitals::usage_error, never a crash.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_types.hpp"
#include "vitals/config.hpp"
#include "vitals/compose.hpp"
#include "vitals/run/options.hpp"
#include "vitals/run/run_dir.hpp"  // check_runs_root

using namespace vitals_test;
namespace fs = std::filesystem;

namespace {

struct Small {
  std::string name = "default";
  int epochs = 30;
  Arch arch = Arch::transformer;
  Optim optim;
};

struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& tag) {
    path = fs::temp_directory_path() / ("vitals_inputs_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct limits_guard {
  vitals::config::input_limits saved = vitals::config::limits();
  ~limits_guard() { vitals::config::limits() = saved; }
};

// Runs f in a child process; returns its exit status (or 128+signal) and what it wrote on stderr.
template <class F>
std::pair<int, std::string> in_child(F f) {
  char path[] = "/tmp/vitals_inputs_stderr_XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fd, 2);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    f();
    std::_Exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream in(path);
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::close(fd);
  ::unlink(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err};
}

}  // namespace

TEST_CASE("an empty or comments-only YAML config is the struct's defaults; an empty JSON file is an error", "[config][inputs]") {
  temp_dir tmp("empty");
  write(tmp.path / "empty.yaml", "");
  write(tmp.path / "comments.yaml", "# nothing here yet\n\n   # still nothing\n");
  write(tmp.path / "empty.json", "");
  for (const char* f : {"empty.yaml", "comments.yaml"}) {
    INFO(f);
    Small s = vitals::load<Small>(tmp.path / f);
    CHECK(s.epochs == 30);
    CHECK(s.name == "default");
    std::string file = (tmp.path / f).string();
    const char* argv[] = {"prog", "--config", file.c_str(), "epochs=3"};
    Small c = vitals::cli_parser<Small>().parse(4, argv).config;
    CHECK(c.epochs == 3);
    CHECK(c.optim.lr == 3e-4);
  }
  std::string json = (tmp.path / "empty.json").string();
  const char* argv[] = {"prog", "--config", json.c_str()};
  CHECK_THROWS_WITH(vitals::cli_parser<Small>().parse(3, argv), Catch::Contains("no JSON value"));
}

TEST_CASE("config size is limited for files, pipes and devices", "[config][inputs]") {
  limits_guard guard;
  temp_dir tmp("size");
  vitals::config::limits().max_config_bytes = 1000;
  write(tmp.path / "big.yaml", "name: " + std::string(2000, 'x') + "\n");
  CHECK_THROWS_WITH(vitals::load<Small>(tmp.path / "big.yaml"),
                    Catch::Contains("big.yaml: config file is larger than the 1000 bytes limit"));
  CHECK_THROWS_WITH(vitals::parse_yaml<Small>("name: " + std::string(2000, 'x')), Catch::Contains("larger than"));
  CHECK_THROWS_WITH(vitals::parse_json<Small>("{\"name\": \"" + std::string(2000, 'x') + "\"}"), Catch::Contains("larger than"));

  // /dev/zero behind a .yaml name: stops at the limit instead of filling the memory.
  fs::create_symlink("/dev/zero", tmp.path / "zero.yaml");
  CHECK_THROWS_WITH(vitals::load<Small>(tmp.path / "zero.yaml"), Catch::Contains("larger than the 1000 bytes limit"));
  vitals::config::limits().max_config_bytes = std::size_t{16} << 20;  // the default
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(vitals::load<Small>(tmp.path / "zero.yaml"), Catch::Contains("larger than the 16 MiB limit"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("a pipe works as a config file, YAML or JSON, up to the limit", "[config][inputs]") {
  limits_guard guard;
  auto through_pipe = [](const std::string& text, auto read) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::thread writer([&] {
      std::size_t done = 0;
      while (done < text.size()) {
        ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fds[1]);
    });
    const std::string path = "/dev/fd/" + std::to_string(fds[0]);  // what `--config <(...)` passes
    try {
      read(path);
    } catch (...) {
      ::close(fds[0]);
      writer.join();
      throw;
    }
    ::close(fds[0]);
    writer.join();
  };
  through_pipe("epochs: 7\noptim: {lr: 0.5}\n", [](const std::string& path) {
    const char* argv[] = {"prog", "--config", path.c_str()};
    Small s = vitals::cli_parser<Small>().parse(3, argv).config;
    CHECK(s.epochs == 7);
    CHECK(s.optim.lr == 0.5);
  });
  through_pipe("{\"epochs\": 8}", [](const std::string& path) { CHECK(vitals::load<Small>(path).epochs == 8); });
  through_pipe("{epochs: 9}", [](const std::string& path) { CHECK(vitals::load<Small>(path).epochs == 9); });
  vitals::config::limits().max_config_bytes = 100;
  through_pipe("name: " + std::string(5000, 'y') + "\n", [](const std::string& path) {
    CHECK_THROWS_WITH(vitals::load<Small>(path), Catch::Contains("larger than the 100 bytes limit"));
  });
}

TEST_CASE("errors are capped: 'and N more', fast for a document of many unknown keys", "[config][inputs]") {
  std::string yaml;
  for (int i = 0; i < 200000; ++i) yaml += "unknown_key_" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  auto t0 = std::chrono::steady_clock::now();
  try {
    vitals::parse_yaml<Small>(yaml, "many.yaml");
    FAIL("no error");
  } catch (const vitals::config::config_error& e) {
    CHECK(e.problems().size() == 50);
    CHECK(e.more() == 200000 - 50);
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("many.yaml:1:1: unknown_key_0: unknown key 'unknown_key_0' in Small"));
    CHECK_THAT(what, Catch::EndsWith("... and 199950 more problems"));
    CHECK(what.size() < 20000);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));

  limits_guard guard;
  vitals::config::limits().max_errors = 2;
  const char* argv[] = {"prog", "epochs=a", "arch=b", "name=[1]", "optim.lr=c"};
  try {
    vitals::cli_parser<Small>().parse(5, argv);
    FAIL("no error");
  } catch (const vitals::config::config_error& e) {
    CHECK(e.problems().size() == 2);
    CHECK_THAT(std::string(e.what()), Catch::EndsWith("... and 2 more problems"));
  }
}

TEST_CASE("a UTF-8 byte-order mark is skipped in JSON; UTF-16 is named", "[config][inputs]") {
  Small s = vitals::parse_json<Small>("\xEF\xBB\xBF{\"epochs\": 4}");
  CHECK(s.epochs == 4);
  CHECK(vitals::parse_yaml<Small>("\xEF\xBB\xBF" "epochs: 5\n").epochs == 5);
  CHECK_THROWS_WITH(vitals::parse_json<Small>("\xFF\xFE{\0}\0", "w.json"), Catch::Contains("w.json:1:1: the text is UTF-16"));
}

TEST_CASE("invalid UTF-8 is refused where it enters, with its location", "[config][inputs]") {
  CHECK_THROWS_WITH(vitals::parse_yaml<Small>("epochs: 1\nname: \"a\xFF\"\n", "u.yaml"),
                    Catch::Contains("u.yaml:2:9: the text is not valid UTF-8 (byte 0xFF)"));
  CHECK_THROWS_WITH(vitals::parse_yaml<Small>("name: \xC0\xAF\n", "o.yaml"), Catch::Contains("o.yaml:1:7: the text is not valid UTF-8"));
  const char* argv[] = {"prog", "name=\xFF\xFE"};
  CHECK_THROWS_WITH(vitals::cli_parser<Small>().parse(2, argv),
                    Catch::Contains("override 'name=\\xFF\\xFE' is not valid UTF-8 (byte 0xFF at byte 6)"));
  std::string project;
  vitals::cli_parser<Small> cli;
  cli.option("--wandb_project", &project, "W&B project");
  const char* argv2[] = {"prog", "--wandb_project", "p\xFF"};
  CHECK_THROWS_WITH(cli.parse(3, argv2), Catch::Contains("--wandb_project 'p\\xFF': the value is not valid UTF-8"));
  // Composition overrides too.
  CHECK_THROWS_WITH(vitals::config::parse_override("a=\xFF", 3), Catch::Contains("override #3: the override is not valid UTF-8"));
}

TEST_CASE("run options: UTF-8, bounded lengths, usage errors with their flag", "[config][inputs][run]") {
  std::string a0 = "prog", a1 = "--wandb_name", a2 = "\xFF\xFE";
  std::vector<char*> argv = {a0.data(), a1.data(), a2.data(), nullptr};
  int argc = 3;
  try {
    vitals::run_options::from_args(argc, argv.data());
    FAIL("no error");
  } catch (const vitals::usage_error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("--wandb_name: the value is not valid UTF-8 (byte 0xFF at byte 1)"));
  }
  std::string b1 = "--wandb_project";
  std::vector<char*> argv2 = {a0.data(), b1.data(), nullptr};
  int argc2 = 2;
  CHECK_THROWS_AS(vitals::run_options::from_args(argc2, argv2.data()), vitals::invalid_option);

  vitals::run_options o;
  o.dir = fs::temp_directory_path() / "vitals_inputs_never_created";
  o.name = "ok\xFF";
  o.group = std::string(5000, 'g');
  o.notes = std::string(50 << 20, 'n');  // a 50 MB note would make a 50 MB metadata.json
  o.tags = {"t\xC3"};
  try {
    o.validate();
    FAIL("no error");
  } catch (const std::invalid_argument& e) {  // also a vitals::usage_error
    std::string w = e.what();
    CHECK_THAT(w, Catch::Contains("run name 'ok\\xFF' is not valid UTF-8"));
    CHECK_THAT(w, Catch::Contains("group 'ggg"));
    CHECK_THAT(w, Catch::Contains("is 5000 bytes long (at most 128)"));
    CHECK_THAT(w, Catch::Contains("notes 'nnn"));
    CHECK_THAT(w, Catch::Contains("tag 't\\xC3' is not valid UTF-8"));
    CHECK(w.size() < 2000);
    CHECK(dynamic_cast<const vitals::usage_error*>(&e) != nullptr);
  }
  CHECK_FALSE(fs::exists(o.dir));
}

TEST_CASE("a runs directory that cannot hold runs is a usage error before anything is created", "[config][inputs][run]") {
  temp_dir tmp("root");
  write(tmp.path / "file", "x");
  auto message = [](const fs::path& root) -> std::string {
    try {
      vitals::check_runs_root(root);
    } catch (const vitals::runs_dir_error& e) {
      const vitals::usage_error& u = e;
      return u.what();
    }
    return "";
  };
  CHECK_THAT(message(tmp.path / "file"), Catch::Contains("exists and is not a directory"));
  CHECK_THAT(message(tmp.path / "file" / "runs"), Catch::Contains("is not a directory"));
  CHECK(message(tmp.path / "new" / "runs").empty());  // creatable
  CHECK_FALSE(fs::exists(tmp.path / "new"));
  CHECK(message(tmp.path).empty());
  if (::geteuid() != 0) {  // root may write anywhere that is not mounted read-only
    fs::create_directories(tmp.path / "ro");
    fs::permissions(tmp.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_THAT(message(tmp.path / "ro"), Catch::Contains("is not writable"));
    CHECK_THAT(message(tmp.path / "ro" / "runs"), Catch::Contains("is not writable"));
  }
  vitals::run_options o;
  o.dir = tmp.path / "file";
  CHECK_THROWS_AS(o.validate(), vitals::runs_dir_error);
  o.sinks = "jsonl,jsnl";
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("unknown sink 'jsnl'; 'jsnl': did you mean 'jsonl'?"));
}

TEST_CASE("the argv front doors exit 2 on every usage or config error", "[config][inputs]") {
  temp_dir tmp("exit");
  auto parse = [](std::vector<const char*> args) {
    return [args]() mutable {
      args.insert(args.begin(), "prog");
      vitals::parse_args<Small>(static_cast<int>(args.size()), args.data());
    };
  };
  const std::string dir = tmp.path.string();
  std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"--config", dir.c_str()}, "cannot read config file: it is a directory"},
      {{"--config"}, "--config needs a value"},
      {{"name=\xFF"}, "not valid UTF-8"},
      {{"arch=trans"}, "did you mean 'transformer'"},
      {{"epochs=abc"}, "epochs: expected int, got 'abc'"},
  };
  for (auto& [args, fragment] : cases) {
    INFO(fragment);
    auto [rc, err] = in_child(parse(args));
    CHECK(rc == 2);
    CHECK_THAT(err, Catch::Contains("error: ") && Catch::Contains(fragment));
  }
}
