// Sinks: formats, composition (compile-time and run-time), the registry, isolation of a failing
// sink, the pipeline's commit/step rules, overflow policies, concurrency and disk-full handling.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"
#include "vitals/run.hpp"
#include "vitals/sinks.hpp"
#include "vitals/detail/fmt.hpp"  // fmt::memory_buffer (the sink headers do not give fmt)

using namespace vitals_test;

namespace {

std::string json_of(const vitals::metric_value& v, bool strict) {
  fmt::memory_buffer b;
  vitals::detail::append_json_value(b, v, strict ? vitals::detail::strict_json : vitals::detail::jsonl_json);
  return std::string(b.data(), b.size());
}

vitals::run_options quiet_options(const std::filesystem::path& dir) {
  vitals::run_options o;
  o.project = "tests";
  o.dir = dir;
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

struct throwing_sink {
  static constexpr std::string_view name = "thrower";
  std::shared_ptr<int> writes = std::make_shared<int>(0);
  void open(const vitals::run_info&) {}
  void write(const vitals::record&) {
    ++*writes;
    throw std::runtime_error("boom");
  }
  void flush() {}
  void close(int) {}
};

// Blocks in write() until released: makes the queue fill up deterministically.
struct gate_sink {
  struct state {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    int written = 0;
  };
  std::shared_ptr<state> s = std::make_shared<state>();
  void open(const vitals::run_info&) {}
  void write(const vitals::record&) {
    std::unique_lock l(s->mu);
    s->cv.wait(l, [&] { return s->open; });
    ++s->written;
  }
  void flush() {}
  void close(int) {}
  void release() {
    std::lock_guard l(s->mu);
    s->open = true;
    s->cv.notify_all();
  }
};

}  // namespace

static_assert(vitals::sink<vitals::jsonl>);
static_assert(vitals::sink<vitals::csv>);
static_assert(vitals::sink<vitals::console>);
static_assert(vitals::sink<vitals::any_sink>);
static_assert(vitals::sink<capture_sink>);
static_assert(vitals::sink<decltype(vitals::sinks(vitals::jsonl{}, vitals::csv{}))>);

TEST_CASE("json values: W&B tokens by default, null in strict mode, escaped strings") {
  double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(json_of(nan, false) == "NaN");
  CHECK(json_of(inf, false) == "Infinity");
  CHECK(json_of(-inf, false) == "-Infinity");
  CHECK(json_of(nan, true) == "null");
  CHECK(json_of(-inf, true) == "null");
  CHECK(json_of(2.0, false) == "2.0");
  CHECK(json_of(0.1, false) == "0.1");
  CHECK(json_of(std::int64_t{-7}, false) == "-7");
  CHECK(json_of(true, false) == "true");
  CHECK(json_of("a\"b\\c\n\x01", false) == "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST_CASE("csv parse handles quotes, embedded newlines and drops a partial last row") {
  auto rows = vitals::detail::csv_parse("a,b\n\"x,1\",\"he said \"\"hi\"\"\"\n\"multi\nline\",2\n3,4");
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == "x,1");
  CHECK(rows[1][1] == "he said \"hi\"");
  CHECK(rows[2][0] == "multi\nline");
}

TEST_CASE("compile-time sink set fans out to a user-written sink and isolates a throwing one") {
  temp_dir tmp("sinkset");
  capture_sink cap;
  throwing_sink bad;
  auto set = vitals::sinks(bad, cap, vitals::jsonl{});
  vitals::run_info info;
  info.dir = tmp.path;
  info.name = "t";
  set.open(info);
  vitals::metric m[] = {{"loss", 0.5}, {"n", 3}};
  for (int i = 0; i < 3; ++i) set.write(vitals::record{vitals::record_kind::history, i, 0, 0, m});
  set.flush();
  set.close(0);
  CHECK(cap.data->records.size() == 3);
  CHECK(*bad.writes == 1);  // disabled after the first failure
  auto errors = set.errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "thrower: boom");
  CHECK(lines_of(read_file(tmp.path / "metrics.jsonl")).size() == 3);
  CHECK(read_file(tmp.path / "vitals.log").find("sink 'thrower' failed in write()") != std::string::npos);
}

TEST_CASE("registry: make_sinks builds by name, unknown and duplicate names are errors") {
  auto s = vitals::make_sinks("jsonl, csv,console");
  REQUIRE(s.size() == 3);
  CHECK(s[0].name() == "jsonl");
  CHECK(s[2].name() == "console");
  CHECK(vitals::make_sinks("").empty());
  try {
    vitals::make_sinks("jsonl,parquet,tb");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    std::string w = e.what();
    CHECK(w.find("'parquet', 'tb'") != std::string::npos);
    CHECK(w.find("known sinks:") != std::string::npos);
    CHECK(w.find("jsonl") != std::string::npos);
  }
  CHECK_THROWS_AS(vitals::make_sinks("csv,csv"), std::invalid_argument);
  static int made = 0;  // the registry is global: the factory must not capture locals
  vitals::register_sink("counting_test_sink", [] {
    ++made;
    return vitals::any_sink(capture_sink{});
  });
  CHECK(vitals::make_sinks("counting_test_sink").size() == 1);
  CHECK(made == 1);
}

