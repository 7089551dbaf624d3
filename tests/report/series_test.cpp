// report::series keeps O(buckets) memory and the true min/max of every step range it covers;
// histogram tracks stay bounded; the report sink keeps every alert and the summary.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <unistd.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "vitals/detail/fmt.hpp"
#include "vitals/report.hpp"
#include "vitals/report/series.hpp"
#include "vitals/sinks/registry.hpp"
#include "vitals/sinks/report.hpp"

using vitals::report::series;

namespace {
// Every bucket's min/max/sum/count equal the exact values of the samples in its step range.
void check_envelopes(const series& s, const std::vector<std::pair<std::int64_t, double>>& samples) {
  std::int64_t covered = 0;
  for (const auto& b : s.buckets()) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    std::int64_t n = 0, nf = 0;
    for (const auto& [st, v] : samples)
      if (st >= b.first_step && st <= b.last_step) {
        ++n;
        if (!std::isfinite(v)) {
          ++nf;
          continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        sum += v;
      }
    REQUIRE(n == b.count);
    REQUIRE(nf == b.nonfinite);
    if (n > nf) {
      REQUIRE(b.min == lo);
      REQUIRE(b.max == hi);
      REQUIRE(b.sum == Approx(sum).epsilon(1e-12));
    }
    covered += b.count;
  }
  REQUIRE(covered == static_cast<std::int64_t>(samples.size()));
}
}  // namespace

TEST_CASE("series: fewer samples than buckets keeps every sample") {
  series s(16);
  for (int i = 0; i < 10; ++i) s.add(i * 3, i * 0.5);
  REQUIRE(s.buckets().size() == 10);
  REQUIRE(s.width() == 1);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(s.buckets()[i].first_step == i * 3);
    REQUIRE(s.buckets()[i].last == i * 0.5);
  }
}

