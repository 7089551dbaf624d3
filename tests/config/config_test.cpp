// Readers, writers, typing, conversion, front doors and the command-line parser.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "random_config.hpp"
#include "test_types.hpp"
#include "vitals/config.hpp"

using namespace vitals_test;
namespace cfg = vitals::config;
using cfg::node;

namespace {

// The full message of the config_error `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const cfg::config_error& e) {
    return e.what();
  }
  return "";
}

std::string loc(const node& n) { return n.where.str(); }

}  // namespace

TEST_CASE("YAML reader keeps locations, quoting and structure", "[config][yaml]") {
  node n = cfg::parse_yaml("a: 1\nb: \"x\"\nc:\nd: [1, ~, '2', null]\ne:\n  f: yes\n  g: !!str 3\n  h: |\n    lit\n", "t.yaml");
  REQUIRE(n.is_mapping());
  CHECK(loc(n) == "t.yaml:1:1");
  CHECK(n.find("a")->text == "1");
  CHECK(n.find("a")->style == cfg::scalar_style::plain);
  CHECK(loc(*n.find("a")) == "t.yaml:1:4");
  CHECK(n.find("b")->style == cfg::scalar_style::quoted);
  CHECK(n.find("c")->is_null());
  CHECK(loc(*n.find("c")) == "t.yaml:3:1");  // an empty value points at its key
  const node& d = *n.find("d");
  REQUIRE(d.items.size() == 4);
  CHECK(d.items[1].is_null());
  CHECK(d.items[2].style == cfg::scalar_style::quoted);
  CHECK(d.items[3].is_null());
  CHECK(loc(d.items[2]) == "t.yaml:4:11");
  const node& e = *n.find("e");
  CHECK(e.find("f")->text == "yes");
  CHECK(e.find("g")->style == cfg::scalar_style::quoted);  // !!str means string
  CHECK(e.find("h")->text == "lit\n");
  CHECK(cfg::parse_yaml("").is_null());
  CHECK(cfg::parse_yaml("# only a comment\n").is_null());
}

