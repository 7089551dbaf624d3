// CPU reference of the fused parameter statistics: conversions, the head/vector/tail split (odd
// sizes, misaligned pointers, 64-bit indices), and the statistics against a plain double loop and
// the host-health accumulator.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "vitals/health/accumulator.hpp"
#include "vitals/health/dtype.hpp"
#include "vitals/health/param_stats.hpp"
#include "vitals/health/tensor_table.hpp"

using namespace vitals;

namespace {

// A buffer of `n` elements of `t` starting `misalign` bytes past a 64-byte boundary.
struct buffer {
  std::vector<unsigned char> storage;
  void* data = nullptr;
  std::uint64_t n = 0;
  dtype type = dtype::f32;
  buffer(std::uint64_t n_, dtype t, std::size_t misalign) : n(n_), type(t) {
    storage.resize(n * dtype_size(t) + 128);
    auto base = reinterpret_cast<std::uintptr_t>(storage.data());
    data = storage.data() + ((64 - base % 64) % 64) + misalign;
  }
  float get(std::uint64_t i) const { return load_as_float(data, i, type); }
  void set(std::uint64_t i, float v) { store_from_float(data, i, type, v); }
};

struct param {
  std::string name;
  buffer g, w, e;
  param(std::string nm, std::uint64_t n, dtype t, std::size_t mg, std::size_t mw, std::size_t me, std::mt19937& rng,
        float scale = 1.0f, float offset = 0.0f)
      : name(std::move(nm)), g(n, t, mg), w(n, t, mw), e(n, t, me) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (std::uint64_t i = 0; i < n; ++i) {
      g.set(i, nd(rng) * 1e-2f);
      w.set(i, offset + nd(rng) * scale);
      e.set(i, w.get(i) + nd(rng) * 1e-3f);
    }
  }
};

double rel_err(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

}  // namespace

TEST_CASE("bf16 and fp16 conversions round-trip every pattern and round to nearest even", "[cuda][dtype]") {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto b = static_cast<std::uint16_t>(h);
    const float fb = bf16_to_float(b), fh = f16_to_float(b);
    if (fb == fb) REQUIRE(float_to_bf16(fb) == b);
    else REQUIRE(float_to_bf16(fb) != float_to_bf16(1.0f));  // NaN stays NaN
    if (fh == fh) REQUIRE(float_to_f16(fh) == b);
    else REQUIRE(std::isnan(f16_to_float(float_to_f16(fh))));
  }
  CHECK(f16_to_float(0x3c00) == 1.0f);
  CHECK(f16_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_to_float(0x7bff) == 65504.0f);
  CHECK(float_to_f16(65520.0f) == 0x7c00);   // ties to even: rounds up to Inf
  CHECK(float_to_f16(65519.0f) == 0x7bff);
  CHECK(float_to_f16(std::ldexp(1.0f, -25)) == 0x0000);  // tie to even (zero)
  CHECK(float_to_f16(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);  // tie to even, down
  CHECK(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);  // tie to even, up

  // Nearest-value property for random floats: no neighbour pattern is strictly closer, ties even.
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int k = 0; k < 200000; ++k) {
    float x;
    std::uint32_t u = bits(rng);
    std::memcpy(&x, &u, 4);
    if (!std::isfinite(x) || std::abs(x) > 60000.0f) continue;
    for (int kind = 0; kind < 2; ++kind) {
      const std::uint16_t h = kind ? float_to_f16(x) : float_to_bf16(x);
      auto dec = [&](std::uint16_t p) { return static_cast<double>(kind ? f16_to_float(p) : bf16_to_float(p)); };
      const double d0 = std::abs(dec(h) - x);
      for (int step : {-1, 1}) {
        const auto nb = static_cast<std::uint16_t>(h + step);
        if ((nb & 0x7fff) >= (kind ? 0x7c00 : 0x7f80)) continue;
        if (((nb ^ h) & 0x8000) != 0) continue;
        const double d1 = std::abs(dec(nb) - x);
        REQUIRE(d0 <= d1);
        if (d0 == d1) REQUIRE((h & 1) == 0);
      }
    }
  }
}

