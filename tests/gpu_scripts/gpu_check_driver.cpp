// gpu_check_driver: the small, LibTorch-free program scripts/gpu_check.sh runs on a GPU machine
// (built by scripts/gpu_build.sh with nvcc as CUDA) and, with --cpu, on any machine (built by the
// normal CMake build with g++, or the same nvcc binary): the CPU reference walks every step then.
//
//   gpu_check_driver info   [--json FILE]    device, driver, runtime, clocks, memory bandwidth
//   gpu_check_driver edge   [--no-huge]      NaN/Inf, empty, odd sizes, misaligned, fp16/bf16, mixed
//                                            dtypes, 2000 tiny tensors, a 2^31+ element tensor: GPU
//                                            vs CPU reference vs a float64 oracle; fused EMA bits
//   gpu_check_driver dump FILE               results of one fixed call, raw bytes (determinism)
//   gpu_check_driver sanitize                a small workload of every kernel variant, for
//                                            compute-sanitizer (memcheck/racecheck/initcheck/synccheck)
//   gpu_check_driver bench  --json FILE      bundle / grad-norm vs device memcpy; launches per call
//   gpu_check_driver version
// Options: --cpu (the CPU reference instead of the GPU; automatic in a build without CUDA).
// Exit codes: 0 passed, 1 failed, 2 usage, 77 no CUDA device (and no --cpu).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#include <dlfcn.h>

#include "vitals/cuda.cuh"
#define VG_HAVE_CUDA 1
#else
#include "vitals/health/param_stats.hpp"
#define VG_HAVE_CUDA 0
#endif

using namespace vitals;

