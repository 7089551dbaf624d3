// Unit tests of Hydra-style composition. What Hydra itself would answer is checked by the oracle
// (tests/oracle/hydra); these pin the C++ API: typed compose, sweeps, the store, the command line,
// saved outputs, and the parts (override grammar, merge, interpolation) on their own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "vitals/compose.hpp"

namespace fs = std::filesystem;
using namespace vitals::config;

namespace {

struct TrainConfig {
  int epochs = 30;
  double lr = 3e-4;
  int batch_size = 32;
};
enum class Arch { resnet, transformer };
struct ExpConfig {
  std::string exp_name = "default";
  std::vector<int> fold{0, 1, 2, 3, 4};
  bool debug = false;
  int seed = 42;
  Arch arch = Arch::transformer;
  TrainConfig train;
};
struct Config {
  std::string project = "cmi";
  bool show_config = false;
  std::string output_dir;
  std::string run_name;
  ExpConfig exp;
};

// A fresh directory with the given files; removed at the end of the test.
struct temp_tree {
  fs::path root;
  using files_t = std::map<std::string, std::string>;
  explicit temp_tree(const files_t& files) {
    std::random_device rd;
    root = fs::temp_directory_path() / ("vitals_compose_" + std::to_string(rd()) + std::to_string(rd()));
    for (const auto& [name, text] : files) {
      fs::create_directories((root / name).parent_path());
      std::ofstream(root / name) << text;
    }
  }
  ~temp_tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

const std::map<std::string, std::string> seed_files = {
    {"config.yaml",
     "defaults:\n  - _self_\n  - exp: default\n\nproject: cmi\nshow_config: false\n"
     "output_dir: /out/${exp.exp_name}\nrun_name: ${exp.exp_name}_fold${exp.fold.0}\nexp:\n  seed: 7\n"},
    {"exp/001.yaml", "defaults:\n  - default@_here_\n\nexp_name: \"001\"\ntrain:\n  epochs: 5\n  lr: 0.001\narch: resnet\n"},
};

compose_options seed_options(const temp_tree& t, config_store& store) {
  store.store_node("exp", "default", to_node(ExpConfig{}));
  return {.config_dir = t.root, .config_name = "config", .store = &store};
}

std::string text_at(const node& n, std::string_view key) {
  const node* v = find_path(n, key);
  REQUIRE(v != nullptr);
  return v->text;
}

}  // namespace

TEST_CASE("override grammar: types, quoting, escapes", "[compose][overrides]") {
  auto v = [](const char* s) { return parse_override(s).value; };
  CHECK(v("a=1").type == override_value_type::integer);
  CHECK(v("a=1_000").value.text == "1000");
  CHECK(v("a=+5").value.text == "5");
  CHECK(v("a=1e-3").type == override_value_type::floating);
  CHECK(v("a=1e-3").value.text == "0.001");
  CHECK(v("a=.5").value.text == "0.5");
  CHECK(v("a=TRUE").value.text == "true");
  CHECK(v("a=NuLL").value.is_null());
  CHECK(v("a=yes").type == override_value_type::string);  // only true/false are bools on the command line
  CHECK(v("a=001").type == override_value_type::string);  // leading zeros: not an int token
  CHECK(v("a='1'").value.style == scalar_style::quoted);
  CHECK(v("a= spaced out ").value.text == "spaced out");
  CHECK(v("a=a\\,b\\ c").value.text == "a,b c");
  CHECK(v("a='it\\'s'").value.text == "it's");
  CHECK(v("a=\"x,y\"").value.text == "x,y");
  CHECK(v("a=").value.text.empty());
  CHECK(v("a=${b.c}_x").value.text == "${b.c}_x");
  node list = v("a=[1, 'two', [3], {k: v}]").value;
  REQUIRE(list.is_sequence());
  REQUIRE(list.items.size() == 4);
  CHECK(list.items[1].text == "two");
  CHECK(list.items[2].items[0].text == "3");
  CHECK(list.items[3].find("k")->text == "v");

  override_spec o = parse_override("+exp@pkg=001", 3);
  CHECK(o.op == override_op::add);
  CHECK(o.key == "exp");
  CHECK(*o.package == "pkg");
  CHECK(o.key_element() == "+exp@pkg");
  CHECK(parse_override("~a.b").op == override_op::remove);
  CHECK_FALSE(parse_override("~a.b").has_value);
  CHECK(parse_override("++a=1").op == override_op::force_add);
}

TEST_CASE("override grammar: errors name the override and the column", "[compose][overrides]") {
  for (const char* bad : {"a", "a=[1,2", "a=b=c", "a=x'y'", "a={k 1}", "=1", "a b=1", "a=#x"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_override(bad), config_error);
  }
  try {
    parse_overrides({"ok=1", "a=[1,2", "b=c=d"});
    FAIL("no error");
  } catch (const config_error& e) {
    REQUIRE(e.problems().size() == 2);  // every bad override at once
    CHECK(e.problems()[0].where.origin.find("#2") != std::string::npos);
    CHECK(e.problems()[1].where.origin.find("#3") != std::string::npos);
  }
}

TEST_CASE("sweeps expand like Hydra's BasicSweeper", "[compose][sweep]") {
  auto jobs = expand_sweeps(parse_overrides({"a=1,2", "b=x,'y z'", "c=3"}));
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0] == std::vector<std::string>{"a=1", "b=x", "c=3"});
  CHECK(jobs[1] == std::vector<std::string>{"a=1", "b='y z'", "c=3"});
  CHECK(jobs[3] == std::vector<std::string>{"a=2", "b='y z'", "c=3"});
  auto r = expand_sweeps(parse_overrides({"f=range(0,5)"}));
  REQUIRE(r.size() == 5);
  CHECK(r[4][0] == "f=4");
  auto fl = expand_sweeps(parse_overrides({"x=range(0, 1, 0.25)"}));
  REQUIRE(fl.size() == 4);
  CHECK(fl[1][0] == "x=0.25");
  CHECK(expand_sweeps(parse_overrides({"x=choice(a, b)"})).size() == 2);
  CHECK(parse_override("x=glob(*)").glob.has_value());
  CHECK_THROWS_AS(expand_sweeps(parse_overrides({"x=glob(*)"})), config_error);  // needs the group's options
  CHECK(parse_override("x=[1,2]").sweep == false);
}