TEST_CASE("registry: built-in names need no registration; a registered name wins over a built-in one") {
  // Nothing in this file registers tensorboard or wandb: they are built in (registry.hpp).
  const auto names = vitals::registered_sinks();
  for (const char* n : {"console", "csv", "jsonl", "tensorboard", "wandb"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  auto built = vitals::make_sinks("tensorboard,wandb");
  REQUIRE(built.size() == 2);
  CHECK(built[0].name() == "tensorboard");
  static int made = 0;
  vitals::register_sink("tensorboard", [] {
    ++made;
    return vitals::any_sink(capture_sink{});
  });
  CHECK(vitals::make_sinks("tensorboard").size() == 1);
  CHECK(made == 1);
  const auto after = vitals::registered_sinks();
  CHECK(std::count(after.begin(), after.end(), "tensorboard") == 1);
}

TEST_CASE("pipeline: W&B step and commit semantics") {
  temp_dir tmp("steps");
  capture_sink cap;
  {
    vitals::run run(quiet_options(tmp.path));
    run.attach(cap);  // copies share the store
    run.log({{"a", 1.0}});                 // step 0, committed
    run.log({{"a", 2.0}});                 // step 1
    run.log({{"b", 1}}, {}, false);        // accumulates into step 2
    run.log({{"c", true}, {"b", 5}});      // step 2 committed with b overwritten
    run.log({{"x", 1.0}}, 10);             // explicit step: stays open
    run.log({{"y", 2.0}}, 10);             // same row
    run.log({{"z", 3.0}}, 5);              // smaller step: dropped
    run.log({{"x", 4.0}}, 11);             // commits step 10
    run.log({{"s", "text"}}, 11, true);    // commits step 11
    run.finish(3);
    CHECK(run.out_of_order_steps() == 1);
  }
  auto& r = cap.data->records;
  REQUIRE(r.size() == 5);
  CHECK(r[0].step == 0);
  CHECK(r[1].step == 1);
  CHECK(r[2].step == 2);
  REQUIRE(r[2].metrics.size() == 2);
  CHECK(r[2].metrics[0].key == "b");
  CHECK(r[2].metrics[0].number == 5);
  CHECK(r[3].step == 10);
  REQUIRE(r[3].metrics.size() == 2);
  CHECK(r[3].metrics[1].key == "y");
  CHECK(r[4].step == 11);
  CHECK(r[4].metrics.size() == 2);
  CHECK(r[4].metrics[1].text == "text");
  CHECK(cap.data->opened == 1);
  CHECK(cap.data->closed == 1);
  CHECK(cap.data->exit_code == 3);
}

TEST_CASE("pipeline: summary and alert records reach the sinks") {
  temp_dir tmp("kinds");
  capture_sink cap;
  vitals::run run(quiet_options(tmp.path));
  run.attach(std::ref(cap));
  run.log({{"loss", 1.0}});
  run.summary("best", 0.5);
  run.alert("grad explosion", "grad_norm 1e4 > 100", "ERROR");
  run.finish();
  auto& r = cap.data->records;
  REQUIRE(r.size() == 3);
  CHECK(r[1].kind == vitals::record_kind::summary);
  CHECK(r[2].kind == vitals::record_kind::alert);
  CHECK(r[2].metrics[0].text == "grad explosion");
  CHECK(r[2].metrics[2].text == "ERROR");
  auto summary = read_file(run.dir() / "summary.json");
  CHECK(summary.find("\"best\": 0.5") != std::string::npos);
  CHECK(summary.find("\"loss\": 1.0") != std::string::npos);
}

TEST_CASE("overflow policies: block loses nothing, drop_newest / drop_oldest count what they drop") {
  for (auto policy : {vitals::overflow_policy::drop_newest, vitals::overflow_policy::drop_oldest,
                      vitals::overflow_policy::block}) {
    temp_dir tmp("overflow");
    auto o = quiet_options(tmp.path);
    o.pipeline.queue_capacity = 4;
    o.pipeline.overflow = policy;
    gate_sink gate;
    capture_sink cap;
    vitals::run run(o);
    run.attach(vitals::sinks(gate, cap));
    std::thread releaser;
    if (policy == vitals::overflow_policy::block) {
      releaser = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        gate.release();
      });
    }
    for (int i = 0; i < 100; ++i) run.log({{"i", i}});
    gate.release();
    run.finish();
    if (releaser.joinable()) releaser.join();
    auto& r = cap.data->records;
    INFO("policy " << static_cast<int>(policy));
    CHECK(r.size() + run.dropped() == 100);
    if (policy == vitals::overflow_policy::block) {
      CHECK(run.dropped() == 0);
    } else {
      CHECK(run.dropped() >= 90);  // at most 1 in the writer's hands + 4 queued survive
      REQUIRE(!r.empty());
      if (policy == vitals::overflow_policy::drop_oldest) CHECK(r.back().metrics[0].number == 99);
      if (policy == vitals::overflow_policy::drop_newest) CHECK(r.front().metrics[0].number == 0);
    }
  }
}