namespace {

bool use_gpu = false;  // set in main
int failures = 0;

#define VG_EXPECT(cond, ...)                                  \
  do {                                                        \
    if (!(cond)) {                                            \
      if (failures < 60) {                                    \
        std::printf("  FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
        std::printf(__VA_ARGS__);                             \
        std::printf("\n");                                    \
      }                                                       \
      ++failures;                                             \
    }                                                         \
  } while (0)

// ------------------------------------------------------------------------------------------------
// Buffers: host storage always (the CPU reference reads it); a device copy in GPU mode.

#if VG_HAVE_CUDA
void check(cudaError_t e, const char* what) { detail::cuda_check(e, what); }
#endif

struct buffer {
  std::vector<unsigned char> host_storage;
  unsigned char* host = nullptr;  // host_storage + 64-byte aligned base + misalign
  unsigned char* dev_base = nullptr;
  unsigned char* dev = nullptr;
  std::size_t bytes = 0, mis = 0;

  buffer() = default;
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  buffer(buffer&& o) noexcept { *this = std::move(o); }
  buffer& operator=(buffer&& o) noexcept {
    host_storage = std::move(o.host_storage);
    host = o.host, dev_base = o.dev_base, dev = o.dev, bytes = o.bytes, mis = o.mis;
    o.host = nullptr, o.dev_base = o.dev = nullptr;
    return *this;
  }
  void alloc(std::size_t n_bytes, std::size_t misalign) {
    bytes = n_bytes, mis = misalign;
    host_storage.assign(bytes + 128, 0);
    const auto base = reinterpret_cast<std::uintptr_t>(host_storage.data());
    host = host_storage.data() + (64 - base % 64) % 64 + mis;
#if VG_HAVE_CUDA
    if (use_gpu) {
      check(cudaMalloc(&dev_base, bytes + 256), "cudaMalloc(test buffer)");
      dev = dev_base + mis;  // cudaMalloc is 256-byte aligned
    }
#endif
  }
  void upload() {
#if VG_HAVE_CUDA
    if (use_gpu && bytes) check(cudaMemcpy(dev, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy(upload)");
#endif
  }
  std::vector<unsigned char> download() const {
    std::vector<unsigned char> out(bytes);
#if VG_HAVE_CUDA
    if (use_gpu) {
      if (bytes) check(cudaMemcpy(out.data(), dev, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy(download)");
      return out;
    }
#endif
    if (bytes) std::memcpy(out.data(), host, bytes);
    return out;
  }
  ~buffer() {
#if VG_HAVE_CUDA
    if (dev_base) cudaFree(dev_base);
#endif
  }
};

/// How the values of a tensor are drawn.
enum class pattern { normal, offset, nonfinite, all_nan, all_inf, half_edges, huge_range, ones };

struct spec {
  std::string name;
  std::uint64_t n = 0;
  dtype tg = dtype::f32, tw = dtype::f32, te = dtype::f32;
  std::size_t mis_g = 0, mis_w = 0, mis_e = 0;
  bool has_g = true, has_w = true, has_e = true;
  pattern pat = pattern::normal;
};

struct tensor {
  spec s;
  buffer g, w, e;
  std::vector<unsigned char> e_orig;  // EMA before any update (to reset between variants)
};

float draw(pattern p, std::mt19937& rng, float scale, std::uint64_t i) {
  std::normal_distribution<float> nd;
  std::uniform_int_distribution<int> pick(0, 99);
  switch (p) {
    case pattern::normal: return nd(rng) * scale;
    case pattern::offset: return 5.0f + nd(rng) * 0.02f;
    case pattern::nonfinite: {
      const int k = pick(rng);
      if (k == 0) return NAN;
      if (k == 1) return INFINITY;
      if (k == 2) return -INFINITY;
      return nd(rng) * scale;
    }
    case pattern::all_nan: return NAN;
    case pattern::all_inf: return (i % 2) ? INFINITY : -INFINITY;
    case pattern::half_edges: {  // fp16 max, subnormals, tiny, zeros, signed
      static const float v[] = {65504.0f, -65504.0f, 6.0e-8f, -6.0e-8f, 1.0e-5f, 0.0f, -0.0f, 1.0f, 2048.0f, 3.0e-4f};
      return v[pick(rng) % 10];
    }
    case pattern::huge_range: {
      const int k = pick(rng);
      return (k < 10 ? 1e15f : k < 20 ? 1e-15f : 1.0f) * nd(rng);  // squares stay finite in fp32
    }
    case pattern::ones: return 1.0f;
  }
  return 0;
}

tensor make_tensor(const spec& s, std::mt19937& rng) {
  tensor t;
  t.s = s;
  if (s.has_g) t.g.alloc(s.n * dtype_size(s.tg), s.mis_g);
  if (s.has_w) t.w.alloc(s.n * dtype_size(s.tw), s.mis_w);
  if (s.has_e) t.e.alloc(s.n * dtype_size(s.te), s.mis_e);
  std::normal_distribution<float> nd;
  for (std::uint64_t i = 0; i < s.n; ++i) {
    if (s.has_g) store_from_float(t.g.host, i, s.tg, draw(s.pat, rng, 1e-2f, i));
    float w = 0;
    if (s.has_w) {
      w = draw(s.pat, rng, 0.1f, i);
      store_from_float(t.w.host, i, s.tw, w);
    }
    if (s.has_e) {
      const float noise = nd(rng) * 1e-3f;
      store_from_float(t.e.host, i, s.te, std::isfinite(w) ? w + noise : w);
    }
  }
  if (s.has_e) t.e_orig.assign(t.e.host, t.e.host + t.e.bytes);
  t.g.upload(), t.w.upload(), t.e.upload();
  return t;
}

void reset_ema(tensor& t) {
  if (!t.s.has_e || t.e.bytes == 0) return;
  std::memcpy(t.e.host, t.e_orig.data(), t.e.bytes);
  t.e.upload();
}

tensor_table table_of(std::vector<tensor>& ts, bool device) {
  tensor_table table;
  for (auto& t : ts) {
    auto ptr = [&](buffer& b, bool has) -> void* {
      if (!has) return nullptr;
      return device ? static_cast<void*>(b.dev) : static_cast<void*>(b.host);
    };
    table.add(param_tensor{t.s.name, t.s.n, {ptr(t.g, t.s.has_g), t.s.tg}, {ptr(t.w, t.s.has_w), t.s.tw},
                           {ptr(t.e, t.s.has_e), t.s.te}});
  }
  return table;
}

// ------------------------------------------------------------------------------------------------
// The statistics through the path under test: the kernels (GPU) or the CPU reference (--cpu).

template <unsigned S>
param_stats_result run_stats(const tensor_table& table, const param_stats_options& opt) {
#if VG_HAVE_CUDA
  if (use_gpu) {
    detail::device_stats_engine<S> st(table, opt);
    st.launch(nullptr);
    auto r = st.result();
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    return r;
  }
#endif
  return detail::run_plan<S>(table, opt);
}

// ------------------------------------------------------------------------------------------------
// The float64 oracle: a plain loop per tensor, independent of the chunk/thread structure.

struct oracle_norm {
  std::uint64_t count = 0, nonfinite = 0;
  double sum_sq = 0, sum_abs = 0, absmax = 0, ref_sum_sq = 0;
};
struct oracle_moments {
  std::uint64_t count = 0, nonfinite = 0;
  double sum = 0, sum_abs = 0, min = INFINITY, max = -INFINITY, absmax = 0;
  std::vector<double> xs;
  double mean() const { return count ? sum / count : 0; }
  double m2() const {
    const double m = mean();
    double a = 0;
    for (double x : xs) a += (x - m) * (x - m);
    return a;
  }
};
struct oracle_tensor {
  oracle_norm grad, diff;
  oracle_moments weight;
};

bool finite(float x) { return std::isfinite(x); }

/// `ema_after`: the EMA values after the call (the updated buffer when S has ema_update).
template <unsigned S>
oracle_tensor oracle(const tensor& t, const std::vector<unsigned char>& ema_after) {
  oracle_tensor o;
  for (std::uint64_t i = 0; i < t.s.n; ++i) {
    if ((S & detail::plan::grad) && t.s.has_g) {
      const float g = load_as_float(t.g.host, i, t.s.tg);
      if (!finite(g)) {
        ++o.grad.nonfinite;
      } else {
        ++o.grad.count;
        o.grad.sum_sq += double(g) * g;
        o.grad.sum_abs += std::abs(double(g));
        o.grad.absmax = std::max(o.grad.absmax, std::abs(double(g)));
      }
    }
    if (!t.s.has_w) continue;
    const float w = load_as_float(t.w.host, i, t.s.tw);
    if (S & (detail::plan::weight | detail::plan::weight_histogram)) {
      if (!finite(w)) {
        ++o.weight.nonfinite;
      } else {
        ++o.weight.count;
        o.weight.sum += w;
        o.weight.sum_abs += std::abs(double(w));
        o.weight.min = std::min(o.weight.min, double(w));
        o.weight.max = std::max(o.weight.max, double(w));
        o.weight.absmax = std::max(o.weight.absmax, std::abs(double(w)));
        o.weight.xs.push_back(w);
      }
    }
    if ((S & detail::plan::ema_diff) && t.s.has_e) {
      const float e = load_as_float(ema_after.data(), i, t.s.te);
      const float d = e - w;
      if (!finite(d)) {
        ++o.diff.nonfinite;
      } else {
        const double dd = double(e) - double(w);
        ++o.diff.count;
        o.diff.sum_sq += dd * dd;
        o.diff.sum_abs += std::abs(dd);
        o.diff.ref_sum_sq += double(w) * w;
      }
    }
  }
  return o;
}

bool close(double got, double want, double rtol, double atol = 0) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  return std::abs(got - want) <= rtol * std::abs(want) + atol;
}

template <unsigned S>
void compare_oracle(const tensor_stats& r, const oracle_tensor& o, const std::string& what) {
  const double rt = 1e-5;
  if (S & detail::plan::grad) {
    VG_EXPECT(r.grad.count == o.grad.count && r.grad.nonfinite == o.grad.nonfinite, "%s grad counts %llu/%llu vs %llu/%llu",
              what.c_str(), (unsigned long long)r.grad.count, (unsigned long long)r.grad.nonfinite,
              (unsigned long long)o.grad.count, (unsigned long long)o.grad.nonfinite);
    VG_EXPECT(close(r.grad.sum_sq, o.grad.sum_sq, rt, 1e-300), "%s grad sum_sq %.17g vs %.17g", what.c_str(), r.grad.sum_sq, o.grad.sum_sq);
    VG_EXPECT(close(r.grad.sum_abs, o.grad.sum_abs, rt, 1e-300), "%s grad sum_abs %.17g vs %.17g", what.c_str(), r.grad.sum_abs, o.grad.sum_abs);
    VG_EXPECT(r.grad.absmax == o.grad.absmax, "%s grad absmax %.17g vs %.17g", what.c_str(), r.grad.absmax, o.grad.absmax);
  }
  if (S & (detail::plan::weight | detail::plan::weight_histogram)) {
    VG_EXPECT(r.weight.count == o.weight.count && r.weight.nonfinite == o.weight.nonfinite, "%s weight counts", what.c_str());
    if (o.weight.count) {
      const double spread = std::max(std::abs(o.weight.mean()), std::sqrt(o.weight.m2() / o.weight.count));
      VG_EXPECT(close(r.weight.mean, o.weight.mean(), rt, 1e-6 * spread), "%s weight mean %.17g vs %.17g", what.c_str(), r.weight.mean, o.weight.mean());
      VG_EXPECT(close(r.weight.m2, o.weight.m2(), 1e-4, 1e-300), "%s weight m2 %.17g vs %.17g", what.c_str(), r.weight.m2, o.weight.m2());
      VG_EXPECT(close(r.weight.sum_abs, o.weight.sum_abs, rt), "%s weight sum_abs %.17g vs %.17g", what.c_str(), r.weight.sum_abs, o.weight.sum_abs);
      VG_EXPECT(r.weight.min == o.weight.min && r.weight.max == o.weight.max && r.weight.absmax == o.weight.absmax,
                "%s weight min/max/absmax %.9g/%.9g/%.9g vs %.9g/%.9g/%.9g", what.c_str(), r.weight.min, r.weight.max,
                r.weight.absmax, o.weight.min, o.weight.max, o.weight.absmax);
    }
  }
  if (S & detail::plan::ema_diff) {
    VG_EXPECT(r.ema_diff.count == o.diff.count && r.ema_diff.nonfinite == o.diff.nonfinite, "%s diff counts %llu/%llu vs %llu/%llu",
              what.c_str(), (unsigned long long)r.ema_diff.count, (unsigned long long)r.ema_diff.nonfinite,
              (unsigned long long)o.diff.count, (unsigned long long)o.diff.nonfinite);
    VG_EXPECT(close(r.ema_diff.sum_sq, o.diff.sum_sq, 1e-4, 1e-300), "%s diff sum_sq %.17g vs %.17g", what.c_str(), r.ema_diff.sum_sq, o.diff.sum_sq);
    VG_EXPECT(close(r.ema_diff.sum_abs, o.diff.sum_abs, 1e-4, 1e-300), "%s diff sum_abs %.17g vs %.17g", what.c_str(), r.ema_diff.sum_abs, o.diff.sum_abs);
    VG_EXPECT(close(r.ema_diff.ref_sum_sq, o.diff.ref_sum_sq, rt, 1e-300), "%s diff ref_sum_sq", what.c_str());
  }
}

/// The largest relative difference of a floating sum, GPU vs CPU reference (reported by `edge`).
double max_ref_diff = 0;
std::string max_ref_diff_where;

void track(double g, double c, const std::string& what, const char* field) {
  if (c == 0 || std::isnan(g) || std::isnan(c)) return;
  const double d = std::abs(g - c) / std::abs(c);
  if (d > max_ref_diff) max_ref_diff = d, max_ref_diff_where = what + " " + field;
}

/// GPU vs CPU reference: same chunks and per-thread partials; only FMA contraction in the threads'
/// float sums and the order of the double merges differ (~1e-7 expected; 1e-5 allowed, as in the
/// gpu test; the largest difference is printed).
void compare_reference(const tensor_stats& g, const tensor_stats& c, const std::string& what) {
  const double rt = 1e-5;
  track(g.grad.sum_sq, c.grad.sum_sq, what, "grad.sum_sq");
  track(g.grad.sum_abs, c.grad.sum_abs, what, "grad.sum_abs");
  track(g.weight.mean, c.weight.mean, what, "weight.mean");
  track(g.weight.m2, c.weight.m2, what, "weight.m2");
  track(g.weight.sum_abs, c.weight.sum_abs, what, "weight.sum_abs");
  track(g.ema_diff.sum_sq, c.ema_diff.sum_sq, what, "ema_diff.sum_sq");
  track(g.ema_diff.sum_abs, c.ema_diff.sum_abs, what, "ema_diff.sum_abs");
  VG_EXPECT(g.grad.count == c.grad.count && g.grad.nonfinite == c.grad.nonfinite && g.weight.count == c.weight.count &&
                g.weight.nonfinite == c.weight.nonfinite && g.ema_diff.count == c.ema_diff.count &&
                g.ema_diff.nonfinite == c.ema_diff.nonfinite,
            "%s counts differ from the CPU reference", what.c_str());
  VG_EXPECT(close(g.grad.sum_sq, c.grad.sum_sq, rt, 1e-300), "%s grad sum_sq %.17g vs ref %.17g", what.c_str(), g.grad.sum_sq, c.grad.sum_sq);
  VG_EXPECT(close(g.grad.sum_abs, c.grad.sum_abs, rt, 1e-300), "%s grad sum_abs", what.c_str());
  VG_EXPECT(g.grad.absmax == c.grad.absmax, "%s grad absmax", what.c_str());
  VG_EXPECT(close(g.weight.mean, c.weight.mean, rt, 1e-12), "%s weight mean %.17g vs ref %.17g", what.c_str(), g.weight.mean, c.weight.mean);
  VG_EXPECT(close(g.weight.m2, c.weight.m2, rt, 1e-300), "%s weight m2 %.17g vs ref %.17g", what.c_str(), g.weight.m2, c.weight.m2);
  VG_EXPECT(close(g.weight.sum_abs, c.weight.sum_abs, rt, 1e-300), "%s weight sum_abs", what.c_str());
  VG_EXPECT(g.weight.count == 0 || (g.weight.min == c.weight.min && g.weight.max == c.weight.max && g.weight.absmax == c.weight.absmax),
            "%s weight min/max/absmax", what.c_str());
  VG_EXPECT(close(g.ema_diff.sum_sq, c.ema_diff.sum_sq, rt, 1e-300), "%s diff sum_sq %.17g vs ref %.17g", what.c_str(), g.ema_diff.sum_sq, c.ema_diff.sum_sq);
  VG_EXPECT(close(g.ema_diff.sum_abs, c.ema_diff.sum_abs, rt, 1e-300), "%s diff sum_abs", what.c_str());
  VG_EXPECT(close(g.ema_diff.ref_sum_sq, c.ema_diff.ref_sum_sq, rt, 1e-300), "%s diff ref_sum_sq", what.c_str());
}

/// One statistics variant on one case: the path under test vs the oracle (and, on the GPU, vs the
/// CPU reference, with the fused EMA update compared bit for bit).
template <unsigned S>
void check_variant(const std::string& case_name, const char* variant, std::vector<tensor>& ts,
                   const param_stats_options& opt) {
  const int before = failures;
  for (auto& t : ts) reset_ema(t);
  std::vector<std::vector<unsigned char>> ema_before;
  for (auto& t : ts) ema_before.push_back(t.s.has_e ? t.e_orig : std::vector<unsigned char>{});

  const tensor_table table = table_of(ts, use_gpu);
  const param_stats_result r = run_stats<S>(table, opt);
  VG_EXPECT(r.per_tensor.size() == ts.size(), "%s per-tensor size", case_name.c_str());
  if (r.per_tensor.size() != ts.size()) return;

  // The EMA after the call as the path under test left it.
  std::vector<std::vector<unsigned char>> ema_after;
  for (auto& t : ts) ema_after.push_back(t.s.has_e ? t.e.download() : std::vector<unsigned char>{});

  param_stats_result ref;
  if (use_gpu) {  // CPU reference on the host copies (updates the host EMA the same way)
    const tensor_table host = table_of(ts, false);
    ref = detail::run_plan<S>(host, opt);
    compare_reference(r.total, ref.total, case_name + "/" + variant + "/total");
    for (std::size_t i = 0; i < ts.size(); ++i)
      compare_reference(r.per_tensor[i], ref.per_tensor[i], case_name + "/" + variant + "/" + ts[i].s.name);
    VG_EXPECT(r.histogram.counts == ref.histogram.counts && r.histogram.underflow == ref.histogram.underflow &&
                  r.histogram.overflow == ref.histogram.overflow,
              "%s/%s histogram differs from the CPU reference", case_name.c_str(), variant);
    if (S & detail::plan::ema_update) {
      for (std::size_t i = 0; i < ts.size(); ++i) {
        if (!ts[i].s.has_e) continue;
        const auto& host_e = ts[i].e;
        const bool same = ts[i].s.n == 0 || std::memcmp(ema_after[i].data(), host_e.host, host_e.bytes) == 0;
        VG_EXPECT(same, "%s/%s/%s fused EMA update differs bitwise from the CPU reference", case_name.c_str(), variant,
                  ts[i].s.name.c_str());
      }
    }
  }

  // float64 oracle, per tensor and merged.
  oracle_tensor total;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const oracle_tensor o = oracle<S>(ts[i], ema_after[i]);
    compare_oracle<S>(r.per_tensor[i], o, case_name + "/" + variant + "/" + ts[i].s.name);
    total.grad.count += o.grad.count, total.grad.nonfinite += o.grad.nonfinite, total.grad.sum_sq += o.grad.sum_sq;
    total.grad.sum_abs += o.grad.sum_abs, total.grad.absmax = std::max(total.grad.absmax, o.grad.absmax);
    total.weight.count += o.weight.count, total.weight.nonfinite += o.weight.nonfinite;
    total.weight.sum += o.weight.sum, total.weight.sum_abs += o.weight.sum_abs;
    total.weight.min = std::min(total.weight.min, o.weight.min), total.weight.max = std::max(total.weight.max, o.weight.max);
    total.weight.absmax = std::max(total.weight.absmax, o.weight.absmax);
    total.weight.xs.insert(total.weight.xs.end(), o.weight.xs.begin(), o.weight.xs.end());
    total.diff.count += o.diff.count, total.diff.nonfinite += o.diff.nonfinite, total.diff.sum_sq += o.diff.sum_sq;
    total.diff.sum_abs += o.diff.sum_abs, total.diff.ref_sum_sq += o.diff.ref_sum_sq;
  }
  compare_oracle<S>(r.total, total, case_name + "/" + variant + "/total");

  // Fused EMA update vs the same float math done here element by element.
  if (S & detail::plan::ema_update) {
    for (std::size_t i = 0; i < ts.size(); ++i) {
      const auto& t = ts[i];
      if (!t.s.has_e || !t.s.has_w) continue;
      std::uint64_t bad = 0;
      for (std::uint64_t k = 0; k < t.s.n; ++k) {
        const float w = load_as_float(t.w.host, k, t.s.tw), e0 = load_as_float(ema_before[i].data(), k, t.s.te);
        const float want = round_to(t.s.te, detail::mul_add_mul_rn(opt.ema_decay, e0, 1.0f - opt.ema_decay, w));
        const float got = load_as_float(ema_after[i].data(), k, t.s.te);
        if (!(got == want || (got != got && want != want))) ++bad;
      }
      VG_EXPECT(bad == 0, "%s/%s/%s: %llu EMA elements differ from d*e+(1-d)*w", case_name.c_str(), variant,
                t.s.name.c_str(), (unsigned long long)bad);
    }
  }
  // Histogram vs the shared binning applied to every weight.
  if ((S & detail::plan::weight_histogram) && opt.histogram_lo < opt.histogram_hi) {
    std::vector<std::uint64_t> slots(opt.histogram_bins + 2, 0);
    const float inv = static_cast<float>(opt.histogram_bins) / (opt.histogram_hi - opt.histogram_lo);
    for (const auto& t : ts)
      if (t.s.has_w)
        for (std::uint64_t k = 0; k < t.s.n; ++k) {
          const int s = detail::histogram_slot(load_as_float(t.w.host, k, t.s.tw), opt.histogram_lo, opt.histogram_hi, inv,
                                               opt.histogram_bins);
          if (s >= 0) ++slots[s];
        }
    VG_EXPECT(r.histogram.valid() && r.histogram.underflow == slots.front() && r.histogram.overflow == slots.back() &&
                  std::equal(r.histogram.counts.begin(), r.histogram.counts.end(), slots.begin() + 1),
              "%s/%s histogram differs from the plain binning", case_name.c_str(), variant);
  }
  std::printf("  %-14s %-26s %s\n", case_name.c_str(), variant, failures == before ? "ok" : "FAILED");
}

void check_case(const std::string& name, std::vector<tensor>& ts) {
  param_stats_options opt;
  opt.ema_decay = 0.9f;
  opt.histogram_lo = -0.35f;
  opt.histogram_hi = 0.35f;
  opt.histogram_bins = 37;
  check_variant<detail::plan::grad>(name, "grad", ts, opt);
  check_variant<detail::plan::weight>(name, "weight", ts, opt);
  check_variant<detail::plan::grad | detail::plan::weight | detail::plan::ema_diff>(name, "grad|weight|ema_diff", ts, opt);
  check_variant<detail::plan::ema_update | detail::plan::ema_diff>(name, "ema_update|ema_diff", ts, opt);
  check_variant<detail::plan::all>(name, "all (fixed-range histogram)", ts, opt);
  for (auto& t : ts) reset_ema(t);
}

std::vector<spec> case_specs(const std::string& name, bool small) {
  std::vector<spec> v;
  auto add = [&](spec s) { v.push_back(std::move(s)); };
  if (name == "odd_sizes") {
    for (std::uint64_t n : {0ull, 1ull, 2ull, 3ull, 7ull, 8ull, 9ull, 15ull, 16ull, 17ull, 255ull, 256ull, 257ull,
                            16383ull, 16384ull, 16385ull, 0ull, 131085ull})
      if (!small || n < 20000) add({"n" + std::to_string(n) + "_" + std::to_string(v.size()), n});
  } else if (name == "misaligned") {
    for (std::size_t m : {4u, 8u, 12u}) add({"f32_mis" + std::to_string(m), 40009, dtype::f32, dtype::f32, dtype::f32, m, m, m});
    for (std::size_t m : {2u, 6u, 10u, 14u})
      add({"bf16_mis" + std::to_string(m), 40009, dtype::bf16, dtype::bf16, dtype::bf16, m, m, m});
    add({"f16_mis2", 33333, dtype::f16, dtype::f16, dtype::f16, 2, 2, 2});
    add({"f32_relative", 20011, dtype::f32, dtype::f32, dtype::f32, 4, 0, 8});   // no common head: scalar
    add({"bf16_odd_byte", 5003, dtype::bf16, dtype::bf16, dtype::bf16, 1, 3, 5});  // not even element-aligned
  } else if (name == "nonfinite") {
    for (dtype t : {dtype::f32, dtype::f16, dtype::bf16})
      add({std::string("nf_") + std::string(dtype_name(t)), 50021, t, t, t, 0, 0, 0, true, true, true, pattern::nonfinite});
    add({"all_nan", 3001, dtype::f32, dtype::f32, dtype::f32, 0, 0, 0, true, true, true, pattern::all_nan});
    add({"all_inf_bf16", 1025, dtype::bf16, dtype::bf16, dtype::bf16, 0, 0, 0, true, true, true, pattern::all_inf});
    add({"empty", 0});
  } else if (name == "half_dtypes") {
    add({"f16_edges", 70001, dtype::f16, dtype::f16, dtype::f16, 0, 0, 0, true, true, true, pattern::half_edges});
    add({"bf16_range", 70001, dtype::bf16, dtype::bf16, dtype::bf16, 6, 6, 6, true, true, true, pattern::huge_range});
    add({"mixed", 50000, dtype::bf16, dtype::f32, dtype::f16});
    add({"mixed_mis", 12345, dtype::f16, dtype::bf16, dtype::f32, 2, 2, 4});
    add({"grad_only", 9999, dtype::bf16, dtype::f32, dtype::f32, 0, 0, 0, true, false, false});
    add({"no_grad", 9999, dtype::f32, dtype::f16, dtype::f16, 0, 0, 0, false, true, true});
    add({"no_ema", 9999, dtype::f32, dtype::bf16, dtype::f32, 0, 0, 0, true, true, false});
  } else if (name == "offset_mean") {
    add({"w5", small ? 30000ull : 400000ull, dtype::f32, dtype::f32, dtype::f32, 0, 0, 0, true, true, true, pattern::offset});
    add({"w5_bf16", 100003, dtype::bf16, dtype::bf16, dtype::bf16, 0, 0, 0, true, true, true, pattern::offset});
  } else if (name == "many_tiny") {
    const int count = small ? 200 : 2000;
    for (int i = 0; i < count; ++i) {
      const dtype t = i % 3 == 0 ? dtype::f32 : i % 3 == 1 ? dtype::bf16 : dtype::f16;
      const std::size_t m = (i % 5 == 0) ? dtype_size(t) : 0;
      add({"t" + std::to_string(i), static_cast<std::uint64_t>(1 + (i * 37) % 40), t, t, t, m, m, m});
    }
  } else if (name == "no_tensors") {
  } else if (name == "only_empty") {
    add({"e0", 0}), add({"e1", 0}), add({"e2", 0, dtype::bf16, dtype::bf16, dtype::bf16});
  }
  return v;
}

const char* const case_names[] = {"no_tensors", "only_empty", "odd_sizes", "misaligned", "nonfinite",
                                  "half_dtypes", "offset_mean", "many_tiny"};

#if VG_HAVE_CUDA
__global__ void fill_u16(std::uint16_t* p, std::uint64_t n, std::uint16_t v) {
  for (std::uint64_t i = blockIdx.x * std::uint64_t(blockDim.x) + threadIdx.x; i < n; i += std::uint64_t(gridDim.x) * blockDim.x)
    p[i] = v;
}

/// 64-bit indexing: one bf16 grad of 2^31 + 21 elements (4 GiB), all 1.0 but a 2.0 at the end and a
/// NaN past 2^31. Per-thread partials of ones are exact, so the expected sums are exact integers.
void check_huge() {
  const std::uint64_t n = (1ull << 31) + 21;
  std::size_t free_b = 0, total_b = 0;
  check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  if (free_b < n * 2 + (1ull << 30)) {
    std::printf("  %-14s skipped: %.1f GiB free, needs 5\n", "huge_2^31+21", free_b / 1073741824.0);
    return;
  }
  std::uint16_t* g = nullptr;
  check(cudaMalloc(&g, n * 2), "cudaMalloc(huge)");
  fill_u16<<<1024, 256>>>(g, n, 0x3f80);  // bf16 1.0
  const std::uint16_t two = 0x4000, nan = 0x7fc0;
  check(cudaMemcpy(g + (n - 1), &two, 2, cudaMemcpyHostToDevice), "cudaMemcpy");
  check(cudaMemcpy(g + (1ull << 31) + 5, &nan, 2, cudaMemcpyHostToDevice), "cudaMemcpy");
  tensor_table table;
  table.add(param_tensor{"huge", n, {g, dtype::bf16}, {}, {}});
  const int before = failures;
  {
    detail::device_stats_engine<detail::plan::grad> st(table);
    st.launch(nullptr);
    const auto r = st.result();
    VG_EXPECT(r.total.grad.count == n - 1 && r.total.grad.nonfinite == 1, "huge counts %llu %llu",
              (unsigned long long)r.total.grad.count, (unsigned long long)r.total.grad.nonfinite);
    VG_EXPECT(r.total.grad.sum_sq == double(n - 2) + 4.0, "huge sum_sq %.17g want %.17g", r.total.grad.sum_sq, double(n - 2) + 4.0);
    VG_EXPECT(r.total.grad.absmax == 2.0, "huge absmax %g", r.total.grad.absmax);
  }
  check(cudaFree(g), "cudaFree");
  std::printf("  %-14s %-26s %s\n", "huge_2^31+21", "grad (64-bit indices)", failures == before ? "ok" : "FAILED");
}
#endif

int cmd_edge(bool huge, bool small) {
  std::mt19937 rng(20261130);
  for (const char* name : case_names) {
    auto specs = case_specs(name, small);
    std::vector<tensor> ts;
    ts.reserve(specs.size());
    for (const auto& s : specs) ts.push_back(make_tensor(s, rng));
    check_case(name, ts);
  }
  if (use_gpu)
    std::printf("  largest relative difference GPU vs CPU reference: %.3g (%s)\n", max_ref_diff,
                max_ref_diff_where.empty() ? "-" : max_ref_diff_where.c_str());
#if VG_HAVE_CUDA
  if (use_gpu && huge) check_huge();
#endif
  if (!use_gpu || !huge) std::printf("  %-14s skipped (%s)\n", "huge_2^31+21", use_gpu ? "--no-huge" : "CPU reference mode: GPU only");
  return failures ? 1 : 0;
}

// ------------------------------------------------------------------------------------------------
// dump: the raw bytes of one call's results (and the updated EMA), for run-to-run comparison.

int cmd_dump(const std::string& path) {
  std::mt19937 rng(7);
  std::vector<tensor> ts;
  for (const char* name : {"odd_sizes", "misaligned", "nonfinite", "half_dtypes", "many_tiny"})
    for (const auto& s : case_specs(name, true)) ts.push_back(make_tensor(s, rng));
  param_stats_options opt;
  opt.histogram_lo = -0.3f, opt.histogram_hi = 0.3f, opt.histogram_bins = 64;
  const auto r = run_stats<detail::plan::all>(table_of(ts, use_gpu), opt);
  std::ofstream out(path, std::ios::binary);
  auto put = [&](const void* p, std::size_t n) { out.write(static_cast<const char*>(p), static_cast<std::streamsize>(n)); };
  put(&r.total, sizeof r.total);
  put(r.per_tensor.data(), r.per_tensor.size() * sizeof(tensor_stats));
  put(r.histogram.counts.data(), r.histogram.counts.size() * sizeof(std::uint64_t));
  put(&r.histogram.underflow, 8), put(&r.histogram.overflow, 8);
  for (auto& t : ts)
    if (t.s.has_e) {
      const auto e = t.e.download();
      put(e.data(), e.size());
    }
  std::printf("dump: %zu tensors, grad_norm %.17g, weight_std %.17g, ema_diff %.17g -> %s\n", ts.size(), r.grad_norm(),
              r.weight_std(), r.ema_diff(), path.c_str());
  return out ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------
// sanitize: every kernel variant once on small inputs (plus graph replay and the auto histogram).

int cmd_sanitize() {
  const int rc = cmd_edge(false, true);
#if VG_HAVE_CUDA
  if (use_gpu) {
    std::mt19937 rng(3);
    std::vector<tensor> ts;
    for (const auto& s : case_specs("misaligned", true)) ts.push_back(make_tensor(s, rng));
    const tensor_table table = table_of(ts, true);
    param_stats_options opt;  // histogram range from the previous call
    detail::device_stats_engine<detail::plan::all> st(table, opt);
    cudaStream_t stream;
    check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    st.launch(stream);
    const auto r1 = st.result();
    cudaGraph_t graph;
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    st.launch(stream);
    check(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
    cudaGraphExec_t exec;
    check(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
    for (int k = 0; k < 2; ++k) check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    const auto r2 = st.result();
    VG_EXPECT(!r1.histogram.valid() && r2.histogram.valid(), "auto-range histogram: none, then one");
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaStreamDestroy(stream);
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    std::printf("  %-14s %-26s %s\n", "graph+auto", "all (captured, replayed)", failures ? "FAILED" : "ok");
  }
#endif
  return failures ? 1 : rc;
}

// ------------------------------------------------------------------------------------------------
// info

[[maybe_unused]] std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) o += c;
  }
  return o;
}

int cmd_info(const std::string& json_path) {
  std::ostringstream js;
  js << "{";
#if VG_HAVE_CUDA
  if (use_gpu) {
    int dev = 0, drv = 0, rt = 0;
    check(cudaGetDevice(&dev), "cudaGetDevice");
    cudaDeviceProp p{};
    check(cudaGetDeviceProperties(&p, dev), "cudaGetDeviceProperties");
    cudaDriverGetVersion(&drv), cudaRuntimeGetVersion(&rt);
    auto attr = [&](cudaDeviceAttr a) {
      int v = 0;
      cudaDeviceGetAttribute(&v, a, dev);
      return v;
    };
    const int sm_khz = attr(cudaDevAttrClockRate), mem_khz = attr(cudaDevAttrMemoryClockRate);
    const int bus = attr(cudaDevAttrGlobalMemoryBusWidth), sms = attr(cudaDevAttrMultiProcessorCount);
    const double peak_gbs = 2.0 * mem_khz * 1e3 * (bus / 8.0) / 1e9;
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%02x%02x%02x%02x", (unsigned char)p.uuid.bytes[0], (unsigned char)p.uuid.bytes[1],
                  (unsigned char)p.uuid.bytes[2], (unsigned char)p.uuid.bytes[3]);
    std::printf("device: %s (sm_%d%d, %d SMs, %.1f GiB, uuid %s...)\n", p.name, p.major, p.minor, sms,
                p.totalGlobalMem / 1073741824.0, uuid);
    std::printf("driver API: %d.%d, runtime: %d.%d (static cudart)\n", drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10);
    std::printf("clocks (attributes): SM max %d MHz, memory %d MHz, bus %d bits, theoretical DRAM %.0f GB/s\n",
                sm_khz / 1000, mem_khz / 1000, bus, peak_gbs);
    js << "\"mode\":\"gpu\",\"name\":\"" << json_escape(p.name) << "\",\"cc\":\"" << p.major << "." << p.minor
       << "\",\"sms\":" << sms << ",\"mem_gib\":" << p.totalGlobalMem / 1073741824.0 << ",\"driver_api\":\"" << drv / 1000 << "."
       << drv % 1000 / 10 << "\",\"runtime\":\"" << rt / 1000 << "." << rt % 1000 / 10 << "\",\"sm_clock_max_mhz\":"
       << sm_khz / 1000 << ",\"mem_clock_mhz\":" << mem_khz / 1000 << ",\"bus_bits\":" << bus
       << ",\"peak_dram_gbs\":" << peak_gbs;
    // NVML (the driver's library) for the driver version and current clocks; no header needed.
    if (void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW)) {
      using init_t = int (*)();
      using str_t = int (*)(char*, unsigned);
      using handle_t = int (*)(unsigned, void**);
      using clock_t_ = int (*)(void*, int, unsigned*);
      auto init = reinterpret_cast<init_t>(dlsym(h, "nvmlInit_v2"));
      auto version = reinterpret_cast<str_t>(dlsym(h, "nvmlSystemGetDriverVersion"));
      auto by_index = reinterpret_cast<handle_t>(dlsym(h, "nvmlDeviceGetHandleByIndex_v2"));
      auto clock = reinterpret_cast<clock_t_>(dlsym(h, "nvmlDeviceGetClockInfo"));
      auto max_clock = reinterpret_cast<clock_t_>(dlsym(h, "nvmlDeviceGetMaxClockInfo"));
      char ver[96] = "?";
      void* d = nullptr;
      if (init && init() == 0 && version && version(ver, sizeof ver) == 0 && by_index && by_index(0, &d) == 0 && clock && max_clock) {
        unsigned sm = 0, mem = 0, msm = 0, mmem = 0;  // NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2
        clock(d, 1, &sm), clock(d, 2, &mem), max_clock(d, 1, &msm), max_clock(d, 2, &mmem);
        std::printf("driver: %s; clocks now (NVML): SM %u MHz, memory %u MHz; max SM %u MHz, memory %u MHz\n", ver, sm, mem, msm, mmem);
        js << ",\"driver\":\"" << json_escape(ver) << "\",\"sm_clock_mhz\":" << sm << ",\"mem_clock_now_mhz\":" << mem
           << ",\"sm_clock_nvml_max_mhz\":" << msm;
      } else {
        std::printf("driver: NVML present but not usable (device index 0)\n");
      }
    } else {
      std::printf("driver: libnvidia-ml.so.1 not found (%s)\n", dlerror());
    }
  } else
#endif
  {
    std::printf("device: none (CPU reference mode, %s)\n", VG_HAVE_CUDA ? "--cpu" : "built without CUDA");
    js << "\"mode\":\"cpu\",\"name\":\"CPU reference (no GPU)\"";
  }
  js << "}";
  if (!json_path.empty()) std::ofstream(json_path) << js.str() << "\n";
  return 0;
}

// ------------------------------------------------------------------------------------------------
// bench

struct tensor_set {
  std::string key, label;
  std::vector<std::uint64_t> numels;
};

/// The sets of bench/gpu/gpu_stats_bench.cu and gpu_torch_bench.py; `small` shrinks them for the
/// CPU reference (dry run) while keeping their structure (148 tensors; many tiny ones).
tensor_set gpt2_small(bool small) {
  tensor_set s{"gpt2-small", "", {}};
  const std::uint64_t d = small ? 48 : 768, v = small ? 1000 : 50257, ctx = small ? 64 : 1024;
  s.numels = {v * d, ctx * d};
  for (int l = 0; l < 12; ++l)
    for (std::uint64_t n : {d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d}) s.numels.push_back(n);
  s.numels.push_back(d), s.numels.push_back(d);
  return s;
}

tensor_set tiny(bool small) {
  tensor_set s{"tiny-10k", "", {}};
  std::uint64_t x = 12345;
  for (int i = 0; i < (small ? 1000 : 10000); ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    s.numels.push_back(64 + (x >> 33) % 4000);
  }
  return s;
}

template <unsigned S>
std::uint64_t bytes_moved(const tensor_table& table) {
  std::uint64_t bytes = 0;
  for (const auto& p : table.params()) {
    if ((S & detail::plan::grad) && p.grad.data) bytes += p.numel * dtype_size(p.grad.type);
    if ((S & ~detail::plan::grad) && p.weight.data) bytes += p.numel * dtype_size(p.weight.type);
    if ((S & (detail::plan::ema_diff | detail::plan::ema_update)) && p.ema.data)
      bytes += p.numel * dtype_size(p.ema.type) * ((S & detail::plan::ema_update) ? 2 : 1);
  }
  return bytes;
}

double wall_ms(const std::function<void()>& f, int iters) {
  for (int i = 0; i < std::min(iters, 3); ++i) f();
  const auto a = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count() / iters;
}

#if VG_HAVE_CUDA
double gpu_ms(const std::function<void()>& f, int iters, cudaStream_t stream) {
  cudaEvent_t a, b;
  check(cudaEventCreate(&a), "cudaEventCreate"), check(cudaEventCreate(&b), "cudaEventCreate");
  for (int i = 0; i < 3; ++i) f();
  check(cudaEventRecord(a, stream), "cudaEventRecord");
  for (int i = 0; i < iters; ++i) f();
  check(cudaEventRecord(b, stream), "cudaEventRecord");
  check(cudaEventSynchronize(b), "cudaEventSynchronize");
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a), cudaEventDestroy(b);
  return double(ms) / iters;
}

/// Kernel launches of one launch(): kernel nodes of a captured call.
template <unsigned S>
int launches_per_call(detail::device_stats_engine<S>& st, cudaStream_t stream, cudaGraphExec_t* exec_out) {
  cudaGraph_t g;
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  st.launch(stream);
  check(cudaStreamEndCapture(stream, &g), "cudaStreamEndCapture");
  std::size_t n = 0;
  check(cudaGraphGetNodes(g, nullptr, &n), "cudaGraphGetNodes");
  std::vector<cudaGraphNode_t> nodes(n);
  check(cudaGraphGetNodes(g, nodes.data(), &n), "cudaGraphGetNodes");
  int k = 0;
  for (auto node : nodes) {
    cudaGraphNodeType t;
    check(cudaGraphNodeGetType(node, &t), "cudaGraphNodeGetType");
    k += t == cudaGraphNodeTypeKernel;
  }
  if (exec_out) check(cudaGraphInstantiate(exec_out, g, 0), "cudaGraphInstantiate");
  cudaGraphDestroy(g);
  return k;
}
#endif

int cmd_bench(const std::string& json_path, int iters) {
  constexpr unsigned bundle = detail::plan::grad | detail::plan::weight | detail::plan::ema_diff | detail::plan::ema_update;
  const bool small = !use_gpu;
  std::ostringstream js;
  js << "{\"mode\":\"" << (use_gpu ? "gpu" : "cpu") << "\",\"iters\":" << iters << ",\"rows\":[";
  bool first = true;
#if VG_HAVE_CUDA
  cudaStream_t stream = nullptr;
  if (use_gpu) check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
#endif
  std::printf("| set | dtype | tensors | params | memcpy GB/s | bundle ms | bundle GB/s (of memcpy) | graph ms | grad-norm ms | grad-norm GB/s (of memcpy) | launches |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& set : {gpt2_small(small), tiny(small)}) {
    for (dtype t : {dtype::f32, dtype::bf16}) {
      const std::size_t es = dtype_size(t);
      std::uint64_t total = 0, padded = 0;
      for (auto n : set.numels) total += n, padded += (n * es + 255) / 256 * 256;
      // One slab per buffer kind, tensors 256-byte aligned inside it (as a caching allocator).
      char *g = nullptr, *w = nullptr, *e = nullptr, *dst = nullptr;
      std::vector<char> hg, hw, he, hdst;
#if VG_HAVE_CUDA
      if (use_gpu) {
        for (char** p : {&g, &w, &e, &dst}) check(cudaMalloc(p, padded), "cudaMalloc(bench slab)");
        check(cudaMemset(g, 0x11, padded), "cudaMemset"), check(cudaMemset(w, 0x22, padded), "cudaMemset");
        check(cudaMemset(e, 0x22, padded), "cudaMemset");
      } else
#endif
      {
        hg.assign(padded, 0x11), hw.assign(padded, 0x22), he.assign(padded, 0x22), hdst.assign(padded, 0);
        g = hg.data(), w = hw.data(), e = he.data(), dst = hdst.data();
      }
      tensor_table table, grads;
      std::uint64_t off = 0;
      for (std::size_t i = 0; i < set.numels.size(); ++i) {
        table.add("p" + std::to_string(i), set.numels[i], t, g + off, w + off, e + off);
        grads.add(param_tensor{"p" + std::to_string(i), set.numels[i], {g + off, t}, {}, {}});
        off += (set.numels[i] * es + 255) / 256 * 256;
      }
      const std::uint64_t copy_bytes = total * es;
      double memcpy_ms = 0, bundle_ms = 0, grad_ms = 0, graph_ms = -1;
      int launches_bundle = 0, launches_grad = 0;
#if VG_HAVE_CUDA
      if (use_gpu) {
        detail::device_stats_engine<bundle> full(table);
        detail::device_stats_engine<detail::plan::grad> gn(grads);
        memcpy_ms = gpu_ms([&] { check(cudaMemcpyAsync(dst, w, copy_bytes, cudaMemcpyDeviceToDevice, stream), "memcpy"); }, iters, stream);
        bundle_ms = gpu_ms([&] { full.launch(stream); }, iters, stream);
        grad_ms = gpu_ms([&] { gn.launch(stream); }, iters, stream);
        cudaGraphExec_t exec = nullptr;
        launches_bundle = launches_per_call(full, stream, &exec);
        launches_grad = launches_per_call(gn, stream, nullptr);
        graph_ms = gpu_ms([&] { check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch"); }, iters, stream);
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        cudaGraphExecDestroy(exec);
        for (char* p : {g, w, e, dst}) cudaFree(p);
      } else
#endif
      {
        memcpy_ms = wall_ms([&] { std::memcpy(dst, w, copy_bytes); }, iters);
        bundle_ms = wall_ms([&] { (void)detail::run_plan<bundle>(table); }, iters);
        grad_ms = wall_ms([&] { (void)detail::run_plan<detail::plan::grad>(grads); }, iters);
      }
      const double memcpy_gbs = 2.0 * copy_bytes / (memcpy_ms * 1e6);
      const std::uint64_t bb = bytes_moved<bundle>(table), gb = bytes_moved<detail::plan::grad>(grads);
      const double bundle_gbs = bb / (bundle_ms * 1e6), grad_gbs = gb / (grad_ms * 1e6);
      std::printf("| %s | %s | %zu | %.1f M | %.1f | %.3f | %.1f (%.0f%%) | %.3f | %.3f | %.1f (%.0f%%) | %d/%d |\n", set.key.c_str(),
                  std::string(dtype_name(t)).c_str(), set.numels.size(), total / 1e6, memcpy_gbs, bundle_ms, bundle_gbs,
                  100 * bundle_gbs / memcpy_gbs, graph_ms, grad_ms, grad_gbs, 100 * grad_gbs / memcpy_gbs, launches_bundle, launches_grad);
      std::fflush(stdout);
      js << (first ? "" : ",") << "{\"set\":\"" << set.key << "\",\"dtype\":\"" << dtype_name(t) << "\",\"tensors\":" << set.numels.size()
         << ",\"params\":" << total << ",\"memcpy_bytes\":" << copy_bytes << ",\"memcpy_ms\":" << memcpy_ms
         << ",\"memcpy_gbs\":" << memcpy_gbs << ",\"bundle_bytes\":" << bb << ",\"bundle_ms\":" << bundle_ms
         << ",\"bundle_gbs\":" << bundle_gbs << ",\"bundle_graph_ms\":" << graph_ms << ",\"grad_bytes\":" << gb
         << ",\"grad_ms\":" << grad_ms << ",\"grad_gbs\":" << grad_gbs << ",\"launches_bundle\":" << launches_bundle
         << ",\"launches_grad\":" << launches_grad << "}";
      first = false;
    }
  }
#if VG_HAVE_CUDA
  if (stream) cudaStreamDestroy(stream);
#endif
  js << "]}";
  if (!json_path.empty()) std::ofstream(json_path) << js.str() << "\n";
  std::printf("bench: 4 rows (%s)%s%s\n", use_gpu ? "GPU" : "CPU reference, scaled-down sets", json_path.empty() ? "" : " -> ",
              json_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flag = [&](const char* f) {
    auto it = std::find(args.begin(), args.end(), f);
    if (it == args.end()) return false;
    args.erase(it);
    return true;
  };
  auto option = [&](const char* f, std::string def) {
    auto it = std::find(args.begin(), args.end(), f);
    if (it == args.end() || it + 1 == args.end()) return def;
    std::string v = *(it + 1);
    args.erase(it, it + 2);
    return v;
  };
  [[maybe_unused]] const bool cpu = flag("--cpu");
  const bool no_huge = flag("--no-huge");
  const std::string json = option("--json", "");
  const int iters = std::stoi(option("--iters", "20"));
  if (args.empty()) {
    std::fprintf(stderr, "usage: gpu_check_driver [--cpu] info|edge|dump FILE|sanitize|bench|version [--json FILE]\n");
    return 2;
  }
  const std::string cmd = args[0];
  if (cmd == "version") {
    std::printf("gpu_check_driver (%s)\n", VG_HAVE_CUDA ? "CUDA build" : "CPU-only build");
    return 0;
  }
#if VG_HAVE_CUDA
  if (!cpu) {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
      std::printf("skipped: no CUDA device (%s)\n", e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
      return 77;
    }
    use_gpu = true;
  }
#endif
  std::printf("[%s] %s\n", use_gpu ? "GPU" : "CPU reference", cmd.c_str());
  int rc = 2;
  if (cmd == "info") rc = cmd_info(json);
  else if (cmd == "edge") rc = cmd_edge(!no_huge, false);
  else if (cmd == "dump" && args.size() == 2) rc = cmd_dump(args[1]);
  else if (cmd == "sanitize") rc = cmd_sanitize();
  else if (cmd == "bench") rc = cmd_bench(json, use_gpu ? iters : std::min(iters, 2));
  else std::fprintf(stderr, "gpu_check_driver: unknown command '%s'\n", cmd.c_str());
  if (failures) std::printf("%d failure(s)\n", failures);
  else if (rc == 0 && (cmd == "edge" || cmd == "sanitize")) std::printf("all checks passed\n");
  return rc;
} catch (const std::exception& ex) {
  std::printf("gpu_check_driver: error: %s\n", ex.what());
  return 1;
}