TEST_CASE("head/vector/tail split covers every element exactly once", "[cuda][layout]") {
  struct recorder {
    std::vector<int>* seen;
    bool* vector_used;
    float load1(const void*, dtype, std::uint64_t i) const { ++(*seen)[i]; return 0; }
    void store1(void*, dtype, std::uint64_t, float) const {}
    void load8(const void* p, dtype t, std::uint64_t i, float (&v)[detail::stats_unit], bool vec) const {
      if (vec) {
        *vector_used = true;
        REQUIRE((reinterpret_cast<std::uintptr_t>(p) + i * dtype_size(t)) % 16 == 0);
      }
      for (unsigned k = 0; k < detail::stats_unit; ++k) { ++(*seen)[i + k]; v[k] = 0; }
    }
    void store8(void*, dtype, std::uint64_t, const float (&)[detail::stats_unit], bool) const {}
  };
  struct no_hist { void add(int) const {} };

  for (std::uint64_t n : {0ull, 1ull, 7ull, 8ull, 9ull, 31ull, 16383ull, 16384ull, 16391ull, 40000ull}) {
    for (std::size_t mis : {0u, 2u, 4u, 6u, 12u, 14u, 3u}) {
      for (dtype t : {dtype::f32, dtype::bf16}) {
        const auto base = reinterpret_cast<const void*>(std::uintptr_t{0x10000} + mis);
        tensor_table table;
        table.add(param_tensor{"p", n, {nullptr, t}, {base, t}, {}});
        const auto& e = table.entries()[0];
        std::vector<int> seen(n, 0);
        bool vec = false;
        recorder rec{&seen, &vec};
        no_hist nh;
        const auto op = detail::make_element_op<detail::plan::weight>(0.9f, 0, 0, 0);
        for (std::uint64_t c = 0; c < e.chunks; ++c)
          for (std::uint32_t tid = 0; tid < detail::stats_block_threads; ++tid) {
            detail::thread_partial<detail::plan::weight> p;
            detail::walk_chunk(e, c, tid, detail::stats_block_threads, op, p, rec, nh);
          }
        for (std::uint64_t i = 0; i < n; ++i) REQUIRE(seen[i] == 1);
        const bool element_aligned = mis % dtype_size(t) == 0;
        if (n > 0) CHECK(e.vector == element_aligned);
        if (n >= 24 && element_aligned) CHECK(vec);
        CHECK(e.head < detail::stats_unit);
        CHECK(e.numel - e.head - e.body < detail::stats_unit);
      }
    }
  }
}

TEST_CASE("buffers misaligned relative to each other fall back to scalar loads", "[cuda][layout]") {
  tensor_table table;
  const auto g = reinterpret_cast<const void*>(std::uintptr_t{0x10004});
  const auto w = reinterpret_cast<const void*>(std::uintptr_t{0x20008});
  table.add(param_tensor{"p", 100, {g, dtype::f32}, {w, dtype::f32}, {}});
  CHECK_FALSE(table.entries()[0].vector);
  CHECK(table.entries()[0].head == 0);
  tensor_table same;
  same.add(param_tensor{"p", 100, {g, dtype::f32}, {reinterpret_cast<const void*>(std::uintptr_t{0x20004}), dtype::f32}, {}});
  CHECK(same.entries()[0].vector);
  CHECK(same.entries()[0].head == 3);
}