TEST_CASE("float range steps in Decimal as Hydra does", "[compose][sweep]") {
  auto a = expand_sweeps(parse_overrides({"x=range(0.1,0.4,0.1)"}));
  REQUIRE(a.size() == 4);  // doubles would give 3
  CHECK(a[2][0] == "x=0.30000000000000004");
  CHECK(a[3][0] == "x=0.4");
  auto b = expand_sweeps(parse_overrides({"x=range(0,1,0.1)"}));
  REQUIRE(b.size() == 10);
  CHECK(b[3][0] == "x=0.3");  // not 0.30000000000000004
  CHECK(b[6][0] == "x=0.6");
  CHECK(b[7][0] == "x=0.7000000000000001");
}

TEST_CASE("sort, shuffle, tag, glob and interval as Hydra's grammar functions", "[compose][sweep]") {
  auto first = [](const std::vector<std::vector<std::string>>& jobs) {
    std::vector<std::string> out;
    for (const auto& j : jobs) out.push_back(j.at(0));
    return out;
  };
  CHECK(first(expand_sweeps(parse_overrides({"x=sort(3,1,2)"}))) == std::vector<std::string>{"x=1", "x=2", "x=3"});
  CHECK(first(expand_sweeps(parse_overrides({"x=sort(choice(b,a), reverse=true)"}))) == std::vector<std::string>{"x=b", "x=a"});
  CHECK(parse_override("x=sort([3,1])").value.text == "[1,3]");
  // shuffle: the same values, and the same order every time for the same command line
  auto s1 = first(expand_sweeps(parse_overrides({"x=shuffle(range(0,20))"})));
  auto s2 = first(expand_sweeps(parse_overrides({"x=shuffle(range(0,20))"})));
  CHECK(s1 == s2);
  auto sorted = s1;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted != s1);
  CHECK(first(expand_sweeps(parse_overrides({"x=tag(fast,choice(1,2))"}))) == std::vector<std::string>{"x=1", "x=2"});
  CHECK_THROWS_WITH(parse_override("x=tag(fast,1)"), Catch::Matchers::Contains("tag()"));
  CHECK_THROWS_WITH(expand_sweeps(parse_overrides({"x=interval(0,1)"})),
                    Catch::Matchers::Contains("BasicSweeper does not support sweep type : INTERVAL_SWEEP"));
  CHECK_THROWS_WITH(parse_override("x=[choice(1,2)]"), Catch::Matchers::Contains("is a sweep"));
  CHECK_THROWS_WITH(parse_override("x=frob(1)"), Catch::Matchers::Contains("unknown function 'frob'"));
  CHECK(detail::glob_filter({"adam", "adamw", "sgd"}, {"adam*"}, {"*w"}) == std::vector<std::string>{"adam"});
  // casts, as Hydra's: int() truncates, str() of a sweep is spelled plain in the job lines
  CHECK(parse_override("x=int(2.7)").value.value.text == "2");
  CHECK(parse_override("x=str(true)").value.value.style == scalar_style::quoted);
  CHECK(first(expand_sweeps(parse_overrides({"x=float(range(1,3))"}))) == std::vector<std::string>{"x=1.0", "x=2.0"});
  CHECK_THROWS_WITH(parse_override("x=bool(maybe)"), Catch::Matchers::Contains("cannot cast 'maybe' to bool"));
}