TEST_CASE("YAML reader rejects what a config never means", "[config][yaml]") {
  CHECK_THAT(error_of([] { cfg::parse_yaml("a: 1\na: 2\n", "d.yaml"); }),
             Catch::Contains("d.yaml:2:4: a: duplicate key 'a' (first set at d.yaml:1:4)"));
  CHECK_THAT(error_of([] { cfg::parse_yaml("x:\n  y: {q: 1, q: 2}\n", "d.yaml"); }),
             Catch::Contains("x.y.q: duplicate key 'q'"));
  CHECK_THAT(error_of([] { cfg::parse_yaml("a: 1\n---\nb: 2\n", "m.yaml"); }),
             Catch::Contains("more than one YAML document"));
  CHECK_THAT(error_of([] { cfg::parse_yaml("a: [1, 2\n", "s.yaml"); }), Catch::Contains("s.yaml:2:1: YAML syntax error"));
  CHECK_THAT(error_of([] { cfg::parse_yaml("[1, 2]: x\n"); }), Catch::Contains("a mapping key must be a string"));
  CHECK_THAT(error_of([] { cfg::parse_yaml("a: &x [*x]\n"); }), Catch::Contains("alias refers to a node that contains it"));
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, char(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  CHECK_THAT(error_of([&] { cfg::parse_yaml(bomb); }), Catch::Contains("aliases expand the document"));
  CHECK_THAT(error_of([] { cfg::parse_yaml(std::string(10000, '[') + std::string(10000, ']')); }),
             Catch::Contains("nesting is deeper than 256 levels"));
  // Aliases that stay small are fine, and copy the anchored value.
  node ok = cfg::parse_yaml("base: &b {lr: 1}\nother: *b\n");
  CHECK(ok.find("other")->find("lr")->text == "1");
}

TEST_CASE("JSON reader keeps locations and number text", "[config][json]") {
  node n = cfg::parse_json("{\"a\": 1e-4,\n \"b\": \"x\\u00e9\", \"c\": null, \"d\": [true, 18446744073709551616]}", "t.json");
  CHECK(loc(n) == "t.json:1:1");
  CHECK(n.find("a")->text == "1e-4");
  CHECK(n.find("a")->style == cfg::scalar_style::plain);
  CHECK(n.find("b")->text == "x\xc3\xa9");
  CHECK(n.find("b")->style == cfg::scalar_style::quoted);
  CHECK(loc(*n.find("b")) == "t.json:2:7");
  CHECK(n.find("c")->is_null());
  CHECK(n.find("d")->items[0].text == "true");
  CHECK(n.find("d")->items[1].text == "18446744073709551616");
  CHECK(cfg::parse_json(" \"s\" ").text == "s");
  CHECK(cfg::parse_json("12").text == "12");
}

TEST_CASE("JSON reader errors point at the problem", "[config][json]") {
  CHECK_THAT(error_of([] { cfg::parse_json("{\"a\":1,\n\"a\":2}", "d.json"); }),
             Catch::Contains("d.json:2:5: a: duplicate key 'a' (first set at d.json:1:6)"));
  CHECK_THAT(error_of([] { cfg::parse_json("{\"a\": 01}", "n.json"); }), Catch::Contains("n.json:1:7: JSON syntax error: invalid number '01'"));
  CHECK_THAT(error_of([] { cfg::parse_json("{\"a\": tru}", "l.json"); }), Catch::Contains("l.json:1:7: JSON syntax error: invalid literal 'tru'"));
  CHECK_THAT(error_of([] { cfg::parse_json("{} {}", "t.json"); }), Catch::Contains("t.json:1:4: unexpected text after the JSON value"));
  CHECK_THAT(error_of([] { cfg::parse_json("12 13"); }), Catch::Contains("unexpected text after the JSON value"));
  CHECK_THAT(error_of([] { cfg::parse_json("{\"a\": [1,2,", "e.json"); }), Catch::Contains("e.json:1:12: JSON syntax error: the text ends inside an object or array"));
  CHECK_THAT(error_of([] { cfg::parse_json("[1 2]"); }), Catch::Contains("is missing or out of place"));
  CHECK_THAT(error_of([] { cfg::parse_json("{\"a\":\n \"\xff\"}", "u.json"); }), Catch::Contains("u.json:2:3: JSON syntax error: the text is not valid UTF-8"));
  CHECK_THAT(error_of([] { cfg::parse_json(""); }), Catch::Contains("no JSON value"));
  CHECK_THAT(error_of([] { cfg::parse_json(std::string(10000, '[') + std::string(10000, ']')); }),
             Catch::Contains("nesting is deeper than 256 levels"));
  CHECK_THAT(error_of([] { cfg::parse_json("NaN"); }), Catch::Contains("JSON syntax error"));
}

TEST_CASE("Scalars are typed by the YAML 1.2 core schema", "[config][scalar]") {
  using cfg::plain_kind;
  CHECK(cfg::resolve_plain("yes") == plain_kind::string);
  CHECK(cfg::resolve_plain("True") == plain_kind::boolean);
  CHECK(cfg::resolve_plain("0x1F") == plain_kind::integer);
  CHECK(cfg::resolve_plain("0o17") == plain_kind::string);  // PyYAML/Hydra keep it a string
  CHECK(cfg::resolve_plain("1e-4") == plain_kind::floating);
  CHECK(cfg::resolve_plain(".inf") == plain_kind::floating);
  CHECK(cfg::resolve_plain("-.INF") == plain_kind::floating);
  CHECK(cfg::resolve_plain(".NaN") == plain_kind::floating);
  CHECK(cfg::resolve_plain("1_000") == plain_kind::string);
  CHECK(cfg::resolve_plain("???") == plain_kind::missing);
  CHECK(cfg::parse_core_int("0x1F")->to<int>() == 31);
  CHECK(cfg::parse_core_int("-9223372036854775808")->to<std::int64_t>() == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(cfg::parse_core_int("-9223372036854775809")->to<std::int64_t>());
  CHECK(cfg::parse_core_int("18446744073709551615")->to<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  CHECK(cfg::parse_core_int("18446744073709551616")->overflow);
  CHECK(cfg::parse_bool_word("OFF") == false);
  CHECK(cfg::parse_bool_word("Y") == true);
  CHECK(cfg::format_float(3.0) == "3.0");
  CHECK(cfg::format_float(1e-7) == "1.0e-07");
  CHECK(cfg::format_float(1e20) == "1.0e+20");
  CHECK(cfg::format_float(-0.0) == "-0.0");
  CHECK(cfg::format_float(std::numeric_limits<double>::quiet_NaN()) == ".nan");
  CHECK(cfg::format_float(-std::numeric_limits<double>::infinity()) == "-.inf");
  CHECK(cfg::format_float(0.1f) == "0.1");
}

TEST_CASE("Writers quote what must be quoted and read back the same tree", "[config][writer]") {
  node tree = node::mapping();
  const char* strings[] = {"plain", "two words", "", " lead", "trail ", "yes", "No", "null", "~", "true", "1", "1e3",
                           "0x1F", ".inf", "- x", "a: b", "#c", "x #c", "[1]", "{}", "a,b", "tab\there", "line\nbreak",
                           "quote\"s", "back\\slash", "\x01\x7f", "\xc2\x85\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf",
                           "\xef\xbf\xbe\xef\xbf\xbf", "\xf0\x9f\x98\x80", "2001-12-14", "1_000", "12:30", "<<", "="};
  node list = node::sequence();
  for (const char* s : strings) list.items.push_back(node::scalar(s, cfg::scalar_style::quoted));
  tree.set("strings", list);
  tree.set("key with: colon", node::scalar("1"));
  tree.set("empty_map", node::mapping());
  tree.set("empty_list", node::sequence());
  tree.set("nested", cfg::parse_yaml("- - 1\n  - 2\n- {a: [x, {b: c}]}\n- []\n"));
  tree.set("missing", node::scalar("???"));
  for (const std::string& yaml : {cfg::to_yaml(tree)}) {
    node back = cfg::parse_yaml(yaml);
    node strings_back = *back.find("strings");
    REQUIRE(strings_back.items.size() == std::size(strings));
    for (std::size_t i = 0; i < std::size(strings); ++i) CHECK(strings_back.items[i].text == strings[i]);
    CHECK(back.find("missing")->text == "???");
    CHECK(cfg::to_yaml(back) == yaml);  // a second write is identical
  }
  node from_json = cfg::parse_json(cfg::to_json(tree));
  for (std::size_t i = 0; i < std::size(strings); ++i) CHECK(from_json.find("strings")->items[i].text == strings[i]);
  CHECK(cfg::to_json(cfg::parse_json(cfg::to_json(tree, 0)), 0) == cfg::to_json(tree, 0));

  // Plain YAML spellings are normalised to ones every reader agrees on.
  // Spellings every reader agrees on are kept (they may carry more digits than a double).
  node plain = cfg::parse_yaml("a: 0x1F\nb: 1e-4\nc: .inf\nd: yes\ne: True\nf: 017\ng: .5\nh: 1.\ni: 0.33333333333333333334\n");
  CHECK(cfg::to_yaml(plain) == "a: 31\nb: 0.0001\nc: .inf\nd: yes\ne: true\nf: 17\ng: 0.5\nh: 1.\ni: 0.33333333333333333334\n");
  CHECK(cfg::to_json(plain, 0) ==
        R"({"a":31,"b":1e-4,"c":"inf","d":"yes","e":true,"f":17,"g":0.5,"h":1.0,"i":0.33333333333333333334})");

  // Keys longer than YAML's 1024-character limit for implicit keys are written as explicit keys.
  node long_keys = node::mapping();
  node inner = node::mapping();
  inner.set(std::string(1200, 'q') + "\x7f", node::sequence());
  long_keys.set(std::string(1100, 'k'), node::scalar("1"));
  node items = node::sequence();
  items.items.push_back(inner);
  long_keys.set(std::string(1050, 'z'), items);
  const std::string long_yaml = cfg::to_yaml(long_keys);
  CHECK(long_yaml.rfind("? kkk", 0) == 0);
  CHECK(cfg::to_yaml(cfg::parse_yaml(long_yaml)) == long_yaml);

  CHECK_THAT(error_of([] { cfg::to_json(node::scalar("\xff")); }), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(error_of([] { cfg::to_yaml(node::scalar("ok\xc3")); }), Catch::Contains("not valid UTF-8"));
}

TEST_CASE("Defaults come from the struct; files set what they name", "[config][convert]") {
  Train t = vitals::parse_yaml<Train>("seed: 7\noptim: {lr: 0.1}\n");
  CHECK(t.seed == 7);
  CHECK(t.optim.lr == 0.1);
  CHECK(t.optim.weight_decay == 0.01);  // merged, not replaced
  CHECK(t.exp_name == "default");
  CHECK(t.folds == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(std::holds_alternative<Adam>(t.optimizer));

  Train j = vitals::parse_json<Train>(R"({"seed": 1, "folds": [7], "arch": "resnet", "notes": "n", "debug": true})");
  CHECK(j.folds == std::vector<int>{7});  // lists replace
  CHECK(j.arch == Arch::resnet);
  CHECK(j.notes == "n");
  CHECK(j.debug);
}

TEST_CASE("Typing follows the field", "[config][convert]") {
  struct S {
    bool b = false;
    int i = 0;
    std::uint8_t u = 0;
    double d = 0;
    float f = 0;
    std::string s;
    std::optional<int> o = 5;
  };
  S v = vitals::parse_yaml<S>("b: on\ni: 0x10\nu: 2.0\nd: 3\nf: .inf\ns: 12\no: null\n");
  CHECK(v.b);
  CHECK(v.i == 16);
  CHECK(v.u == 2);
  CHECK(v.d == 3.0);
  CHECK(std::isinf(v.f));
  CHECK(v.s == "12");
  CHECK_FALSE(v.o);
  CHECK(vitals::parse_yaml<S>("b: No\n").b == false);
  CHECK(std::isnan(vitals::parse_json<S>(R"({"d": "nan"})").d));
  CHECK(vitals::parse_json<S>(R"({"d": "-inf"})").d == -std::numeric_limits<double>::infinity());

  std::string e = error_of([] { vitals::parse_yaml<S>("b: \"true\"\ni: 1.5\nu: 256\nd: abc\nf: 1e39\ns: [x]\no: \"3\"\n", "s.yaml"); });
  CHECK_THAT(e, Catch::Contains("s.yaml:1:4: b: expected bool, got string 'true'"));
  CHECK_THAT(e, Catch::Contains("s.yaml:2:4: i: expected int, got '1.5' (not a whole number)"));
  CHECK_THAT(e, Catch::Contains("s.yaml:3:4: u: 256 is out of range for uint8 (0 to 255)"));
  CHECK_THAT(e, Catch::Contains("s.yaml:4:4: d: expected double, got 'abc'"));
  CHECK_THAT(e, Catch::Contains("s.yaml:5:4: f: 1e39 is out of range for float"));
  CHECK_THAT(e, Catch::Contains("s.yaml:6:4: s: expected string, got a list"));
  CHECK_THAT(e, Catch::Contains("s.yaml:7:4: o: expected int, got string '3'"));
  CHECK_THAT(error_of([] { vitals::parse_json<S>(R"({"d": "NaN"})"); }), Catch::Contains("expected double, got string 'NaN'"));
  CHECK_THAT(error_of([] { vitals::parse_yaml<S>("b: 1\n"); }), Catch::Contains("expected bool, got '1'"));
}

TEST_CASE("long double keeps its precision through both formats", "[config][convert]") {
  struct L {
    long double x = 0;
  };
  for (long double v : {0.1L, 1.0L / 3, 1e-4000L, std::numeric_limits<long double>::max()}) {
    CHECK(vitals::parse_yaml<L>(vitals::to_yaml(L{v})).x == v);
    CHECK(vitals::parse_json<L>(vitals::to_json(L{v})).x == v);
  }
}

TEST_CASE("Every problem is reported at once, with path, suggestion and location", "[config][convert]") {
  const char* text =
      "exp_name: x\n"
      "folds: [1, two, 3]\n"
      "epochs: 99999999999\n"
      "arch: transfomer\n"
      "optim:\n"
      "  lrr: 0.1\n"
      "  weight_decay: abc\n"
      "optimizer: {_type_: adamw}\n"
      "unknown_thing: 1\n";
  std::string e = error_of([&] { vitals::parse_yaml<Train>(text, "bad.yaml"); });
  CHECK_THAT(e, Catch::Contains("bad.yaml:2:12: folds[1]: expected int, got 'two'"));
  CHECK_THAT(e, Catch::Contains("bad.yaml:3:9: epochs: 99999999999 is out of range for int"));
  CHECK_THAT(e, Catch::Contains("bad.yaml:4:7: arch: unknown Arch 'transfomer'; did you mean 'transformer'? (one of: resnet, transformer, mlp)"));
  CHECK_THAT(e, Catch::Contains("bad.yaml:6:3: optim.lrr: unknown key 'lrr' in Optim; did you mean 'lr'?"));
  CHECK_THAT(e, Catch::Contains("bad.yaml:7:17: optim.weight_decay: expected double, got 'abc'"));
  CHECK_THAT(e, Catch::Contains("optimizer._type_: unknown _type_ 'adamw'; did you mean 'adam'? (one of: adam, Sgd)"));
  CHECK_THAT(e, Catch::Contains("unknown_thing: unknown key 'unknown_thing' in Train (known keys: exp_name,"));
  CHECK_THAT(e, Catch::Contains("bad.yaml:1:1: seed: missing required value (int)"));
  try {
    vitals::parse_yaml<Train>(text, "bad.yaml");
  } catch (const cfg::config_error& err) {
    CHECK(err.problems().size() == 8);
    CHECK(err.problems()[0].path == "folds[1]");
    CHECK(err.problems()[0].where.line == 2);
  }
}

TEST_CASE("required fields and ???", "[config][convert]") {
  CHECK_THAT(error_of([] { vitals::parse_yaml<Train>("seed: ???\n", "r.yaml"); }),
             Catch::Contains("r.yaml:1:7: seed: missing required value (int)"));
  CHECK_THAT(error_of([] { vitals::parse_yaml<Train>("seed: 1\nepochs: ???\n", "r.yaml"); }),
             Catch::Contains("r.yaml:2:9: epochs: missing value ('" "???" "') for a field that is not vitals::required"));
  Everything e;
  e.name = "n";
  CHECK_THAT(error_of([&] { vitals::parse_yaml<Everything>(vitals::to_yaml(e)); }),
             Catch::Contains("head: missing required value (Layer)"));
  vitals::required<int> r;
  CHECK_FALSE(r.has_value());
  CHECK_THROWS_AS(r.value(), std::logic_error);
  r = 4;
  CHECK(static_cast<const int&>(r) == 4);
  CHECK(cfg::to_yaml(cfg::to_node(Train{})).find("seed: ???") != std::string::npos);
}

TEST_CASE("Variants: structs by _type_, scalars by kind", "[config][convert]") {
  Train t = vitals::parse_yaml<Train>("seed: 1\noptimizer: {_type_: Sgd, momentum: 0.9}\n");
  REQUIRE(std::holds_alternative<Sgd>(t.optimizer));
  CHECK(std::get<Sgd>(t.optimizer).momentum == 0.9);
  Train kept = vitals::parse_yaml<Train>("seed: 1\noptimizer: {beta1: 0.5}\n");  // no _type_: keep Adam
  CHECK(std::get<Adam>(kept.optimizer).beta1 == 0.5);
  CHECK(std::get<Adam>(kept.optimizer).beta2 == 0.999);
  CHECK_THAT(error_of([] { vitals::parse_yaml<Train>("seed: 1\noptimizer: {_type_: Sgd, beta1: 1}\n"); }),
             Catch::Contains("optimizer.beta1: unknown key 'beta1' in Sgd"));
  CHECK_THAT(cfg::to_yaml(cfg::to_node(t)), Catch::Contains("optimizer:\n  _type_: Sgd\n  momentum: 0.9\n"));

  struct V {
    std::variant<std::int64_t, double, std::string, bool> x;
    std::variant<std::monostate, std::vector<int>, std::map<std::string, int>> y;
  };
  CHECK(std::get<std::int64_t>(vitals::parse_yaml<V>("x: 3\n").x) == 3);
  CHECK(std::get<double>(vitals::parse_yaml<V>("x: 3.5\n").x) == 3.5);
  CHECK(std::get<double>(vitals::parse_yaml<V>("x: 99999999999999999999\n").x) == 1e20);
  CHECK(std::get<std::string>(vitals::parse_yaml<V>("x: '3'\n").x) == "3");
  CHECK(std::get<std::string>(vitals::parse_yaml<V>("x: hello\n").x) == "hello");
  CHECK(std::get<bool>(vitals::parse_yaml<V>("x: true\n").x));
  CHECK(std::get<std::vector<int>>(vitals::parse_yaml<V>("y: [1]\n").y).size() == 1);
  CHECK(std::get<std::map<std::string, int>>(vitals::parse_yaml<V>("y: {a: 1}\n").y).at("a") == 1);
  CHECK(std::holds_alternative<std::monostate>(vitals::parse_yaml<V>("y: null\n").y));
  CHECK_THAT(error_of([] { vitals::parse_yaml<V>("x: [1]\n"); }), Catch::Contains("x: expected int64 | double | string | bool, got a list"));
}

TEST_CASE("Maps merge, arrays need their size, unordered maps write sorted", "[config][convert]") {
  Everything base;
  base.weights = {{"a", 1.0}, {"b", 2.0}};
  std::vector<cfg::problem> problems;
  cfg::merge_into(base, cfg::parse_yaml("weights: {b: 3, c: 4}\nrgb: [1, 2, 3]\n"), problems);
  CHECK(problems.empty());
  CHECK(base.weights == std::map<std::string, double>{{"a", 1.0}, {"b", 3.0}, {"c", 4.0}});
  CHECK(base.rgb == std::array<float, 3>{1, 2, 3});
  cfg::merge_into(base, cfg::parse_yaml("rgb: [1, 2]\n", "a.yaml"), problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].str() == "a.yaml:1:6: rgb: expected a list of 3 items, got 2");
  base.named_layers = {{"z", {}}, {"a", {}}, {"m", {}}};
  std::string y = cfg::to_yaml(cfg::to_node(base.named_layers));
  CHECK(y.find("a:") < y.find("m:"));
  CHECK(y.find("m:") < y.find("z:"));
}

TEST_CASE("Front doors read and write files by extension", "[config][load]") {
  auto dir = std::filesystem::temp_directory_path() / "vitals_config_test";
  std::filesystem::create_directories(dir);
  Train t;
  t.seed = 11;
  t.exp_name = "file test";
  for (const char* name : {"c.json", "c.yaml", "c.YML"}) {
    vitals::save(dir / name, t);
    Train back = vitals::load<Train>(dir / name);
    CHECK(same_value(t, back));
  }
  CHECK_THAT(error_of([&] { vitals::save(dir / "c.txt", t); }), Catch::Contains("cannot tell the format"));
  CHECK_THAT(error_of([&] { vitals::load<Train>(dir / "absent.yaml"); }), Catch::Contains("absent.yaml: cannot open config file"));
  {
    std::ofstream(dir / "bad.json") << "{\n  \"seed\": \"x\"\n}\n";
  }
  CHECK_THAT(error_of([&] { vitals::load<Train>(dir / "bad.json"); }),
             Catch::Contains((dir / "bad.json").string() + ":2:11: seed: expected int, got string 'x'"));
  std::filesystem::remove_all(dir);
  // A value tree goes through the same doors.
  CHECK(vitals::to_json(cfg::parse_yaml("a: 1\n"), 0) == R"({"a":1})");
}

namespace {
template <class T>
vitals::cli_result<T> run_cli(const vitals::cli_parser<T>& cli, std::vector<std::string> args) {
  std::vector<const char*> argv = {"prog"};
  for (auto& a : args) argv.push_back(a.c_str());
  return cli.parse(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("Command line: files, presets, overrides, flags", "[config][cli]") {
  auto dir = std::filesystem::temp_directory_path() / "vitals_cli_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "epochs: 5\nseed: 1\noptim: {lr: 0.5}\n";
  std::ofstream(dir / "b.json") << R"({"epochs": 6})";
  bool no_wandb = false;
  std::string project;
  std::vector<std::string> tags;
  Train preset;
  preset.exp_name = "milan";
  preset.seed = 3;
  vitals::cli_parser<Train> cli("Trains.");
  cli.preset("milan_baseline", preset, "the baseline")
      .flag("--no_wandb", &no_wandb, "no W&B")
      .option("--wandb_project", &project, "project", "NAME")
      .option("--wandb_tags", &tags, "tags", "A,B");

  auto r = run_cli(cli, {"--experiment", "milan_baseline", "--config", (dir / "a.yaml").string(),
                         "--config=" + (dir / "b.json").string(), "optim.lr=1e-3", "folds=[1,2]", "notes=hello world",
                         "--no_wandb", "--wandb_project=p", "--wandb_tags", "a,b", "optimizer._type_=Sgd"});
  CHECK(r.what == vitals::cli_result<Train>::action::run);
  CHECK(r.config.exp_name == "milan");  // from the preset
  CHECK(r.config.epochs == 6);          // the later file wins
  CHECK(r.config.seed == 1);            // the file beats the preset
  CHECK(r.config.optim.lr == 1e-3);     // overrides beat files
  CHECK(r.config.folds == std::vector<int>{1, 2});
  CHECK(r.config.notes == "hello world");
  CHECK(std::holds_alternative<Sgd>(r.config.optimizer));
  CHECK(no_wandb);
  CHECK(project == "p");
  CHECK(tags == std::vector<std::string>{"a", "b"});
  CHECK(r.overrides.size() == 4);

  auto show = run_cli(cli, {"seed=2", "--show-config"});
  CHECK(show.what == vitals::cli_result<Train>::action::show_config);
  CHECK(vitals::parse_yaml<Train>(show.text).seed == 2);

  auto help = run_cli(cli, {"--help", "--bogus"});
  CHECK(help.what == vitals::cli_result<Train>::action::help);
  CHECK_THAT(help.text, Catch::Contains("usage: prog [--config FILE]..."));
  CHECK_THAT(help.text, Catch::Contains("milan_baseline  the baseline"));
  CHECK_THAT(help.text, Catch::Contains("--wandb_project NAME"));
  CHECK_THAT(help.text, Catch::Matches("(.|\n)*optim\\.lr +double +0\\.0003 +peak learning rate\n(.|\n)*"));
  CHECK_THAT(help.text, Catch::Matches("(.|\n)*epochs +int +30 +passes over the training data\n(.|\n)*"));
  CHECK_THAT(help.text, Catch::Matches("(.|\n)*seed +int +\\?\\?\\? \\(required\\)\n(.|\n)*"));
  CHECK_THAT(help.text, Catch::Contains("optimizer           adam | Sgd"));

  std::string e = error_of([&] {
    run_cli(cli, {"--confg", "x.yaml", "--experiment", "milan_basline", "optim.lrr=1", "epochs=abc", "folds=1,2",
                  "--config", (dir / "missing.yaml").string(), "+x=1", "--no_wandb=1"});
  });
  CHECK_THAT(e, Catch::Contains("unknown flag '--confg'; did you mean '--config'?"));
  CHECK_THAT(e, Catch::Contains("unexpected argument 'x.yaml'"));
  CHECK_THAT(e, Catch::Contains("unknown experiment 'milan_basline'; did you mean 'milan_baseline'?"));
  CHECK_THAT(e, Catch::Contains("override 'optim.lrr=1': optim.lrr: unknown key 'lrr' in Optim; did you mean 'lr'?"));
  CHECK_THAT(e, Catch::Contains("override 'epochs=abc': epochs: expected int, got 'abc'"));
  CHECK_THAT(e, Catch::Contains("folds: expected one value, got '1,2'"));
  CHECK_THAT(e, Catch::Contains("missing.yaml: cannot open config file"));
  CHECK_THAT(e, Catch::Contains("the +key, ++key and ~key forms belong to vitals::compose"));
  CHECK_THAT(e, Catch::Contains("--no_wandb takes no value"));
  CHECK_THAT(e, Catch::Contains("seed: missing required value (int); set it in a --config file or with seed=..."));
  CHECK_THAT(error_of([&] { run_cli(cli, {"--config"}); }), Catch::Contains("--config needs a value"));
  CHECK(run_cli(cli, {"--experiment=milan_baseline"}).config.exp_name == "milan");
  // Plain values need no quoting; brackets and quotes are YAML.
  auto plain = run_cli(cli, {"seed=1", "exp_name=http://host:80/a?b=c#x", "notes= two words ", "folds=[3]"});
  CHECK(plain.config.exp_name == "http://host:80/a?b=c#x");
  CHECK(plain.config.notes == "two words");
  CHECK(run_cli(cli, {"seed=1", "exp_name='a,b'", "notes=null"}).config.exp_name == "a,b");
  CHECK_FALSE(run_cli(cli, {"seed=1", "notes=~"}).config.notes);
  CHECK(run_cli(cli, {"seed=1", "exp_name="}).config.exp_name.empty());
  // `???` on the command line unsets a required value again.
  CHECK_THAT(error_of([&] { run_cli(cli, {"seed=?" "??", "--experiment=milan_baseline"}); }),
             Catch::Contains("seed: missing required value"));
  std::filesystem::remove_all(dir);
}