TEST_CASE("64-bit index math: a synthetic tensor of more than 2^33 elements", "[cuda][layout]") {
  const std::uint64_t n = (std::uint64_t{1} << 33) + 13;
  const auto base = reinterpret_cast<const void*>(std::uintptr_t{0x1000000} + 4);  // fp32, head 3
  tensor_table table;
  table.add(param_tensor{"small", 5, {}, {reinterpret_cast<const void*>(std::uintptr_t{0x4000}), dtype::f32}, {}});
  table.add(param_tensor{"huge", n, {}, {base, dtype::f32}, {}});
  const auto& e = table.entries()[1];
  CHECK(e.head == 3);
  CHECK(e.body == (n - 3) / 8 * 8);
  CHECK(e.first_chunk == 1);
  CHECK(e.chunks == (e.body + detail::stats_chunk_elems - 1) / detail::stats_chunk_elems);
  CHECK(e.chunks > (std::uint64_t{1} << 19));
  CHECK(table.total_chunks() == 1 + e.chunks);

  // Chunks tile the body's units without gap or overlap.
  std::uint64_t next = 0;
  for (std::uint64_t c = 0; c < e.chunks; ++c) {
    const auto r = detail::chunk_of(e, c);
    REQUIRE(r.unit_begin == next);
    REQUIRE(r.unit_end > r.unit_begin);
    next = r.unit_end;
  }
  CHECK(next * 8 == e.body);

  // The last chunk's threads touch exactly its units and the tail, with indices above 2^33.
  struct range_recorder {
    std::map<std::uint64_t, int>* seen;
    float load1(const void*, dtype, std::uint64_t i) const { ++(*seen)[i]; return 1; }
    void store1(void*, dtype, std::uint64_t, float) const {}
    void load8(const void*, dtype, std::uint64_t i, float (&v)[detail::stats_unit], bool) const {
      for (unsigned k = 0; k < detail::stats_unit; ++k) { ++(*seen)[i + k]; v[k] = 1; }
    }
    void store8(void*, dtype, std::uint64_t, const float (&)[detail::stats_unit], bool) const {}
  };
  struct no_hist { void add(int) const {} };
  std::map<std::uint64_t, int> seen;
  range_recorder rec{&seen};
  no_hist nh;
  const auto op = detail::make_element_op<detail::plan::weight>(0.9f, 0, 0, 0);
  const auto last = detail::chunk_of(e, e.chunks - 1);
  std::uint64_t count = 0;
  for (std::uint32_t tid = 0; tid < detail::stats_block_threads; ++tid) {
    detail::thread_partial<detail::plan::weight> p;
    detail::walk_chunk(e, e.chunks - 1, tid, detail::stats_block_threads, op, p, rec, nh);
    count += p.weight.count;
  }
  const std::uint64_t first = e.head + last.unit_begin * 8;
  CHECK(first > (std::uint64_t{1} << 32));
  CHECK(seen.size() == n - first);
  CHECK(count == n - first);
  CHECK(seen.begin()->first == first);
  CHECK(seen.rbegin()->first == n - 1);
  for (const auto& [i, k] : seen) REQUIRE(k == 1);
}