TEST_CASE("merge: mappings merge, lists replace, ??? keeps", "[compose][merge]") {
  node a = parse_yaml("x: {p: 1, q: [1, 2]}\ny: 1\nz: 5\n");
  node b = parse_yaml("x: {q: [3], r: 2}\ny: {n: 1}\nz: ???\n");
  merge_nodes(a, b);
  CHECK(text_at(a, "x.p") == "1");
  CHECK(find_path(a, "x.q")->items.size() == 1);
  CHECK(text_at(a, "x.r") == "2");
  CHECK(text_at(a, "y.n") == "1");
  CHECK(text_at(a, "z") == "5");
  node e = embed_in_package(parse_yaml("k: 1"), "a.b");
  CHECK(text_at(e, "a.b.k") == "1");
}

TEST_CASE("update_path is closed unless adding, with did-you-mean", "[compose][merge]") {
  node cfg = parse_yaml("server: {port: 1, host: h}\n");
  update_path(cfg, "server.port", node::scalar("2"), false, {});
  CHECK(text_at(cfg, "server.port") == "2");
  try {
    update_path(cfg, "server.prot", node::scalar("2"), false, {}, "server.prot=2");
    FAIL("no error");
  } catch (const config_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("did you mean 'server.port'") && Catch::Contains("+server.prot=2"));
  }
  update_path(cfg, "new.deep.key", node::scalar("3"), true, {});
  CHECK(text_at(cfg, "new.deep.key") == "3");
  CHECK_THROWS_AS(update_path(cfg, "server", parse_yaml("{extra: 1}"), false, {}), config_error);
}

TEST_CASE("every bad override is reported at once", "[compose][merge]") {
  temp_tree t(temp_tree::files_t{{"config.yaml", "a: 1\nb: {c: 2}\n"}});
  try {
    compose_tree({.config_dir = t.root}, {"a=2", "x=1", "b.d=3", "+a=4"});
    FAIL("no error");
  } catch (const config_error& e) {
    REQUIRE(e.problems().size() == 3);
    CHECK(e.problems()[0].where.origin == "override #2 'x=1'");
    CHECK(e.problems()[1].path == "b.d");
    CHECK_THAT(e.problems()[2].message, Catch::Contains("++a=4"));
  }
}

