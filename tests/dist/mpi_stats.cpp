// One rank of mpi_oracle.py's job (mpirun -np 4): builds this rank's data, batch losses and
// parameter shards, merges them over MPI_COMM_WORLD with vitals::dist, and writes its raw inputs
// (*.f32/*.f64, for numpy) and its merged results (result_<rank>.json) to <outdir>.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "vitals/dist/merge.hpp"
#include "vitals/dist/mpi.hpp"

namespace {

std::string out_dir;
int rank = 0;

template <class T>
void dump(const std::string& name, const std::vector<T>& v) {
  std::FILE* f = std::fopen((out_dir + "/" + name).c_str(), "wb");
  if (!f || std::fwrite(v.data(), sizeof(T), v.size(), f) != v.size()) throw std::runtime_error("cannot write " + name);
  std::fclose(f);
}

std::vector<float> normal(std::size_t n, unsigned seed, float mean, float sd) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(mean, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

struct json_object {
  std::string s = "{";
  void num(const std::string& k, double v) {
    s += (s.size() > 1 ? ", \"" : "\"") + k + "\": ";
    char b[64];
    std::snprintf(b, sizeof b, std::isfinite(v) ? "%.17g" : "null", v);
    s += b;
  }
  void raw(const std::string& k, const std::string& v) { s += (s.size() > 1 ? ", \"" : "\"") + k + "\": " + v; }
  std::string str() const { return s + "}"; }
};

std::string param_json(const vitals::param_stats_result& r) {
  json_object o;
  o.num("grad_norm", r.grad_norm());
  o.num("grad_absmax", r.grad_absmax());
  o.num("weight_mean", r.weight_mean());
  o.num("weight_std", r.weight_std());
  o.num("weight_min", r.weight_min());
  o.num("weight_max", r.weight_max());
  o.num("weight_count", static_cast<double>(r.total.weight.count));
  o.num("ema_diff", r.ema_diff());
  o.num("ema_diff_l2", r.ema_diff_l2());
  o.num("ema_diff_rel", r.ema_diff_rel());
  std::string norms = "[", hist = "[";
  for (std::size_t t = 0; t < r.per_tensor.size(); ++t) {
    char num[64];
    std::snprintf(num, sizeof num, "%s%.17g", t ? ", " : "", r.per_tensor[t].grad.l2());
    norms += num;
  }
  for (std::size_t b = 0; b < r.histogram.counts.size(); ++b) hist += (b ? ", " : "") + std::to_string(r.histogram.counts[b]);
  o.raw("tensor_grad_norms", norms + "]");
  o.raw("histogram", hist + "]");
  o.num("underflow", static_cast<double>(r.histogram.underflow));
  o.num("overflow", static_cast<double>(r.histogram.overflow));
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  try {
    if (argc != 2) throw std::invalid_argument("usage: dist_mpi_stats <outdir>");
    out_dir = argv[1];
    vitals::dist::mpi_communicator comm(MPI_COMM_WORLD);
    rank = comm.rank();
    const int world = comm.size();
    const auto ur = static_cast<unsigned>(rank);
    json_object out;

    // Per-rank data: a batch of [samples][3 channels] around a large mean (|mean| >> std).
    const auto batch = normal(3 * (400 + 111 * ur), 100 + ur, 1000.0f + 0.5f * static_cast<float>(rank), 0.25f);
    dump("data_" + std::to_string(rank) + ".f32", batch);
    vitals::data_stats ds({"a", "b", "c"});
    ds.add(batch);
    vitals::dist::merge(comm, ds);
    const auto data_metrics = ds.metrics();
    for (const auto& [k, v] : data_metrics.entries()) out.num(k, v);

    // Step statistics: losses differ per rank, the global grad norm is the same everywhere.
    vitals::epoch_step_stats steps;
    std::vector<double> losses;
    for (int k = 0; k < 6; ++k) {
      losses.push_back(1.0 + rank + 0.1 * k * (rank + 1));
      steps.add_step(0.5 + 0.01 * k, losses.back());
    }
    dump("losses_" + std::to_string(rank) + ".f64", losses);
    vitals::dist::merge(comm, steps, {.check_replicas = true});
    const auto step_metrics = steps.metrics();
    for (const auto& [k, v] : step_metrics.entries()) out.num(k, v);
    out.num("batch_loss_count", static_cast<double>(steps.batch_loss().count));
    out.num("grad_norm_count", static_cast<double>(steps.grad_norm().count));

    // Accuracy: correct and seen summed over ranks.
    double counts[2] = {50.0 + rank, 64.0};
    vitals::dist::sum(comm, counts);
    out.num("accuracy", counts[0] / counts[1]);

    // Parameters: two tensors, the same full values on every rank (fixed seeds).
    constexpr vitals::stat_set S = vitals::stat_set::all();
    vitals::param_stats_options opt;
    opt.histogram_lo = -4;
    opt.histogram_hi = 4;
    opt.histogram_bins = 40;
    const std::size_t numel[2] = {20011, 777};
    std::vector<float> grad[2], weight[2], ema[2];
    for (int t = 0; t < 2; ++t) {
      grad[t] = normal(numel[t], 11 + t, 0.0f, 1e-3f);
      weight[t] = normal(numel[t], 21 + t, 0.05f, 1.0f);
      ema[t] = normal(numel[t], 31 + t, 0.05f, 1.0f);
    }
    auto table = [&](const std::vector<std::size_t>& begin, const std::vector<std::size_t>& end, std::vector<float>* w) {
      vitals::tensor_table tt;
      for (int t = 0; t < 2; ++t) {
        vitals::param_tensor p;
        p.name = t ? "b" : "a";
        p.numel = end[t] - begin[t];
        p.grad.data = grad[t].data() + begin[t];
        p.weight.data = w[t].data() + begin[t];
        p.ema.data = ema[t].data() + begin[t];
        tt.add(p);
      }
      return tt;
    };
    // Sharded (FSDP/ZeRO): rank r holds an uneven contiguous piece of each tensor.
    auto cut = [&](std::size_t n, int r) { return r == world ? n : n * static_cast<std::size_t>(r * r + r) / static_cast<std::size_t>(world * world + world); };
    std::vector<std::size_t> b0 = {cut(numel[0], rank), cut(numel[1], rank)};
    std::vector<std::size_t> e0 = {cut(numel[0], rank + 1), cut(numel[1], rank + 1)};
    for (int t = 0; t < 2; ++t) {
      const std::string tag = std::to_string(rank) + "_" + std::to_string(t) + ".f32";
      dump("grad_" + tag, std::vector<float>(grad[t].begin() + b0[t], grad[t].begin() + e0[t]));
      dump("weight_" + tag, std::vector<float>(weight[t].begin() + b0[t], weight[t].begin() + e0[t]));
      dump("ema_" + tag, std::vector<float>(ema[t].begin() + b0[t], ema[t].begin() + e0[t]));
    }
    auto sharded = vitals::compute_param_stats<S>(table(b0, e0, weight), opt);
    vitals::dist::merge(comm, sharded, vitals::dist::tensor_kind::sharded);
    out.raw("sharded", param_json(sharded));

    // Replicated (DDP): every rank holds the whole tensors; merging is a no-op, checked equal.
    auto replicated = vitals::compute_param_stats<S>(table({0, 0}, {numel[0], numel[1]}, weight), opt);
    vitals::dist::merge(comm, replicated, vitals::dist::tensor_kind::replicated, {.check_replicas = true});
    out.raw("replicated", param_json(replicated));

    // Diverged replicas: rank 1's weights differ in one element; every rank must notice.
    std::vector<float> diverged[2] = {weight[0], weight[1]};
    if (rank == 1) diverged[0][7] += 1e-3f;
    double caught = 0;
    try {
      auto d = vitals::compute_param_stats<S>(table({0, 0}, {numel[0], numel[1]}, diverged), opt);
      vitals::dist::merge(comm, d, vitals::dist::tensor_kind::replicated, {.check_replicas = true});
    } catch (const vitals::dist::replica_mismatch&) {
      caught = 1;
    }
    vitals::dist::sum(comm, std::span<double>(&caught, 1));
    out.num("ranks_that_caught_divergence", caught);

    std::FILE* f = std::fopen((out_dir + "/result_" + std::to_string(rank) + ".json").c_str(), "w");
    if (!f) throw std::runtime_error("cannot write result");
    std::fputs((out.str() + "\n").c_str(), f);
    std::fclose(f);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
