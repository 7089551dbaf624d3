// The config error corpus (tests/config/bad/) through the front door, vitals::app: every file,
// given as --config FILE, must give the same specific error (the NAME.expect fragments: message,
// key path, file:line:col) and every NAME.args command line must be refused; app::parse never
// creates a file (the run directory comes only with vitals::run).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "corpus.hpp"
#include "test_types.hpp"
#include "vitals/app.hpp"

using namespace vitals_test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> tree(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct cwd_guard {
  fs::path old = fs::current_path();
  explicit cwd_guard(const fs::path& p) { fs::current_path(p); }
  ~cwd_guard() { fs::current_path(old); }
};

}  // namespace

TEST_CASE("The bad-input corpus through vitals::app", "[app][bad]") {
  const fs::path dir = VITALS_CONFIG_BAD_DIR;
  cwd_guard in_dir(dir);  // file names as the corpus expects them ("08_yaml_unknown_key.yaml:2:1")
  const auto before = tree(".");
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator("."))
    if (entry.path().extension() != ".expect") inputs.push_back(entry.path().filename());
  std::sort(inputs.begin(), inputs.end());
  CHECK(inputs.size() >= 40);
  vitals::app<Corpus> app;
  app.preset("baseline", Corpus{});
  for (const fs::path& input : inputs) {
    INFO("input: " << input.string());
    std::vector<std::string> args;
    if (input.extension() == ".args") args = lines_of(slurp(input));
    else args = {"--config", input.string()};
    std::vector<const char*> argv = {"prog"};
    for (auto& a : args) argv.push_back(a.c_str());
    std::string message;
    bool returned = false;
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
      returned = true;
    } catch (const vitals::config::config_error& e) {
      message = e.what();
    }
    INFO("message:\n" << message);
    CHECK_FALSE(returned);
    CHECK_FALSE(message.empty());
    // Files are read by the same readers whatever the front door: the same messages. Command lines
    // now follow Hydra's override grammar, so their wording differs from cli_parser's .expect.
    if (input.extension() != ".args")
      for (const std::string& fragment : lines_of(slurp(fs::path(input).replace_extension(".expect"))))
        CHECK_THAT(message, Catch::Contains(fragment));
  }
  CHECK(tree(".") == before);
}

TEST_CASE("vitals::app reports every problem at once, with key and location", "[app]") {
  const char* argv[] = {"prog", "epochs=abc", "optim.lr=fast", "nope=1", "--wandb_mode", "sideways", "--bogus", "seed=1"};
  try {
    vitals::app<Corpus>().parse(8, argv);
    FAIL("parse returned");
  } catch (const vitals::config::config_error& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("override #1 'epochs=abc': epochs: expected int"));
    CHECK_THAT(m, Catch::Contains("override #2 'optim.lr=fast': optim.lr"));
    CHECK_THAT(m, Catch::Contains("override #3 'nope=1': nope"));
    CHECK_THAT(m, Catch::Contains("--wandb_mode: unknown run mode 'sideways'"));
    CHECK_THAT(m, Catch::Contains("unknown flag '--bogus'"));
  }
}