TEST_CASE("concurrency: 8 threads x 100,000 logs, nothing lost with block") {
  temp_dir tmp("threads");
  auto o = quiet_options(tmp.path);
  o.pipeline.queue_capacity = 256;
  struct sum_sink {
    std::shared_ptr<std::map<std::string, std::pair<long, double>>> sums =
        std::make_shared<std::map<std::string, std::pair<long, double>>>();
    void open(const vitals::run_info&) {}
    void write(const vitals::record& r) {
      for (const auto& m : r.metrics) {
        auto& s = (*sums)[std::string(m.key)];
        ++s.first;
        s.second += m.value.as_double();
      }
    }
    void flush() {}
    void close(int) {}
  } sums;
  constexpr int threads = 8, per_thread = 100000;
  {
    vitals::run run(o);
    run.attach(sums);
    std::vector<std::thread> ts;
    static const char* keys[threads] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"};
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&run, t] {
        for (int i = 0; i < per_thread; ++i) run.log({{keys[t], i}});
      });
    for (auto& th : ts) th.join();
    run.finish();
    CHECK(run.records_written() == threads * per_thread);
    CHECK(run.dropped() == 0);
  }
  REQUIRE(sums.sums->size() == threads);
  for (const auto& [k, s] : *sums.sums) {
    INFO(k);
    CHECK(s.first == per_thread);
    CHECK(s.second == double(per_thread) * (per_thread - 1) / 2);
  }
}

TEST_CASE("csv: a new key rewrites the file with the wider, sorted header") {
  temp_dir tmp("csvwiden");
  vitals::run run(quiet_options(tmp.path));
  vitals::csv c;
  run.attach(std::ref(c));
  run.log({{"b", 1.0}});
  run.log({{"b", 2.0}, {"a", "x,y"}});
  run.log({{"c", 3}});
  run.log({{"b", 4.0}});
  run.finish();
  CHECK(c.rewrites() == 2);
  auto rows = vitals::detail::csv_parse(read_file(run.dir() / "metrics.csv"));
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == std::vector<std::string>{"_runtime", "_step", "_timestamp", "a", "b", "c"});
  CHECK(rows[1][1] == "0");
  CHECK(rows[1][3] == "");
  CHECK(rows[1][4] == "1");
  CHECK(rows[2][3] == "x,y");
  CHECK(rows[3][5] == "3");
  CHECK(rows[4][4] == "4");
  for (const auto& entry : std::filesystem::directory_iterator(run.dir()))
    CHECK(entry.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("disk full: /dev/full gives a clear error once, the run and the other sinks go on") {
  if (::access("/dev/full", W_OK) != 0) return;  // not on this system
  temp_dir tmp("devfull");
  vitals::run run(quiet_options(tmp.path));
  run.attach(vitals::jsonl{.path = "/dev/full", .flush_bytes = 64});
  run.attach(vitals::csv{});
  for (int i = 0; i < 100; ++i) run.log({{"loss", 1.0 / (i + 1)}});
  run.flush();
  for (int i = 0; i < 100; ++i) run.log({{"loss", 1.0}});
  run.finish();
  auto errors = run.sink_errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("jsonl") == 0);
  CHECK(errors[0].find("/dev/full") != std::string::npos);
  CHECK(errors[0].find("No space left on device") != std::string::npos);
  CHECK(lines_of(read_file(run.dir() / "metrics.csv")).size() == 201);
  auto log = read_file(run.dir() / "vitals.log");
  CHECK(log.find("No space left on device") != std::string::npos);
  CHECK(lines_of(log).size() == 1);  // reported once
  CHECK(read_file(run.dir() / "metadata.json").find("No space left on device") != std::string::npos);
}

struct two_fields {
  double a = 1;            // prefix + "/a" fits the 512-byte key buffer
  double bbbbbbbbbbbb = 2;  // and this one does not
};

TEST_CASE("bad keys throw at the call, the run goes on") {
  temp_dir tmp("badkeys");
  capture_sink cap;
  vitals::run run(quiet_options(tmp.path));
  run.attach(cap);
  CHECK_THROWS_WITH(run.log({{"", 1.0}}), Catch::Contains("empty metric key"));
  CHECK_THROWS_WITH(run.log({{"ok", 1.0}, {"_step", 2}}), Catch::Contains("'_step' is reserved"));
  // A flattened key that outgrows its buffer after the first field was added: no partial row.
  const std::string prefix(509, 'p');
  CHECK_THROWS_AS(run.log(vitals::prefixed(prefix + "/", two_fields{})), std::length_error);
  run.log({{"after", 3.0}});
  run.finish();
  REQUIRE(cap.data->records.size() == 1);  // the failed calls committed nothing on their own
  CHECK(cap.data->records[0].metrics.back().key == "after");
}