TEST_CASE("statistics match a plain double loop (mixed dtypes, misaligned, empty, non-finite)", "[cuda][stats]") {
  std::mt19937 rng(42);
  std::vector<param> ps;
  ps.reserve(8);
  ps.emplace_back("a", 1000, dtype::f32, 0, 0, 0, rng);
  ps.emplace_back("b", 16384 * 2 + 77, dtype::f32, 4, 4, 4, rng, 0.05f, 3.0f);  // |mean| >> std
  ps.emplace_back("c", 0, dtype::f32, 0, 0, 0, rng);
  ps.emplace_back("d", 4097, dtype::bf16, 2, 2, 6, rng);
  ps.emplace_back("e", 333, dtype::f16, 6, 6, 6, rng, 0.5f);
  ps.emplace_back("f", 13, dtype::f32, 0, 8, 0, rng);
  ps[0].g.set(3, std::numeric_limits<float>::quiet_NaN());
  ps[0].w.set(5, std::numeric_limits<float>::infinity());
  ps[4].g.set(0, std::numeric_limits<float>::infinity());

  // Reference values before the EMA update.
  double g2 = 0, gmax = 0, wabs = 0, wsum = 0, w2 = 0, wmin = 1e300, wmax = -1e300, d2 = 0, dabs = 0, ref2 = 0;
  std::uint64_t gn = 0, wn = 0, dn = 0, gbad = 0, wbad = 0;
  const float decay = 0.9f;
  std::vector<std::vector<float>> ema_expect;
  for (auto& p : ps) {
    ema_expect.emplace_back();
    for (std::uint64_t i = 0; i < p.g.n; ++i) {
      const double g = p.g.get(i), w = p.w.get(i);
      if (std::isfinite(g)) { g2 += g * g; gmax = std::max(gmax, std::abs(g)); ++gn; } else ++gbad;
      if (!std::isfinite(w)) { ++wbad; } else {
        wabs += std::abs(w); wsum += w; w2 += w * w; wmin = std::min(wmin, w); wmax = std::max(wmax, w); ++wn;
      }
      const float en = decay * p.e.get(i) + (1.0f - decay) * p.w.get(i);
      buffer tmp(1, p.e.type, 0);
      tmp.set(0, en);
      const double e = tmp.get(0);
      ema_expect.back().push_back(static_cast<float>(e));
      const double d = e - w;
      if (std::isfinite(d)) { d2 += d * d; dabs += std::abs(d); ref2 += w * w; ++dn; }
    }
  }
  const double wmean = wsum / wn;
  double wvar = 0;
  for (auto& p : ps)
    for (std::uint64_t i = 0; i < p.w.n; ++i)
      if (std::isfinite(p.w.get(i))) wvar += (p.w.get(i) - wmean) * (p.w.get(i) - wmean);
  wvar /= wn;

  tensor_table table;
  for (auto& p : ps)
    table.add(param_tensor{p.name, p.g.n, {p.g.data, p.g.type}, {p.w.data, p.w.type}, {p.e.data, p.e.type}});
  param_stats_options opt;
  opt.ema_decay = decay;
  const auto r = update_ema<stat_set::all()>(table, opt);

  CHECK(rel_err(r.grad_norm(), std::sqrt(g2)) < 1e-6);
  CHECK(r.grad_absmax() == gmax);
  CHECK(r.total.grad.count == gn);
  CHECK(r.total.grad.nonfinite == gbad);
  CHECK(r.total.weight.nonfinite == wbad);
  CHECK(r.total.weight.count == wn);
  CHECK(rel_err(r.weight_mean(), wabs / wn) < 1e-6);
  CHECK(rel_err(r.total.weight.sum_sq, w2) < 1e-6);
  CHECK(rel_err(r.total.weight.mean, wmean) < 1e-6);
  CHECK(rel_err(r.weight_std(), std::sqrt(wvar)) < 1e-6);
  CHECK(r.weight_min() == wmin);
  CHECK(r.weight_max() == std::max(-wmin, wmax));
  CHECK(r.total.ema_diff.count == dn);
  CHECK(rel_err(r.ema_diff(), dabs / dn) < 1e-5);
  CHECK(rel_err(r.ema_diff_l2(), std::sqrt(d2)) < 1e-5);
  CHECK(rel_err(r.ema_diff_rel(), std::sqrt(d2 / ref2)) < 1e-5);
  CHECK(r.per_tensor.size() == ps.size());
  CHECK(r.per_tensor[2].weight.count == 0);
  CHECK(r.histogram.counts.empty());  // no range given: no histogram from the CPU reference

  // The fused EMA update wrote d*e + (1-d)*w rounded to each buffer's dtype.
  for (std::size_t k = 0; k < ps.size(); ++k)
    for (std::uint64_t i = 0; i < ps[k].e.n; ++i) {
      const float got = ps[k].e.get(i), want = ema_expect[k][i];
      if (std::isfinite(want)) REQUIRE(got == want);
    }

  // Per-tensor statistics of a misaligned tensor.
  const auto& b = ps[1];
  double bsum = 0;
  for (std::uint64_t i = 0; i < b.w.n; ++i) bsum += b.w.get(i);
  CHECK(rel_err(r.per_tensor[1].weight.mean, bsum / b.w.n) < 1e-6);
  CHECK(r.per_tensor[1].weight.count == b.w.n);
}