TEST_CASE("vitals::app: run flags > environment > config fields > defaults", "[app]") {
  struct Cfg {
    std::string project = "from-config";
    std::string exp = "e1";
    std::vector<std::string> tags{"x", "y"};
  };
  vitals::app<Cfg> app;
  app.run_defaults({.project = "from-code", .sinks = "jsonl"}).run_fields({.project = "project", .name = "exp", .tags = "tags"});
  ::unsetenv("WANDB_PROJECT");
  ::unsetenv("WANDB_NAME");
  ::unsetenv("WANDB_TAGS");
  {
    const char* argv[] = {"prog"};
    auto j = app.parse(1, argv).jobs.at(0);
    CHECK(j.options.project == "from-config");
    CHECK(j.options.name == "e1");
    CHECK(j.options.tags == std::vector<std::string>{"x", "y"});
    CHECK(j.options.sinks == "jsonl");
  }
  {
    ::setenv("WANDB_PROJECT", "from-env", 1);
    const char* argv[] = {"prog", "exp=e2"};
    auto j = app.parse(2, argv).jobs.at(0);
    CHECK(j.options.project == "from-env");
    CHECK(j.options.name == "e2");
    const char* argv2[] = {"prog", "--wandb_project", "from-flag", "--wandb_tags=t"};
    auto k = app.parse(4, argv2).jobs.at(0);
    CHECK(k.options.project == "from-flag");
    CHECK(k.options.tags == std::vector<std::string>{"t"});
    ::unsetenv("WANDB_PROJECT");
  }
  {
    const char* argv[] = {"prog", "-m", "exp=a,b,c"};
    auto r = app.parse(3, argv);
    REQUIRE(r.jobs.size() == 3);
    CHECK(r.jobs[2].options.name == "c");
    const char* argv2[] = {"prog", "--show-config", "exp=q"};
    auto s = app.parse(3, argv2);
    CHECK(s.what == vitals::app_result<Cfg>::action::show_config);
    CHECK_THAT(s.text, Catch::Contains("exp: q"));
    // --show-config --json: one JSON object per job and line, as vitals-compose --json prints.
    const char* argv4[] = {"prog", "-m", "--show-config", "--json", "exp=a,b"};
    auto js = app.parse(5, argv4);
    CHECK(js.what == vitals::app_result<Cfg>::action::show_config);
    CHECK(std::count(js.text.begin(), js.text.end(), '\n') == 2);
    CHECK_THAT(js.text, Catch::StartsWith("{") && Catch::Contains("\"exp\":\"a\"") && Catch::Contains("\"exp\":\"b\""));
    const char* argv5[] = {"prog", "--json"};
    CHECK_THROWS_WITH(app.parse(2, argv5), Catch::Contains("--json goes with --show-config"));
    const char* argv3[] = {"prog", "--help"};
    auto h = app.parse(2, argv3);
    CHECK_THAT(h.text, Catch::Contains("--wandb_project"));
    CHECK_THAT(h.text, Catch::Contains("else config 'project'"));
    CHECK_THAT(h.text, Catch::Contains("tags"));
    CHECK_THAT(h.text, Catch::Contains("--wandb_resume"));
  }
}