TEST_CASE("interpolation: types, strings as Python spells them, relative keys, env", "[compose][interpolation]") {
  setenv("VITALS_COMPOSE_TEST_VAR", "from_env", 1);
  unsetenv("VITALS_COMPOSE_TEST_UNSET");
  node cfg = parse_yaml(
      "lr: 3e-4\nbig: 1.0e20\nflag: true\nn: 3\nnone: null\n"
      "s: lr_${lr}_${flag}_${n}_${none}_${big}\nnum: ${n}\n"
      "sub: {a: 1, b: '${.a}', c: '${..n}'}\ncopy: ${sub}\n"
      "env: ${oc.env:VITALS_COMPOSE_TEST_VAR}\ndef: ${oc.env:VITALS_COMPOSE_TEST_UNSET,7}\n"
      "esc: \\${not}\nkey: ${sub.${which}}\nwhich: a\n");
  node r = resolve_interpolations(cfg);
  CHECK(text_at(r, "s") == "lr_0.0003_True_3_None_1e+20");
  CHECK(find_path(r, "num")->style == scalar_style::plain);
  CHECK(text_at(r, "num") == "3");
  CHECK(text_at(r, "sub.b") == "1");
  CHECK(text_at(r, "sub.c") == "3");
  CHECK(text_at(r, "copy.b") == "1");
  CHECK(text_at(r, "env") == "from_env");
  CHECK(text_at(r, "def") == "7");
  CHECK(find_path(r, "def")->style == scalar_style::quoted);  // oc.env gives strings
  CHECK(text_at(r, "esc") == "${not}");
  CHECK(text_at(r, "key") == "1");

  try {
    resolve_interpolations(parse_yaml("a: ${b}\nb: ${c}\nc: ${a}\n"));
    FAIL("no error");
  } catch (const config_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("a -> b -> c -> a"));
  }
  CHECK_THROWS_WITH(resolve_interpolations(parse_yaml("abc: 1\nx: ${abd}\n")), Catch::Contains("did you mean 'abc'"));
  CHECK_THROWS_AS(resolve_interpolations(parse_yaml("x: ${oc.env:VITALS_COMPOSE_TEST_UNSET}\n")), config_error);
  CHECK_THROWS_AS(resolve_interpolations(parse_yaml("x: ${oc.decode:1}\n")), config_error);
}

TEST_CASE("python_str spells floats like Python's repr", "[compose][interpolation]") {
  auto f = [](const char* t) { return python_str(node::scalar(t)); };
  CHECK(f("1.0") == "1.0");
  CHECK(f("3e-4") == "0.0003");
  CHECK(f("1e-5") == "1e-05");
  CHECK(f("1e16") == "1e+16");
  CHECK(f("123456.5") == "123456.5");
  CHECK(f("0.1") == "0.1");
  CHECK(f(".inf") == "inf");
  CHECK(f("007") == "7");
  CHECK(f("True") == "True");
}

TEST_CASE("typed compose of the seed layout", "[compose][typed]") {
  temp_tree t(seed_files);
  config_store store;
  auto opts = seed_options(t, store);

  Config plain = vitals::compose<Config>(opts);
  CHECK(plain.exp.exp_name == "default");
  CHECK(plain.exp.seed == 42);  // _self_ first: the stored ExpConfig overrides config.yaml's exp.seed
  CHECK(plain.output_dir == "/out/default");

  Config c = vitals::compose<Config>(opts, {"exp=001", "exp.fold=[3]", "exp.debug=true", "exp.train.lr=1"});
  CHECK(c.exp.exp_name == "001");
  CHECK(c.exp.fold == std::vector<int>{3});
  CHECK(c.exp.debug);
  CHECK(c.exp.arch == Arch::resnet);
  CHECK(c.exp.train.epochs == 5);
  CHECK(c.exp.train.lr == 1.0);  // int into a double field
  CHECK(c.exp.train.batch_size == 32);
  CHECK(c.run_name == "001_fold3");
}

TEST_CASE("typed compose reports every type problem at once", "[compose][typed]") {
  temp_tree t(seed_files);
  config_store store;
  auto opts = seed_options(t, store);
  try {
    vitals::compose<Config>(opts, {"exp=001", "exp.train.lr=fast", "exp.seed=1.5", "exp.arch=cnn"});
    FAIL("no error");
  } catch (const config_error& e) {
    CHECK(e.problems().size() == 3);
    CHECK_THAT(e.what(), Catch::Contains("exp.train.lr") && Catch::Contains("exp.seed") && Catch::Contains("exp.arch"));
  }
}

TEST_CASE("sweep gives one config per fold", "[compose][sweep][typed]") {
  temp_tree t(seed_files);
  config_store store;
  auto opts = seed_options(t, store);
  auto folds = vitals::sweep<Config>(opts, {"exp=001", "exp.fold=[0],[1],[2]"});
  REQUIRE(folds.size() == 3);
  CHECK(folds[2].exp.fold == std::vector<int>{2});
  CHECK(folds[2].run_name == "001_fold2");
  CHECK_THROWS_WITH(vitals::compose<Config>(opts, {"exp.seed=1,2"}), Catch::Contains("--multirun"));
  auto with_info = vitals::sweep_with_info<Config>(opts, {"exp.seed=1,2"});
  REQUIRE(with_info.size() == 2);
  CHECK(with_info[1].value.exp.seed == 2);
  CHECK(with_info[0].info.overrides == std::vector<std::string>{"exp.seed=1"});
  CHECK(with_info[1].info.overrides == std::vector<std::string>{"exp.seed=2"});
}

