// GPU tests of the fused parameter statistics (ctest label `gpu`): the kernels against the CPU
// reference, run-to-run bit identity, the fused EMA update, the histogram with the previous call's
// range, and a CUDA-graph capture (counting its kernel nodes: 2, whatever the tensor count) that is
// replayed. Without a CUDA device it prints "skipped: no CUDA device" and exits 77 (ctest SKIP).
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <random>
#include <string>
#include <vector>

#include "vitals/cuda.cuh"

using namespace vitals;

namespace {

int failures = 0;
#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::printf("%s:%d: EXPECT(%s) failed\n", __FILE__, __LINE__, #cond);   \
      ++failures;                                                             \
    }                                                                         \
  } while (0)

bool close(double a, double b, double rtol) { return std::abs(a - b) <= rtol * std::max(std::abs(b), 1e-30); }

/// One parameter on host and device: grad, weight, ema of one dtype, the device copies offset by
/// `misalign` bytes.
struct gpu_param {
  std::string name;
  std::uint64_t n;
  dtype t;
  std::size_t mis;
  std::vector<unsigned char> hg, hw, he;
  unsigned char *dg = nullptr, *dw = nullptr, *de = nullptr;

  gpu_param(std::string nm, std::uint64_t n_, dtype t_, std::size_t mis_, std::mt19937& rng)
      : name(std::move(nm)), n(n_), t(t_), mis(mis_) {
    const std::size_t bytes = n * dtype_size(t);
    hg.resize(bytes), hw.resize(bytes), he.resize(bytes);
    std::normal_distribution<float> nd;
    for (std::uint64_t i = 0; i < n; ++i) {
      store_from_float(hg.data(), i, t, nd(rng) * 1e-2f);
      const float w = nd(rng) * 0.1f;
      store_from_float(hw.data(), i, t, w);
      store_from_float(he.data(), i, t, w + nd(rng) * 1e-3f);
    }
    for (auto** d : {&dg, &dw, &de}) detail::cuda_check(cudaMalloc(d, bytes + 64), "cudaMalloc(test)");
    dg += mis, dw += mis, de += mis;
    reset_device();
  }
  void reset_device() {
    cudaMemcpy(dg, hg.data(), hg.size(), cudaMemcpyHostToDevice);
    cudaMemcpy(dw, hw.data(), hw.size(), cudaMemcpyHostToDevice);
    cudaMemcpy(de, he.data(), he.size(), cudaMemcpyHostToDevice);
  }
  ~gpu_param() { cudaFree(dg - mis), cudaFree(dw - mis), cudaFree(de - mis); }
};

void compare(const tensor_stats& g, const tensor_stats& c, const char* what) {
  const double tol = 1e-5;
  if (g.grad.count != c.grad.count || g.weight.count != c.weight.count || g.ema_diff.count != c.ema_diff.count ||
      g.grad.nonfinite != c.grad.nonfinite || g.weight.nonfinite != c.weight.nonfinite) {
    std::printf("%s: counts differ\n", what);
    ++failures;
  }
  EXPECT(close(g.grad.sum_sq, c.grad.sum_sq, tol));
  EXPECT(g.grad.absmax == c.grad.absmax);
  EXPECT(close(g.weight.mean, c.weight.mean, tol) || std::abs(g.weight.mean - c.weight.mean) < 1e-9);
  EXPECT(close(g.weight.m2, c.weight.m2, tol));
  EXPECT(close(g.weight.sum_abs, c.weight.sum_abs, tol));
  EXPECT(g.weight.count == 0 || (g.weight.min == c.weight.min && g.weight.max == c.weight.max));
  EXPECT(close(g.ema_diff.sum_sq, c.ema_diff.sum_sq, 1e-4));
  EXPECT(close(g.ema_diff.sum_abs, c.ema_diff.sum_abs, 1e-4));
}

