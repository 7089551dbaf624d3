// Property tests of the mergeable accumulator and the blocked array path (the numpy comparison is
// in health_oracle.py): merging any split equals one pass, empty partials are neutral, non-finite
// values are counted and kept out of every other field, half-precision inputs decode exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "vitals/health/accumulator.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/health/dtype.hpp"

namespace {

vitals::accumulator one_pass(const std::vector<double>& x, std::size_t b = 0, std::size_t e = SIZE_MAX) {
  vitals::accumulator a;
  for (std::size_t i = b; i < std::min(e, x.size()); ++i) a.add(x[i]);
  return a;
}

void require_same(const vitals::accumulator& a, const vitals::accumulator& b, double rel = 1e-12) {
  REQUIRE(a.count == b.count);
  REQUIRE(a.nonfinite == b.nonfinite);
  REQUIRE(a.min == b.min);
  REQUIRE(a.max == b.max);
  REQUIRE(a.absmax == b.absmax);
  double sd = std::sqrt(b.variance());
  REQUIRE(std::fabs(a.mean - b.mean) <= rel * (std::fabs(b.mean) + sd + 1e-300));
  REQUIRE(std::fabs(a.m2 - b.m2) <= 1e-10 * (b.m2 + 1e-300));
  REQUIRE(std::fabs(a.sum_sq - b.sum_sq) <= rel * (b.sum_sq + 1e-300));
  REQUIRE(std::fabs(a.sum_abs - b.sum_abs) <= rel * (b.sum_abs + 1e-300));
}

}  // namespace

TEST_CASE("merging N partials equals one pass over the concatenation", "[health][accumulator]") {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> dist(5.0, 2.0);
  std::vector<double> x(10'000);
  for (auto& v : x) v = dist(rng);
  x[17] = std::numeric_limits<double>::quiet_NaN();
  x[900] = std::numeric_limits<double>::infinity();
  const auto whole = one_pass(x);
  for (std::size_t parts : {1u, 2u, 3u, 7u, 64u, 999u}) {
    // Random cut points, some partials empty.
    std::vector<std::size_t> cuts{0, x.size()};
    std::uniform_int_distribution<std::size_t> pick(0, x.size());
    for (std::size_t k = 1; k < parts; ++k) cuts.push_back(pick(rng));
    std::sort(cuts.begin(), cuts.end());
    vitals::accumulator merged;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) merged.merge(one_pass(x, cuts[k], cuts[k + 1]));
    INFO("parts = " << parts);
    require_same(merged, whole);
    // Tree-shaped merge (as ranks / blocks combine) gives the same.
    std::vector<vitals::accumulator> level;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) level.push_back(one_pass(x, cuts[k], cuts[k + 1]));
    while (level.size() > 1) {
      std::vector<vitals::accumulator> next;
      for (std::size_t i = 0; i < level.size(); i += 2) {
        auto a = level[i];
        if (i + 1 < level.size()) a.merge(level[i + 1]);
        next.push_back(a);
      }
      level = next;
    }
    require_same(level[0], whole);
  }
  CHECK(whole.count == x.size() - 2);
  CHECK(whole.nonfinite == 2);
}

TEST_CASE("empty and single-element accumulators", "[health][accumulator]") {
  vitals::accumulator empty;
  CHECK(empty.count == 0);
  CHECK(empty.variance() == 0);
  CHECK(empty.mean_abs() == 0);
  vitals::accumulator one;
  one.add(-3.0);
  CHECK(one.mean == -3.0);
  CHECK(one.variance() == 0);
  CHECK(one.min == -3.0);
  CHECK(one.max == -3.0);
  CHECK(one.absmax == 3.0);
  auto m = one;
  m.merge(empty);
  require_same(m, one);
  auto e = empty;
  e.merge(one);
  require_same(e, one);
  CHECK(vitals::accumulate(std::span<const float>{}).count == 0);
}

TEST_CASE("non-finite values are counted, not mixed in", "[health][accumulator]") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{1, nan, 2, inf, 3, -inf};
  auto a = vitals::accumulate(std::span<const double>(x));
  CHECK(a.count == 3);
  CHECK(a.nonfinite == 3);
  CHECK(a.mean == 2.0);
  CHECK(a.max == 3.0);
  CHECK(a.min == 1.0);
  CHECK(a.sum_sq == 14.0);
}

TEST_CASE("the blocked array path equals element-by-element add()", "[health][accumulator]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> dist(-2.0f, 10.0f);
  for (std::size_t n : {1u, 7u, 8u, 9u, 2047u, 2048u, 2049u, 6000u, 50'001u}) {
    std::vector<float> x(n);
    for (auto& v : x) v = dist(rng);
    if (n > 100) {
      x[n / 2] = std::numeric_limits<float>::quiet_NaN();
      x[n / 3] = -std::numeric_limits<float>::infinity();
    }
    vitals::accumulator ref;
    for (float v : x) ref.add(v);
    INFO("n = " << n);
    require_same(vitals::accumulate(std::span<const float>(x)), ref);
    require_same(vitals::accumulate(x.data(), n, vitals::dtype::f32), ref);
  }
}

TEST_CASE("fp16 and bf16 buffers decode exactly before accumulating", "[health][accumulator]") {
  std::vector<float> x{0.5f, -1.25f, 3.0f, 1024.0f, -0.0009765625f};
  std::vector<std::uint16_t> h, b;
  for (float v : x) {
    h.push_back(vitals::float_to_f16(v));
    b.push_back(vitals::float_to_bf16(v));
  }
  h.push_back(0x7e00);  // fp16 NaN
  b.push_back(0x7f80);  // bf16 +Inf
  vitals::accumulator ref;
  for (float v : x) ref.add(v);  // all exactly representable in both formats
  auto ah = vitals::accumulate(h.data(), h.size(), vitals::dtype::f16);
  auto ab = vitals::accumulate(b.data(), b.size(), vitals::dtype::bf16);
  CHECK(ah.nonfinite == 1);
  CHECK(ab.nonfinite == 1);
  ah.nonfinite = ab.nonfinite = 0;
  require_same(ah, ref);
  require_same(ab, ref);
}

TEST_CASE("accumulator works in constant evaluation (no std calls: device-safe)", "[health][accumulator]") {
  constexpr auto a = [] {
    vitals::basic_accumulator<double> acc;
    acc.add(1);
    acc.add(2);
    acc.add(3);
    vitals::basic_accumulator<float> other;
    other.add(4.0f);
    acc.merge(other);
    return acc;
  }();
  STATIC_REQUIRE(a.count == 4);
  STATIC_REQUIRE(a.mean == 2.5);
  STATIC_REQUIRE(a.m2 == 5.0);
  STATIC_REQUIRE(a.absmax == 4.0);
}