TEST_CASE("vitals::store registers struct options in the global store", "[compose][store]") {
  temp_tree t(seed_files);
  vitals::store("exp", "default", ExpConfig{});
  ExpConfig other;
  other.exp_name = "stored";
  other.seed = 5;
  vitals::store("exp", "stored.yaml", other);
  Config c = vitals::compose<Config>({.config_dir = t.root}, {"exp=stored"});
  CHECK(c.exp.exp_name == "stored");
  CHECK(c.exp.seed == 5);
  config_store::instance().clear();
}

TEST_CASE("command line: flags, show_config, multirun", "[compose][cli]") {
  const char* argv[] = {"prog", "exp=001", "-m", "--config-name=other", "--cfg", "job", "a.b=1"};
  command_line cl = parse_command_line(7, argv);
  CHECK(cl.multirun);
  CHECK(cl.show_config);
  CHECK(*cl.config_name == "other");
  CHECK(cl.overrides == std::vector<std::string>{"exp=001", "a.b=1"});
  const char* bad[] = {"prog", "--nope"};
  CHECK_THROWS_AS(parse_command_line(2, bad), config_error);

  temp_tree t(seed_files);
  config_store store;
  auto opts = seed_options(t, store);
  const char* sweep_argv[] = {"prog", "exp=001", "exp.seed=1,2", "--multirun"};
  auto jobs = vitals::sweep<Config>(4, sweep_argv, opts);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].exp.seed == 2);
  const char* one[] = {"prog", "exp=001", "show_config=false"};
  Config c = vitals::compose<Config>(3, one, opts);
  CHECK(c.exp.exp_name == "001");
  CHECK_FALSE(c.show_config);
  REQUIRE(last_composition().has_value());
  CHECK(last_composition()->overrides == std::vector<std::string>{"exp=001", "show_config=false"});
}

TEST_CASE("composition trace and saved outputs reproduce the run", "[compose][outputs]") {
  temp_tree t(seed_files);
  config_store store;
  auto opts = seed_options(t, store);
  composition c = compose_detailed(opts, {"exp=001", "exp.debug=true"});
  REQUIRE(c.defaults.size() == 3);
  CHECK(c.defaults[0].config_path == "config");
  CHECK(c.defaults[1].config_path == "exp/default");
  CHECK(c.defaults[1].source == "config_store://exp/default");
  CHECK(c.defaults[2].config_path == "exp/001");
  CHECK(c.defaults[2].package == "exp");
  c.save(t.root / "run");
  for (const char* f : {"config.yaml", "config.json", "overrides.yaml", "defaults.yaml"}) CHECK(fs::exists(t.root / "run" / f));
  // Reproduce: the saved overrides compose to the saved config.
  node saved = load_yaml_file(t.root / "run" / "overrides.yaml");
  std::vector<std::string> again;
  for (const auto& o : saved.items) again.push_back(o.text);
  CHECK(to_json(compose_tree(opts, again)) == to_json(load_yaml_file(t.root / "run" / "config.yaml")));
}

TEST_CASE("defaults-list errors name the chain of files", "[compose][defaults]") {
  temp_tree t({{"config.yaml", "defaults:\n  - model: a\n"},
               {"model/a.yaml", "defaults:\n  - /other: x\nk: 1\n"},
               {"other/y.yaml", "z: 1\n"},
               {"loop.yaml", "defaults:\n  - loop2\n"},
               {"loop2.yaml", "defaults:\n  - loop.yaml\n"}});
  CHECK_THROWS_WITH(compose_tree({.config_dir = t.root}),
                    Catch::Contains("other/x") && Catch::Contains("'config' -> 'model/a'") && Catch::Contains("y"));
  CHECK_THROWS_WITH(compose_tree({.config_dir = t.root, .config_name = "loop"}), Catch::Contains("'loop' -> 'loop2' -> 'loop.yaml'"));
  CHECK_THROWS_WITH(compose_tree({.config_dir = t.root}, {"model=b"}), Catch::Contains("available options in 'model': a"));
}