TEST_CASE("vitals::app: a composition that sets hydra.run.dir / hydra.sweep.dir holds its runs", "[app][compose]") {
  struct Cfg {
    double lr = 0.1;
  };
  const auto root = std::filesystem::temp_directory_path() / ("vitals_app_outdir_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "with" );
  std::filesystem::create_directories(root / "without");
  std::ofstream(root / "with" / "config.yaml") << "lr: 0.1\nhydra:\n  run:\n    dir: " << (root / "out" / "single").string()
                                               << "\n  sweep:\n    dir: " << (root / "out" / "multi").string() << "\n";
  std::ofstream(root / "without" / "config.yaml") << "lr: 0.1\n";
  ::unsetenv("WANDB_DIR");
  vitals::app<Cfg> with, without;
  with.compose(root / "with").run_defaults({.sinks = "jsonl"});
  without.compose(root / "without").run_defaults({.dir = root / "runs", .sinks = "jsonl"});
  {
    const char* argv[] = {"prog", "lr=0.3"};
    auto j = with.parse(2, argv).jobs.at(0);
    REQUIRE(j.composition);
    CHECK(j.composition->output_dir_set);
    CHECK(j.options.dir == root / "out" / "single" / "runs");
    CHECK(j.config.lr == 0.3);
    CHECK(j.save_composition(root / "unused") == root / "out" / "single");
    CHECK(std::filesystem::exists(root / "out" / "single" / "overrides.yaml"));
    CHECK(std::filesystem::exists(root / "out" / "single" / "config.yaml"));
    CHECK_FALSE(std::filesystem::exists(root / "unused"));
  }
  {
    const char* argv[] = {"prog", "-m", "lr=0.1,0.2"};
    auto r = with.parse(3, argv);
    REQUIRE(r.jobs.size() == 2);
    CHECK(r.jobs[0].options.dir == root / "out" / "multi" / "0" / "runs");
    CHECK(r.jobs[1].options.dir == root / "out" / "multi" / "1" / "runs");
  }
  {
    const char* argv[] = {"prog", "--wandb_dir", (root / "mine").c_str()};
    CHECK(with.parse(3, argv).jobs.at(0).options.dir == root / "mine");  // the flag wins
    ::setenv("WANDB_DIR", (root / "env").c_str(), 1);
    const char* argv2[] = {"prog"};
    CHECK(with.parse(1, argv2).jobs.at(0).options.dir == root / "env");  // so does WANDB_DIR
    ::unsetenv("WANDB_DIR");
  }
  {
    const char* argv[] = {"prog"};
    auto j = without.parse(1, argv).jobs.at(0);
    REQUIRE(j.composition);
    CHECK_FALSE(j.composition->output_dir_set);  // Hydra's default outputs/... is not "set"
    CHECK(j.options.dir == root / "runs");
    CHECK(j.save_composition(root / "runs" / "r1") == root / "runs" / "r1");
    CHECK(std::filesystem::exists(root / "runs" / "r1" / "overrides.yaml"));
    const std::string cli = "hydra.run.dir=" + (root / "cli").string();
    const char* argv2[] = {"prog", cli.c_str()};
    auto k = without.parse(2, argv2).jobs.at(0);
    CHECK(k.composition->output_dir_set);  // set on the command line
    CHECK(k.options.dir == root / "cli" / "runs");
  }
  std::filesystem::remove_all(root);
}

TEST_CASE("vitals::app runs the checks on a partly read config: every independent mistake, no follow-ons", "[app][bad]") {
  cwd_guard in_dir(fs::path(VITALS_CONFIG_BAD_DIR));
  vitals::app<Corpus> app;
  // Realistic checks: a name must be given; at most 2 workers; a learning rate below 1.
  app.check([](const Corpus& c, auto& problems) {
    if (c.exp_name == "default") problems.push_back({"exp_name", "set a name for the experiment", {}});
    if (c.workers > 2) problems.push_back({"workers", "at most 2 workers on this machine", {}});
    if (c.optim.lr >= 1) problems.push_back({"optim.lr", "a learning rate below 1", {}});
  });
  // 39_yaml_many_problems.yaml: exp_name is a list, optim.lr is 'fast' (both read problems);
  // workers=8 is read fine but fails its check: an independent mistake, reported with the rest.
  const char* argv[] = {"prog", "--config", "39_yaml_many_problems.yaml", "workers=8", "seed=1"};
  std::string m;
  try {
    app.parse(5, argv);
    FAIL("parse returned");
  } catch (const vitals::config::config_error& e) {
    m = e.what();
  }
  for (const std::string& fragment : lines_of(slurp("39_yaml_many_problems.expect")))
    if (fragment.find("seed") == std::string::npos) CHECK_THAT(m, Catch::Contains(fragment));  // seed=1 given
  CHECK_THAT(m, Catch::Contains("workers: at most 2 workers on this machine"));
  // exp_name kept its default because the file's value could not be read: no "set a name" follow-on.
  CHECK_THAT(m, !Catch::Contains("set a name"));
  CHECK_THAT(m, !Catch::Contains("a learning rate below 1"));
  // The same check alone, on a config that reads: reported.
  const char* ok_argv[] = {"prog", "seed=1", "optim.lr=2"};
  CHECK_THROWS_WITH(app.parse(3, ok_argv), Catch::Contains("set a name") && Catch::Contains("optim.lr: a learning rate below 1"));
}

TEST_CASE("vitals::app (compose): ${oc.env:PROJECT_ROOT} is $PROJECT_ROOT, else the git root, never exported", "[app][compose]") {
  struct Cfg {
    std::string root;
  };
  const auto dir = fs::temp_directory_path() / ("vitals_app_root_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "repo" / ".git");
  fs::create_directories(dir / "repo" / "conf");
  std::ofstream(dir / "repo" / "conf" / "config.yaml") << "root: ${oc.env:PROJECT_ROOT,/not/used}\n";
  ::unsetenv("PROJECT_ROOT");
  vitals::app<Cfg> app;
  app.compose(dir / "repo" / "conf");
  const char* argv[] = {"prog"};
  {
    cwd_guard in(dir / "repo" / "conf");
    CHECK(fs::path(app.parse(1, argv).jobs.at(0).config.root) == dir / "repo");
    CHECK(std::getenv("PROJECT_ROOT") == nullptr);
  }
  ::setenv("PROJECT_ROOT", "/from/env", 1);
  CHECK(app.parse(1, argv).jobs.at(0).config.root == "/from/env");
  ::unsetenv("PROJECT_ROOT");
  fs::remove_all(dir);
}