TEST_CASE("series: bounded buckets, exact envelopes and extremes over 100k steps") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 1);
  for (std::size_t cap : {2u, 7u, 64u, 512u}) {
    series s(cap);
    std::vector<std::pair<std::int64_t, double>> samples;
    double lo = 1e300, hi = -1e300;
    std::int64_t nans = 0;
    for (std::int64_t step = 0; step < 100'000; ++step) {
      double v = std::exp(-step / 20000.0) + 0.1 * noise(rng);
      if (step == 12'344) v = 1e6;  // one spike: must survive every merge
      if (step == 77'777) v = -1e6;
      if (step % 9'999 == 5) v = std::numeric_limits<double>::quiet_NaN();
      if (step % 3 == 0) continue;  // irregular steps
      if (!std::isfinite(v)) ++nans;
      s.add(step, v);
      samples.emplace_back(step, v);
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    CAPTURE(cap);
    REQUIRE(s.buckets().size() <= s.capacity());
    REQUIRE(s.buckets().size() > s.capacity() / 2 - 1);
    REQUIRE(s.min() == lo);
    REQUIRE(s.max() == hi);
    REQUIRE(s.max() == 1e6);
    REQUIRE(s.min() == -1e6);
    REQUIRE(nans > 5);
    REQUIRE(s.nonfinite() == nans);
    REQUIRE(s.samples() == static_cast<std::int64_t>(samples.size()));
    double bmin = 1e300, bmax = -1e300;
    for (const auto& b : s.buckets()) bmin = std::min(bmin, b.min), bmax = std::max(bmax, b.max);
    REQUIRE(bmin == lo);
    REQUIRE(bmax == hi);
    check_envelopes(s, samples);
    // Buckets are in step order and do not overlap.
    for (std::size_t i = 1; i < s.buckets().size(); ++i) REQUIRE(s.buckets()[i].first_step > s.buckets()[i - 1].last_step);
  }
}

TEST_CASE("series: flags are binary, NaN-only buckets have no envelope") {
  series flag(8), other(8);
  for (int i = 0; i < 100; ++i) {
    flag.add(i, i % 3 == 0 ? 1.0 : 0.0);
    other.add(i, i % 3 == 0 ? 1.0 : 0.5);
  }
  REQUIRE(flag.binary());
  REQUIRE_FALSE(other.binary());
  series nan(4);
  nan.add(0, std::numeric_limits<double>::quiet_NaN());
  REQUIRE_FALSE(nan.binary());
  REQUIRE(std::isnan(nan.buckets()[0].mean()));
}

TEST_CASE("histogram_track: bounded, spread over the run, newest kept") {
  vitals::report::histogram_track t(8);
  for (int i = 0; i < 1000; ++i) t.add({i, {0, 1}, {double(i)}});
  auto snaps = t.snapshots();
  REQUIRE(snaps.size() <= 9);
  REQUIRE(snaps.size() >= 4);
  REQUIRE(snaps.front()->step == 0);
  REQUIRE(snaps.back()->step == 999);
  for (std::size_t i = 1; i < snaps.size(); ++i) REQUIRE(snaps[i]->step > snaps[i - 1]->step);
  for (const auto* s : snaps) {  // every kept snapshot is whole (thinning once emptied the first)
    REQUIRE(s->bins.size() == 2);
    REQUIRE(s->values.size() == 1);
    REQUIRE(s->values[0] == double(s->step));
  }
}

TEST_CASE("html_report sink: every alert kept, summary overrides, report written at close") {
  auto dir = std::filesystem::temp_directory_path() / ("vitals_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  vitals::html_report sink{.buckets = 16};
  vitals::run_info info;
  info.dir = dir;
  info.name = "unit</script>";
  info.config_json = R"({"lr": 0.1})";
  sink.open(info);
  int alerts = 0;
  for (std::int64_t step = 0; step < 5000; ++step) {
    vitals::metric m[] = {{"train/loss", 1.0 / (step + 1)}, {"train/is_improving", step % 2 == 0}};
    sink.write(vitals::record{.kind = vitals::record_kind::history, .step = step, .metrics = m});
    if (step % 7 == 0) {
      vitals::metric a[] = {{"title", "plateau fired"}, {"text", "t"}, {"level", "WARN"}, {"state", step % 14 ? "cleared" : "firing"}};
      sink.write(vitals::record{.kind = vitals::record_kind::alert, .step = step, .metrics = a});
      ++alerts;
    }
  }
  vitals::metric s[] = {{"train/loss", 42.0}};
  sink.write(vitals::record{.kind = vitals::record_kind::summary, .step = 4999, .metrics = s});
  sink.close(0);
  const auto& d = sink.data();
  REQUIRE(d.alerts.size() == static_cast<std::size_t>(alerts));
  REQUIRE(d.alerts.front().rule == "plateau");
  REQUIRE(d.metrics[0].buckets().size() <= 16);
  REQUIRE(d.metrics[0].max() == 1.0);
  REQUIRE(d.rows == 5000);
  std::ifstream in(dir / "report.html");
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(html.find("\"train/loss\":42") != std::string::npos);  // the explicit summary wins
  REQUIRE(html.find("unit</script>") == std::string::npos);     // escaped in the data block
  REQUIRE(html.find("unit\\u003c/script>") != std::string::npos);
  REQUIRE(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // no network resource
  std::filesystem::remove_all(dir);
}

TEST_CASE("html_report: registered as 'report', refreshes on flush, regenerate() from files") {
  auto names = vitals::registered_sinks();
  REQUIRE(std::find(names.begin(), names.end(), "report") != names.end());
  REQUIRE(vitals::make_sinks("report").size() == 1);

  auto dir = std::filesystem::temp_directory_path() / ("vitals_report_refresh_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  vitals::html_report sink{.refresh_seconds = 1e-9};
  vitals::run_info info;
  info.dir = dir;
  sink.open(info);
  vitals::metric m[] = {{"train/loss", 0.5}};
  sink.write(vitals::record{.kind = vitals::record_kind::history, .step = 0, .metrics = m});
  REQUIRE_FALSE(std::filesystem::exists(dir / "report.html"));
  sink.flush();  // a live report before the run ends: no exit code yet
  REQUIRE(std::filesystem::exists(dir / "report.html"));
  {
    std::ifstream in(dir / "report.html");
    std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(html.find("\"exit_code\":null") != std::string::npos);
  }
  sink.close(0);
  REQUIRE_FALSE(std::filesystem::exists(dir / ("report.html.tmp." + std::to_string(::getpid()))));

  // From files: a JSONL with a torn tail and NaN, regenerated in place.
  std::filesystem::remove(dir / "report.html");
  {
    std::ofstream out(dir / "metrics.jsonl");
    out << "{\"_step\":0,\"a\":1.5,\"b\":NaN}\n{\"_step\":1,\"a\":-Infinity,\"b\":2}\n{\"_step\":2,\"a\":";
  }
  auto data = vitals::report::read_run_dir(dir);
  REQUIRE(data.rows == 2);
  REQUIRE(data.keys == std::vector<std::string>{"a", "b"});
  REQUIRE(data.metrics[0].nonfinite() == 1);
  REQUIRE(data.metrics[0].max() == 1.5);
  REQUIRE(data.metrics[1].nonfinite() == 1);
  REQUIRE(std::any_of(data.warnings.begin(), data.warnings.end(), [](const std::string& w) { return w.find("torn") != std::string::npos; }));
  REQUIRE(vitals::report::regenerate(dir) == dir / "report.html");
  REQUIRE(std::filesystem::exists(dir / "report.html"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("render_html: many metrics are drawn coarser, the file stays bounded, extremes kept") {
  vitals::report::run_data r;
  r.name = "many";
  for (std::int64_t step = 0; step < 2000; ++step) {
    r.begin_row(step, 0);
    for (int m = 0; m < 1000; ++m) r.metric(fmt::format("layer{:04d}/grad_norm", m)).add(step, step == 1234 ? 1e9 : std::sin(step * 0.01 + m));
  }
  const vitals::report::run_data* runs[] = {&r};
  auto html = vitals::report::render_html(runs);
  CAPTURE(html.size());
  REQUIRE(html.size() < 5u * 1024 * 1024);
  REQUIRE(html.find("\"max\":1000000000") != std::string::npos);  // the spike, in every series' header
  vitals::report::html_options unlimited;
  unlimited.max_points = 0;  // no limit: 512 points each
  auto one = vitals::report::render_html(runs, unlimited);
  REQUIRE(one.size() > html.size() * 3);
}