TEST_CASE("weight statistics agree with the host-health accumulator", "[cuda][stats]") {
  std::mt19937 rng(3);
  param p("w", 50000, dtype::f32, 0, 12, 0, rng, 2.0f, -1.0f);
  tensor_table table;
  table.add(param_tensor{"w", p.w.n, {}, {p.w.data, dtype::f32}, {}});
  const auto r = compute_param_stats<param_stat::weight>(table);
  accumulator a;
  for (std::uint64_t i = 0; i < p.w.n; ++i) a.add(p.w.get(i));
  CHECK(r.total.weight.count == a.count);
  CHECK(rel_err(r.total.weight.mean, a.mean) < 1e-6);
  CHECK(rel_err(r.total.weight.variance(), a.variance()) < 1e-6);
  CHECK(rel_err(r.total.weight.sum_abs, a.sum_abs) < 1e-6);
  CHECK(rel_err(r.total.weight.sum_sq, a.sum_sq) < 1e-6);
  CHECK(r.total.weight.min == a.min);
  CHECK(r.total.weight.max == a.max);
  CHECK(r.total.weight.absmax == a.absmax);
  CHECK(r.total.grad.count == 0);  // not requested: compiled out
}

TEST_CASE("results are deterministic and mergeable across tables (data-parallel ranks)", "[cuda][stats]") {
  std::mt19937 rng(5);
  param p1("x", 20000, dtype::f32, 0, 0, 0, rng), p2("y", 7001, dtype::bf16, 2, 2, 2, rng);
  tensor_table both, one, two;
  for (auto* t : {&both, &one}) t->add("x", p1.w.n, dtype::f32, p1.g.data, p1.w.data, p1.e.data);
  for (auto* t : {&both, &two}) t->add("y", p2.w.n, dtype::bf16, p2.g.data, p2.w.data, p2.e.data);
  constexpr stat_set s = param_stat::grad | param_stat::weight | param_stat::ema_diff;
  const auto r1 = compute_param_stats<s>(both), r2 = compute_param_stats<s>(both);
  CHECK(std::memcmp(&r1.total, &r2.total, sizeof(tensor_stats)) == 0);
  auto merged = compute_param_stats<s>(one).total;
  merged.merge(compute_param_stats<s>(two).total);
  CHECK(merged.grad.count == r1.total.grad.count);
  CHECK(rel_err(merged.grad.sum_sq, r1.total.grad.sum_sq) < 1e-12);
  CHECK(rel_err(merged.weight.m2, r1.total.weight.m2) < 1e-12);
  CHECK(rel_err(merged.ema_diff.sum_abs, r1.total.ema_diff.sum_abs) < 1e-12);
}

