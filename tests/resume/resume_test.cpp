// The pieces of run/resume.hpp on their own, and resume through vitals::run in one process (the
// process-level cases, with SIGTERM and SIGKILL, are in test_resume.py).
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "../sinks/test_support.hpp"
#include "vitals/detail/simdjson.hpp"
#include "vitals/run.hpp"
#include "vitals/run/resume.hpp"
#include "vitals/sinks/csv.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/format/file.hpp"  // cut_to_last_newline
#include "vitals/report/run_data.hpp"
#include "vitals/sinks/report.hpp"

using namespace vitals_test;

namespace {

void put(const std::filesystem::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

vitals::run_options options(const std::filesystem::path& dir, const std::string& id, vitals::resume_mode mode) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.id = id;
  o.resume = mode;
  o.capture_git = false;
  o.handle_signals = false;
  o.report = false;
  o.sinks = "jsonl,csv";
  return o;
}

}  // namespace

TEST_CASE("resume: modes parse as W&B spells them") {
  CHECK(vitals::parse_resume_mode("allow") == vitals::resume_mode::allow);
  CHECK(vitals::parse_resume_mode("must") == vitals::resume_mode::must);
  CHECK(vitals::parse_resume_mode("never") == vitals::resume_mode::never);
  CHECK(vitals::parse_resume_mode("auto") == vitals::resume_mode::automatic);
  CHECK(vitals::parse_resume_mode("true") == vitals::resume_mode::automatic);
  CHECK(vitals::parse_resume_mode("") == vitals::resume_mode::none);
  CHECK_THROWS_AS(vitals::parse_resume_mode("sometimes"), vitals::invalid_option);
}

TEST_CASE("resume: last whole line, torn tails, merged objects") {
  temp_dir tmp("resume_lines");
  const auto p = tmp.path / "f.txt";
  using vitals::detail::last_whole_line;
  put(p, "a\nbb\n");
  CHECK(last_whole_line(p) == "bb");
  put(p, "a\nbb\ncc");
  CHECK(last_whole_line(p) == "bb");
  put(p, "abc");
  CHECK(last_whole_line(p).empty());
  const std::string big(5 << 20, 'z');  // longer than the 4 MiB tail it reads first
  put(p, "a\n" + big + "\n");
  CHECK(last_whole_line(p) == big);
  put(p, big + "\n" + std::string(4 << 20, 'y'));
  CHECK(last_whole_line(p) == big);
  put(p, "l1\nl2\ntor");
  CHECK(vitals::detail::cut_to_last_newline(p) == 3);
  CHECK(vitals::detail::read_text_file(p) == "l1\nl2\n");
  CHECK(vitals::detail::cut_to_last_newline(tmp.path / "missing") == 0);
  CHECK(vitals::detail::merge_json_objects(R"({"a":1,"b":2})", R"({"b":3,"c":{"d":4}})") ==
        "{\n  \"a\": 1,\n  \"b\": 3,\n  \"c\": {\"d\":4}\n}");
  CHECK(vitals::detail::merge_json_objects("", R"({"x":1})") == R"({"x":1})");  // nothing before: as given
}

TEST_CASE("resume: a run continues its directory, steps, files, config and summary") {
  temp_dir tmp("resume_run");
  std::filesystem::path dir;
  {
    auto o = options(tmp.path, "r1", vitals::resume_mode::allow);
    o.config_json = R"({"lr": 0.1, "only_first": true})";
    vitals::run run(o);
    for (int s = 0; s < 5; ++s) run.log({{"loss", 1.0 / (s + 1)}}, s, true);
    run.summary("first", 1);
    run.finish(143);
    dir = run.dir();
    CHECK(!run.info().resumed);
  }
  {
    auto o = options(tmp.path, "r1", vitals::resume_mode::must);
    o.config_json = R"({"lr": 0.2})";
    vitals::run run(o);
    CHECK(run.dir() == dir);
    CHECK(run.info().resumed);
    CHECK(run.info().starting_step == 5);
    run.log({{"loss", 9.0}}, 3, true);  // below the resumed step: dropped, counted
    run.log({{"loss", 0.1}}, 5, true);
    run.log({{"loss", 0.05}, {"acc", 0.9}}, 6, true);  // a new key widens the CSV
    run.summary("second", 2);
    run.finish(0);
    CHECK(run.out_of_order_steps() == 1);
  }
  auto rows = vitals::detail::csv_parse(vitals::detail::read_text_file(dir / "metrics.csv"));
  REQUIRE(rows.size() == 8);
  CHECK(rows[0] == std::vector<std::string>{"_runtime", "_step", "_timestamp", "acc", "loss"});
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][1] == std::to_string(i - 1));
  std::ifstream jl(dir / "metrics.jsonl");
  int n = 0;
  for (std::string line; std::getline(jl, line); ++n) CHECK(line.rfind("{\"_step\":" + std::to_string(n) + ",", 0) == 0);
  CHECK(n == 7);
  const auto config = vitals::detail::read_text_file(dir / "config.json");
  CHECK(config.find("\"only_first\": true") != std::string::npos);
  CHECK(config.find("\"lr\": 0.2") != std::string::npos);
  const auto summary = vitals::detail::read_text_file(dir / "summary.json");
  CHECK(summary.find("\"first\": 1") != std::string::npos);
  CHECK(summary.find("\"second\": 2") != std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::array starts;
  REQUIRE(parser.load((dir / "metadata.json").string())["starts"].get(starts) == simdjson::SUCCESS);
  REQUIRE(starts.size() == 2);
  std::int64_t exit0 = 0, exit1 = -1, at = 0;
  CHECK(starts.at(0)["exit_code"].get(exit0) == simdjson::SUCCESS);
  CHECK(exit0 == 143);
  CHECK(starts.at(1)["exit_code"].get(exit1) == simdjson::SUCCESS);
  CHECK(exit1 == 0);
  CHECK(starts.at(1)["resumed_at_step"].get(at) == simdjson::SUCCESS);
  CHECK(at == 5);
  // The report of a resumed start draws the earlier starts' rows too.
  vitals::html_report report;
  vitals::run_info info;
  info.dir = dir;
  info.resumed = true;
  report.open(info);
  CHECK(report.data().rows == 7);
  CHECK(report.data().first_step == 0);
  CHECK(report.data().last_step == 6);
}

TEST_CASE("resume: must without a run, never with one, and a live writer are usage errors") {
  temp_dir tmp("resume_errors");
  CHECK_THROWS_AS(vitals::run(options(tmp.path, "nope", vitals::resume_mode::must)), vitals::invalid_option);
  CHECK(vitals::count_runs(tmp.path) == 0);
  vitals::run live(options(tmp.path, "busy", vitals::resume_mode::never));
  CHECK_THROWS_AS(vitals::run(options(tmp.path, "busy", vitals::resume_mode::never)), vitals::invalid_option);
  try {
    vitals::run second(options(tmp.path, "busy", vitals::resume_mode::allow));
    FAIL("a second writer was let in");
  } catch (const vitals::runs_dir_error& e) {
    CHECK(std::string(e.what()).find("in use") != std::string::npos);
  }
  CHECK_THROWS_AS(vitals::run(options(tmp.path, "busy", vitals::resume_mode::none)), vitals::runs_dir_error);
}