TEST_CASE("PROJECT_ROOT anchors relative config directories", "[compose][paths]") {
  temp_tree t(std::map<std::string, std::string>{{"experiments/001/config.yaml", "x: 1\n"}});
  setenv("PROJECT_ROOT", t.root.c_str(), 1);
  CHECK(project_root() == t.root);
  node n = compose_tree({.config_dir = "experiments/001"});
  CHECK(text_at(n, "x") == "1");
  unsetenv("PROJECT_ROOT");
  CHECK_THROWS_AS(compose_tree({.config_dir = "experiments/001"}), config_error);
}

namespace {
struct RootPaths {
  std::string plain, with_default, data;
};
struct cwd_guard {
  fs::path old = fs::current_path();
  explicit cwd_guard(const fs::path& p) { fs::current_path(p); }
  ~cwd_guard() { fs::current_path(old); }
};
// What a child process started now sees of PROJECT_ROOT ("unset" when absent).
std::string child_project_root() {
  std::string out;
  if (FILE* f = ::popen("sh -c 'printf %s \"${PROJECT_ROOT-unset}\"'", "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    ::pclose(f);
  }
  return out;
}
}  // namespace

TEST_CASE("${oc.env:PROJECT_ROOT} is $PROJECT_ROOT, else the git root; never set in the environment", "[compose][paths]") {
  // Hydra leaves an unset PROJECT_ROOT unset (the default, or an error); vitals applies the rule
  // it uses for relative config directories (docs/compose.md "PROJECT_ROOT").
  temp_tree t(std::map<std::string, std::string>{
      {"repo/.git/HEAD", "ref: refs/heads/main\n"},
      {"repo/experiments/001/config.yaml",
       "plain: ${oc.env:PROJECT_ROOT}\nwith_default: ${oc.env:PROJECT_ROOT,/elsewhere}\ndata: ${oc.env:PROJECT_ROOT,.}/data\n"},
      {"norepo/config.yaml", "plain: ${oc.env:PROJECT_ROOT}\nwith_default: ${oc.env:PROJECT_ROOT,/elsewhere}\ndata: x\n"}});
  const fs::path repo = t.root / "repo";
  unsetenv("PROJECT_ROOT");
  {
    cwd_guard in(repo / "experiments");  // below the git root
    node n = compose_tree({.config_dir = "experiments/001"});  // found under the git root too
    CHECK(fs::path(text_at(n, "plain")) == repo);
    CHECK(fs::path(text_at(n, "with_default")) == repo);
    CHECK(fs::path(text_at(n, "data")) == repo / "data");
    // The typed front door gives the same, and nothing was exported to child processes.
    const char* argv[] = {"prog"};
    RootPaths r = vitals::compose<RootPaths>(1, argv, {.config_dir = repo / "experiments/001"});
    CHECK(fs::path(r.plain) == repo);
    CHECK(fs::path(r.data) == repo / "data");
    CHECK(std::getenv("PROJECT_ROOT") == nullptr);
    CHECK(child_project_root() == "unset");
  }
  {
    cwd_guard in(t.root / "norepo");  // no git root above (temp dirs are not in a repository)
    if (!git_root()) {
      node n = compose_tree({.config_dir = t.root / "norepo"});
      CHECK(text_at(n, "with_default") == "/elsewhere");           // then the config's default
      CHECK(fs::path(text_at(n, "plain")) == fs::current_path());  // else the working directory
    }
  }
  setenv("PROJECT_ROOT", (t.root / "norepo").c_str(), 1);
  {
    cwd_guard in(repo);
    node n = compose_tree({.config_dir = "experiments/001"});
    CHECK(fs::path(text_at(n, "plain")) == t.root / "norepo");  // the variable wins
    CHECK(fs::path(text_at(n, "data")) == t.root / "norepo" / "data");
  }
  unsetenv("PROJECT_ROOT");
}

namespace {
struct WithRequired {
  std::string name = "x";
  vitals::required<int> seed;
  std::optional<std::string> notes;
};
}  // namespace

TEST_CASE("??? in a config is a required value: an error until an override sets it", "[compose][typed]") {
  temp_tree t(temp_tree::files_t{{"config.yaml", "name: run\nseed: ???\nnotes: null\n"}});
  CHECK_THROWS_WITH(vitals::compose<WithRequired>({.config_dir = t.root}), Catch::Contains("seed"));
  WithRequired w = vitals::compose<WithRequired>({.config_dir = t.root}, {"seed=3", "notes='hi'"});
  CHECK(*w.seed == 3);
  CHECK(w.notes == "hi");
  // The untyped tree keeps ??? as OmegaConf's to_container does.
  CHECK(text_at(compose_tree({.config_dir = t.root}), "seed") == "???");
}

TEST_CASE("a primary config registered in code needs no files", "[compose][store]") {
  temp_tree t(temp_tree::files_t{{"exp/fast.yaml", "defaults:\n  - default@_here_\nexp_name: fast\n"}});
  config_store store;
  store.store_node("exp", "default", to_node(ExpConfig{}));
  node primary = parse_yaml("defaults:\n  - exp: default\n  - _self_\nproject: coded\n");
  store.store_node("", "app", primary);
  Config c = vitals::compose<Config>({.config_dir = t.root, .config_name = "app", .store = &store}, {"exp=fast"});
  CHECK(c.project == "coded");
  CHECK(c.exp.exp_name == "fast");
  CHECK(c.exp.seed == 42);
}

TEST_CASE("issue 18 gaps: 0o17, containers in strings, a missing option chosen on the command line", "[compose][gaps]") {
  node r = resolve_interpolations(parse_yaml("perms: 0o17\nhex: 0x1F\nf: [0, 1]\nd: {a: \"it's\", b: '${f}'}\n"
                                             "s: \"fold${f}\"\nt: \"x${d}\"\n"));
  CHECK(kind_of(*r.find("perms")) == scalar_kind::string);  // PyYAML (Hydra) keeps 0o17 a string
  CHECK(python_str(*r.find("hex")) == "31");
  CHECK(r.find("s")->text == "fold[0, 1]");
  CHECK(r.find("t")->text == "x{'a': \"it's\", 'b': '${f}'}");  // unresolved inside, as OmegaConf's str()
  temp_tree t({{"config.yaml", "defaults:\n  - optimizer: adam\n  - _self_\n"}, {"optimizer/adam.yaml", "lr: 1\n"}});
  try {
    (void)compose_tree({.config_dir = t.root}, {"x=1", "optimizer=adamw"});
    FAIL("expected a config_error");
  } catch (const config_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("override #2 'optimizer=adamw'"));
    CHECK_THAT(e.what(), Catch::Contains("config.yaml:2:5"));
    CHECK_THAT(e.what(), Catch::Contains("available options in 'optimizer': adam"));
  }
}