TEST_CASE("histogram over a fixed range", "[cuda][stats]") {
  std::vector<float> w = {-2.0f, -1.0f, -0.5f, 0.0f, 0.49f, 0.5f, 1.0f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
  tensor_table table;
  table.add(param_tensor{"w", w.size(), {}, {w.data(), dtype::f32}, {}});
  param_stats_options opt;
  opt.histogram_bins = 4;
  opt.histogram_lo = -1.0f;
  opt.histogram_hi = 1.0f;
  const auto r = compute_param_stats<param_stat::weight_histogram>(table, opt);
  REQUIRE(r.histogram.valid());
  CHECK(r.histogram.underflow == 1);
  CHECK(r.histogram.overflow == 1);
  CHECK(r.histogram.counts == std::vector<std::uint64_t>{1, 1, 2, 2});
}

TEST_CASE("metrics carry DESIGN.md's names", "[cuda][metrics]") {
  std::vector<float> g = {3.0f, 4.0f}, w = {1.0f, -3.0f}, e = {1.0f, -3.0f};
  tensor_table table;
  table.add("layer.weight", 2, dtype::f32, g.data(), w.data(), e.data());
  const auto r = compute_param_stats<param_stat::grad | param_stat::weight | param_stat::ema_diff>(table);
  std::map<std::string, double> m;
  for (const auto& x : r.to_metrics()) m[std::string(x.key)] = x.value.as_double();
  CHECK(m.at("train/grad_norm") == 5.0);
  CHECK(m.at("model/weight_mean") == 2.0);
  CHECK(m.at("model/weight_std") == 2.0);
  CHECK(m.at("model/weight_max") == 3.0);
  CHECK(m.at("model/ema_diff") == 0.0);
  CHECK(m.at("model/ema_diff_l2") == 0.0);
  CHECK(m.at("model/ema_diff_rel") == 0.0);
  const auto pt = r.per_tensor_metrics(table);
  REQUIRE(pt.metrics.size() == 3);
  CHECK(pt.metrics[0].key == "grad_norm/layer.weight");
  CHECK(pt.metrics[0].value.as_double() == 5.0);
  tensor_table other;
  CHECK_THROWS_WITH(r.per_tensor_metrics(other), Catch::Contains("pass the table"));
}

TEST_CASE("bad input is rejected with an actionable message", "[cuda][errors]") {
  tensor_table table;
  CHECK_THROWS_WITH(table.add(param_tensor{"p", 10, {}, {}, {}}), Catch::Contains("pass at least one"));
  float x = 0;
  CHECK_THROWS_WITH(table.add(param_tensor{"p", 1, {&x, dtype::f32}, {}, {&x, dtype::f32}}),
                    Catch::Contains("need both"));
  table.add(param_tensor{"empty", 0, {}, {}, {}});
  param_stats_options opt;
  opt.ema_decay = 1.5f;
  CHECK_THROWS_WITH(update_ema<stat_set::all()>(table, opt), Catch::Contains("ema_decay"));
  opt.ema_decay = 0.5f;
  opt.histogram_bins = 0;
  CHECK_THROWS_WITH(update_ema<stat_set::all()>(table, opt), Catch::Contains("histogram_bins"));
}

TEST_CASE("vector-load decoding equals scalar loads (the kernel's 16-byte path)", "[cuda][layout]") {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (dtype t : {dtype::f32, dtype::f16, dtype::bf16}) {
    buffer b(8, t, 0);
    for (int k = 0; k < 8; ++k) b.set(k, nd(rng));
    std::uint32_t words[8] = {};
    std::memcpy(words, b.data, 8 * dtype_size(t));  // what one (f16/bf16) or two (f32) uint4 loads give
    float v[8];
    detail::decode_unit(words, t, v);
    for (int k = 0; k < 8; ++k) REQUIRE(v[k] == b.get(k));
    float x[8];
    for (int k = 0; k < 8; ++k) x[k] = nd(rng);
    std::uint32_t out[8] = {};
    detail::encode_unit(x, t, out);
    buffer expect(8, t, 0);
    for (int k = 0; k < 8; ++k) expect.set(k, x[k]);
    REQUIRE(std::memcmp(out, expect.data, 8 * dtype_size(t)) == 0);
  }
}

TEST_CASE("chunk -> tensor lookup skips empty tensors", "[cuda][layout]") {
  float x[40000] = {};
  tensor_table table;
  table.add(param_tensor{"e0", 0, {}, {x, dtype::f32}, {}});
  table.add(param_tensor{"a", 20000, {}, {x, dtype::f32}, {}});  // 2 chunks
  table.add(param_tensor{"e1", 0, {}, {x, dtype::f32}, {}});
  table.add(param_tensor{"e2", 0, {}, {x, dtype::f32}, {}});
  table.add(param_tensor{"b", 5, {}, {x, dtype::f32}, {}});      // 1 chunk
  table.add(param_tensor{"c", 40000, {}, {x, dtype::f32}, {}});  // 3 chunks
  table.add(param_tensor{"e3", 0, {}, {x, dtype::f32}, {}});
  const auto& es = table.entries();
  REQUIRE(table.total_chunks() == 6);
  const std::uint32_t want[] = {1, 1, 4, 5, 5, 5};
  for (std::uint64_t c = 0; c < 6; ++c)
    CHECK(detail::tensor_of_chunk(es.data(), static_cast<std::uint32_t>(es.size()), c) == want[c]);
}