template <unsigned S>
void run_against_reference(std::vector<gpu_param>& ps, const param_stats_options& opt) {
  tensor_table dev, host;
  for (auto& p : ps) {
    dev.add(param_tensor{p.name, p.n, {p.dg, p.t}, {p.dw, p.t}, {p.de, p.t}});
    host.add(param_tensor{p.name, p.n, {p.hg.data(), p.t}, {p.hw.data(), p.t}, {p.he.data(), p.t}});
  }
  detail::device_stats_engine<S> st(dev, opt);
  st.launch(nullptr);
  const auto g = st.result();
  const auto c = detail::run_plan<S>(host, opt);  // updates host EMA the same way
  compare(g.total, c.total, "total");
  for (std::size_t i = 0; i < ps.size(); ++i) compare(g.per_tensor[i], c.per_tensor[i], ps[i].name.c_str());
  if constexpr ((S & detail::plan::ema_update) != 0) {
    for (auto& p : ps) {  // fused EMA update: bit-identical to the CPU reference (no FMA contraction)
      std::vector<unsigned char> back(p.he.size());
      cudaMemcpy(back.data(), p.de, back.size(), cudaMemcpyDeviceToHost);
      for (std::uint64_t i = 0; i < p.n; ++i) {
        const float a = load_as_float(back.data(), i, p.t), b = load_as_float(p.he.data(), i, p.t);
        if (a != b && !(a != a && b != b)) {
          std::printf("ema %s[%llu]: %g vs %g\n", p.name.c_str(), static_cast<unsigned long long>(i), a, b);
          ++failures;
          break;
        }
      }
    }
  }
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("skipped: no CUDA device\n");
    return 77;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  std::printf("device: %s\n", prop.name);

  std::mt19937 rng(11);
  std::vector<gpu_param> ps;
  ps.reserve(16);
  ps.emplace_back("a", 1000, dtype::f32, 0, rng);
  ps.emplace_back("b", 16384 * 5 + 3, dtype::f32, 4, rng);
  ps.emplace_back("empty", 0, dtype::f32, 0, rng);
  ps.emplace_back("c", 40001, dtype::bf16, 2, rng);
  ps.emplace_back("d", 777, dtype::f16, 6, rng);
  ps.emplace_back("e", 5, dtype::f32, 0, rng);
  ps.emplace_back("big", 3'000'001, dtype::bf16, 0, rng);

  param_stats_options opt;
  opt.ema_decay = 0.9f;
  opt.histogram_lo = -0.3f;
  opt.histogram_hi = 0.3f;
  opt.histogram_bins = 32;
  run_against_reference<detail::plan::grad | detail::plan::weight | detail::plan::ema_diff | detail::plan::weight_histogram>(ps, opt);
  run_against_reference<detail::plan::all>(ps, opt);
  run_against_reference<detail::plan::grad>(ps, opt);
  for (auto& p : ps) p.reset_device();

  // Bit-identical run to run; the histogram matches the CPU reference exactly.
  tensor_table dev, host;
  for (auto& p : ps) {
    dev.add(param_tensor{p.name, p.n, {p.dg, p.t}, {p.dw, p.t}, {p.de, p.t}});
    host.add(param_tensor{p.name, p.n, {p.hg.data(), p.t}, {p.hw.data(), p.t}, {p.he.data(), p.t}});
  }
  constexpr unsigned S = detail::plan::grad | detail::plan::weight | detail::plan::ema_diff | detail::plan::weight_histogram;
  {
    detail::device_stats_engine<S> st(dev, opt);
    st.launch(nullptr);
    const auto r1 = st.result();
    st.launch(nullptr);
    const auto r2 = st.result();
    EXPECT(std::memcmp(&r1.total, &r2.total, sizeof(tensor_stats)) == 0);
    EXPECT(std::memcmp(r1.per_tensor.data(), r2.per_tensor.data(), r1.per_tensor.size() * sizeof(tensor_stats)) == 0);
    const auto c = detail::run_plan<S>(host, opt);
    EXPECT(r1.histogram.counts == c.histogram.counts);
    EXPECT(r1.histogram.underflow == c.histogram.underflow && r1.histogram.overflow == c.histogram.overflow);
  }
  {  // Histogram from the previous call's range: none on the first call, then [min, max].
    param_stats_options auto_opt = opt;
    auto_opt.histogram_lo = auto_opt.histogram_hi = 0;
    detail::device_stats_engine<S> st(dev, auto_opt);
    st.launch(nullptr);
    const auto r1 = st.result();
    EXPECT(!r1.histogram.valid());
    st.launch(nullptr);
    const auto r2 = st.result();
    EXPECT(r2.histogram.valid());
    EXPECT(r2.histogram.lo == static_cast<float>(r1.total.weight.min));
    EXPECT(r2.histogram.underflow == 0 && r2.histogram.overflow == 0);
    // The histogram alone still tracks its next range (weight moments are kept for it).
    detail::device_stats_engine<detail::plan::weight_histogram> h(dev, auto_opt);
    h.launch(nullptr);
    EXPECT(!h.result().histogram.valid());
    h.launch(nullptr);
    const auto r3 = h.result();
    EXPECT(r3.histogram.valid());
    EXPECT(r3.histogram.counts == r2.histogram.counts);
  }

  // CUDA graph: capture, count kernel nodes, replay, compare with the eager results.
  {
    cudaStream_t stream;
    cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
    detail::device_stats_engine<S> st(dev, opt);
    st.launch(stream);
    const auto eager = st.result();
    cudaGraph_t graph;
    detail::cuda_check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "begin capture");
    st.launch(stream);
    detail::cuda_check(cudaStreamEndCapture(stream, &graph), "end capture");
    std::size_t n = 0;
    cudaGraphGetNodes(graph, nullptr, &n);
    std::vector<cudaGraphNode_t> nodes(n);
    cudaGraphGetNodes(graph, nodes.data(), &n);
    int kernels = 0;
    for (auto node : nodes) {
      cudaGraphNodeType type;
      cudaGraphNodeGetType(node, &type);
      kernels += type == cudaGraphNodeTypeKernel;
    }
    std::printf("graph: %zu nodes, %d kernel nodes for %zu tensors\n", n, kernels, dev.size());
    EXPECT(kernels == 2);
    cudaGraphExec_t exec;
    detail::cuda_check(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
    for (int k = 0; k < 3; ++k) {
      detail::cuda_check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
      const auto r = st.result();
      EXPECT(std::memcmp(&r.total, &eager.total, sizeof(tensor_stats)) == 0);
      EXPECT(r.histogram.counts == eager.histogram.counts);
    }
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaStreamDestroy(stream);
  }

  // Many tiny tensors: still two kernels, still equal to the reference.
  {
    std::vector<gpu_param> tiny;
    tiny.reserve(300);
    for (int i = 0; i < 300; ++i) tiny.emplace_back("t" + std::to_string(i), 1 + (i * 37) % 200, dtype::f32, 0, rng);
    run_against_reference<detail::plan::grad | detail::plan::weight | detail::plan::ema_diff>(tiny, opt);
  }

  // The watch: device_param_watch logs what param_watch (the CPU reference) logs, at the same
  // steps, with the public typed API (device_param_stats<S>, device_ema_update<>).
  {
    struct key_log {
      std::map<std::int64_t, std::map<std::string, std::string>> text;
      std::map<std::int64_t, std::map<std::string, double>> num;
      void log(std::span<const metric> m, std::optional<std::int64_t> s, std::optional<bool>) {
        for (const auto& x : m) {
          if (x.value.type == metric_value::kind::string) text[*s][std::string(x.key)] = std::string(x.value.s);
          else num[*s][std::string(x.key)] = x.value.as_double();
        }
      }
    } gpu_log, cpu_log;
    for (auto& p : ps) p.reset_device();
    tensor_table dev, host;
    for (auto& p : ps) {
      dev.add(param_tensor{p.name, p.n, {p.dg, p.t}, {p.dw, p.t}, {p.de, p.t}});
      host.add(param_tensor{p.name, p.n, {p.hg.data(), p.t}, {p.hw.data(), p.t}, {p.he.data(), p.t}});
    }
    const watch_options wo{.log_freq = 2, .histogram_freq = 3, .histogram_bins = 16, .loss_scale = 4};
    device_param_watch<param_stat::grad | param_stat::weight | param_stat::ema_diff> gw(dev, wo);
    param_watch<param_stat::grad | param_stat::weight | param_stat::ema_diff> cw(host, wo);
    for (int step = 1; step <= 6; ++step) {
      const auto g = gw.step(gpu_log, step), c = cw.step(cpu_log, step);
      EXPECT(g.has_value() == c.has_value());
      if (g && c) EXPECT(close(*g, *c, 1e-5));
    }
    EXPECT(gpu_log.text == cpu_log.text);  // histograms: same keys, same steps, same bins
    EXPECT(gpu_log.num.size() == cpu_log.num.size());
    for (const auto& [step, row] : cpu_log.num)
      for (const auto& [k, v] : row) EXPECT(gpu_log.num.count(step) && gpu_log.num[step].count(k) && close(gpu_log.num[step][k], v, 1e-5));
    device_param_stats<param_stat::grad> typed(dev);
    typed.launch(nullptr);
    EXPECT(close(typed.result().grad_norm(), cw.last().grad_norm() * 4, 1e-5));  // the raw (scaled) norm
    device_ema_update<> ema(dev, opt);
    ema.launch(nullptr);
    EXPECT(ema.result().computed == stat_set(param_stat::ema_diff));
  }

  detail::cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  if (failures) {
    std::printf("%d failure(s)\n", failures);
    return 1;
  }
  std::printf("all GPU checks passed\n");
  return 0;
}