TEST_CASE("output directories as Hydra names them; ${hydra:...} and registered resolvers", "[compose][outputs]") {
  temp_tree t({{"config.yaml", "defaults:\n  - db: a\n  - _self_\nx: 1\nname: \"${hydra:runtime.choices.db}_${twice:${x}}\"\n"},
               {"db/a.yaml", "k: 1\n"},
               {"db/b.yaml", "k: 2\n"}});
  register_resolver("twice", [](const std::vector<node>& a) { return node::scalar(std::to_string(2 * std::stoi(a.at(0).text))); }, true);
  composition c = compose_detailed({.config_dir = t.root}, {"x=4", "db=b"});
  CHECK(c.config.find("name")->text == "b_8");
  CHECK(c.output_dir.string().rfind("outputs/", 0) == 0);  // outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}
  composition r = compose_detailed({.config_dir = t.root}, {"x=2", "hydra.run.dir=out/${hydra.job.override_dirname}"});
  CHECK(r.output_dir == "out/x=2");
  std::vector<composition> jobs = sweep_detailed({.config_dir = t.root}, {"db=a,b", "hydra.sweep.dir=ms"});
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].output_dir == "ms/0");  // one directory per job: sweep.dir/subdir (= job.num)
  CHECK(jobs[1].output_dir == "ms/1");
  CHECK(find_path(jobs[1].hydra, "job.override_dirname")->text == "db=b");
  CHECK(unregister_resolver("twice"));
  CHECK_THROWS_WITH(compose_tree({.config_dir = t.root}), Catch::Contains("unknown resolver 'twice'"));
  CHECK_THROWS_AS(register_resolver("oc.env", [](const std::vector<node>&) { return node(); }), std::invalid_argument);
}
