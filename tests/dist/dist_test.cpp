// Rank detection, run ids the ranks agree on, rank-aware runs, and the merge rules, with ranks
// simulated by threads (the MPI and numpy tests are dist_mpi_oracle.py and dist_run_oracle.py).
#include <stdlib.h>

#include <barrier>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "vitals/dist/merge.hpp"
#include "vitals/dist/rank.hpp"
#include "vitals/health/array_stats.hpp"
#include "vitals/run/run.hpp"

namespace {

const char* const launcher_vars[] = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                                     "OMPI_COMM_WORLD_LOCAL_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID",
                                     "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "TORCHELASTIC_RUN_ID",
                                     "SLURM_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_STEP_ID", "OMPI_MCA_ess_base_jobid",
                                     "PMIX_NAMESPACE", "WANDB_RUN_ID", "VITALS_RANK_MODE", "VITALS_SINKS"};

// Clears every launcher variable for the test's lifetime (ctest may itself run under a launcher).
struct clean_env {
  std::vector<std::pair<std::string, std::string>> saved;
  clean_env() {
    for (const char* k : launcher_vars) {
      if (const char* v = std::getenv(k)) saved.emplace_back(k, v);
      ::unsetenv(k);
    }
  }
  ~clean_env() {
    for (const char* k : launcher_vars) ::unsetenv(k);
    for (auto& [k, v] : saved) ::setenv(k.c_str(), v.c_str(), 1);
  }
  void set(const char* k, const char* v) { ::setenv(k, v, 1); }
};

// `n` ranks as threads: allreduce_sum adds every thread's words.
struct thread_world {
  explicit thread_world(int n) : size(n), bufs(static_cast<std::size_t>(n)), sync(n) {}
  int size;
  std::vector<std::vector<std::uint64_t>> bufs;
  std::barrier<> sync;

  void run(const std::function<void(vitals::dist::communicator&)>& body);
};

struct thread_comm final : vitals::dist::communicator {
  thread_world& w;
  int r;
  thread_comm(thread_world& world, int rank) : w(world), r(rank) {}
  int rank() const override { return r; }
  int size() const override { return w.size; }
  void allreduce_sum(std::span<std::uint64_t> words) override {
    w.bufs[static_cast<std::size_t>(r)].assign(words.begin(), words.end());
    w.sync.arrive_and_wait();
    for (std::size_t i = 0; i < words.size(); ++i) {
      std::uint64_t s = 0;
      for (const auto& b : w.bufs) s += b.at(i);
      words[i] = s;
    }
    w.sync.arrive_and_wait();  // nobody overwrites its buffer before everyone has read
  }
};

void thread_world::run(const std::function<void(vitals::dist::communicator&)>& body) {
  std::vector<std::thread> ts;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r)
    ts.emplace_back([&, r] {
      thread_comm c(*this, r);
      try {
        body(c);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  for (auto& t : ts) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::vector<float> random_values(std::size_t n, unsigned seed, float offset, float scale) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = offset + scale * d(g);
  return v;
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

}  // namespace

TEST_CASE("rank detection reads each launcher's variables; explicit values win") {
  clean_env env;
  auto r = vitals::detect_rank();
  CHECK(r.rank == 0);
  CHECK(r.world_size == 1);
  CHECK(r.source == "none");

  env.set("SLURM_PROCID", "5");
  env.set("SLURM_NTASKS", "8");
  env.set("SLURM_LOCALID", "1");
  r = vitals::detect_rank();
  CHECK((r.rank == 5 && r.world_size == 8 && r.local_rank == 1 && r.source == "slurm"));

  env.set("PMI_RANK", "2");
  env.set("PMI_SIZE", "4");
  r = vitals::detect_rank();
  CHECK((r.rank == 2 && r.world_size == 4 && r.local_rank == 0 && r.source == "pmi"));

  env.set("OMPI_COMM_WORLD_RANK", "3");
  env.set("OMPI_COMM_WORLD_SIZE", "4");
  env.set("OMPI_COMM_WORLD_LOCAL_RANK", "3");
  r = vitals::detect_rank();
  CHECK((r.rank == 3 && r.local_rank == 3 && r.source == "openmpi"));

  // torchrun under srun: torchrun's numbering is the training code's.
  env.set("RANK", "1");
  env.set("WORLD_SIZE", "2");
  env.set("LOCAL_RANK", "1");
  r = vitals::detect_rank();
  CHECK((r.rank == 1 && r.world_size == 2 && r.source == "torchrun"));

  r = vitals::detect_rank(0, 1, 0);
  CHECK((r.rank == 0 && r.world_size == 1 && r.source == "explicit"));

  env.set("RANK", "x1");
  CHECK_THROWS_AS(vitals::detect_rank(), std::invalid_argument);
  env.set("RANK", "2");
  CHECK_THROWS_WITH(vitals::detect_rank(), Catch::Contains("outside [0, 2)"));
  CHECK(vitals::env_rank_or_zero() == 0);  // malformed: decide nothing, rank 0 prints
}

TEST_CASE("ranks agree on a run id derived from the launcher's job id") {
  clean_env env;
  CHECK(vitals::job_key_from_env().empty());
  env.set("TORCHELASTIC_RUN_ID", "none");  // torchrun without --rdzv-id: not a job id
  CHECK(vitals::job_key_from_env().empty());
  env.set("SLURM_JOB_ID", "4242");
  env.set("SLURM_ARRAY_TASK_ID", "3");
  CHECK(vitals::job_key_from_env() == "slurm:4242_3");
  env.set("TORCHELASTIC_RUN_ID", "c0ffee");
  CHECK(vitals::job_key_from_env() == "torchelastic:c0ffee");

  const auto a = vitals::run_id_from_key("slurm:1", 0);
  CHECK(a == vitals::run_id_from_key("slurm:1", 0));
  CHECK(a != vitals::run_id_from_key("slurm:1", 1));
  CHECK(a != vitals::run_id_from_key("slurm:2", 0));
  REQUIRE(a.size() == 8);
  for (char c : a) CHECK(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')));
}

TEST_CASE("rank_zero runs: only rank 0 writes; per_rank runs: one run per rank in one group") {
  clean_env env;
  auto root = std::filesystem::temp_directory_path() / ("vitals-dist-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  env.set("TORCHELASTIC_RUN_ID", "job-1");
  auto opts = [&](int rank) {
    vitals::run_options o;
    o.project = "dist";
    o.name = "exp";
    o.dir = root;
    o.sinks = "jsonl";
    o.report = false;
    o.capture_git = false;
    o.handle_signals = false;
    o.rank = rank;
    o.world_size = 2;
    return o;
  };
  std::string id0, id1;
  {
    // Both "ranks" live in this process: each creates its first run of the job.
    vitals::dist::detail::distributed_runs_created() = 0;
    vitals::run r1(opts(1));
    CHECK(!r1.writes());
    CHECK(r1.rank() == 1);
    r1.log({{"loss", 1.0}});  // nothing, cheaply
    r1.summary("x", 1.0);
    id1 = r1.id();
    CHECK(!std::filesystem::exists(root));
    vitals::dist::detail::distributed_runs_created() = 0;
    vitals::run r0(opts(0));
    CHECK(r0.writes());
    r0.log({{"loss", 1.0}});
    id0 = r0.id();
  }
  CHECK(id0 == id1);
  CHECK(!id0.empty());
  std::size_t dirs = 0;
  for (auto& e : std::filesystem::directory_iterator(root)) dirs += e.is_directory();
  CHECK(dirs == 1);

  std::filesystem::remove_all(root);
  for (int r = 0; r < 2; ++r) {
    auto o = opts(r);
    o.ranks = vitals::rank_mode::per_rank;
    vitals::run run(o);
    CHECK(run.writes());
    CHECK(run.name() == "exp-rank" + std::to_string(r));
    CHECK(run.info().group == "exp");
    CHECK(run.id().ends_with("-rank" + std::to_string(r)));
  }
  dirs = 0;
  for (auto& e : std::filesystem::directory_iterator(root)) dirs += e.is_directory();
  CHECK(dirs == 2);
  std::filesystem::remove_all(root);

  // Bad rank values are usage errors (exit code 2 through exit_usage_error).
  auto bad = opts(5);
  CHECK_THROWS_AS(vitals::run(bad), vitals::invalid_option);
  ::unsetenv("TORCHELASTIC_RUN_ID");
  auto unnamed = opts(0);
  unnamed.name.clear();
  unnamed.ranks = vitals::rank_mode::per_rank;
  CHECK_THROWS_WITH(vitals::run(unnamed), Catch::Contains("per-rank runs need a name"));
}

TEST_CASE("a run id is broadcast from rank 0 over a communicator") {
  clean_env env;
  thread_world w(3);
  std::vector<std::string> got(3);
  w.run([&](vitals::dist::communicator& c) {
    got[static_cast<std::size_t>(c.rank())] =
        vitals::dist::broadcast_from_zero(c, c.rank() == 0 ? std::string("abc123xyz") : std::string("ignored"));
  });
  CHECK(got == std::vector<std::string>(3, "abc123xyz"));
}

TEST_CASE("data statistics merged over ranks equal the statistics of all ranks' data") {
  thread_world w(4);
  std::vector<std::vector<float>> batches;
  for (unsigned r = 0; r < 4; ++r) batches.push_back(random_values(3 * (500 + 77 * r), r, 1000.0f + static_cast<float>(r), 0.5f));
  std::vector<float> all;
  for (auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  vitals::data_stats whole({"a", "b", "c"});
  whole.add(all);

  std::vector<vitals::accumulator> merged_total(4);
  w.run([&](vitals::dist::communicator& c) {
    vitals::data_stats mine({"a", "b", "c"});
    mine.add(batches[static_cast<std::size_t>(c.rank())]);
    vitals::dist::merge(c, mine);
    merged_total[static_cast<std::size_t>(c.rank())] = mine.total();
  });
  for (const auto& m : merged_total) {
    CHECK(m.count == whole.total().count);
    CHECK(rel(m.mean, whole.total().mean) < 1e-12);
    CHECK(rel(m.variance(), whole.total().variance()) < 1e-9);
    CHECK(m.min == whole.total().min);
    CHECK(m.max == whole.total().max);
    // Every rank holds the same bits.
    CHECK(m.mean == merged_total[0].mean);
    CHECK(m.m2 == merged_total[0].m2);
  }
}

TEST_CASE("sharded parameters merge into whole-tensor statistics; replicated ones are not merged") {
  constexpr vitals::stat_set S = vitals::param_stat::grad | vitals::param_stat::weight | vitals::param_stat::weight_histogram;
  const std::size_t numel = 10007;
  const auto grad = random_values(numel, 7, 0.0f, 0.01f), weight = random_values(numel, 8, 0.1f, 1.0f);
  vitals::param_stats_options opt;
  opt.histogram_lo = -3;
  opt.histogram_hi = 3;
  opt.histogram_bins = 16;
  auto table_of = [&](std::size_t begin, std::size_t end) {
    vitals::tensor_table t;
    vitals::param_tensor p;
    p.name = "w";
    p.numel = end - begin;
    p.grad.data = grad.data() + begin;
    p.weight.data = weight.data() + begin;
    t.add(p);
    p.name = "empty";  // a tensor this rank holds no piece of
    p.numel = 0;
    t.add(p);
    return t;
  };
  const auto whole = vitals::compute_param_stats<S>(table_of(0, numel), opt);

  thread_world w(4);
  std::vector<vitals::param_stats_result> sharded(4), replicated(4);
  w.run([&](vitals::dist::communicator& c) {
    const auto r = static_cast<std::size_t>(c.rank());
    const std::size_t cuts[] = {0, 1000, 5003, 5004, numel};  // uneven shards, one of a single element
    auto s = vitals::compute_param_stats<S>(table_of(cuts[r], cuts[r + 1]), opt);
    vitals::dist::merge(c, s, vitals::dist::tensor_kind::sharded);
    sharded[r] = s;
    auto p = vitals::compute_param_stats<S>(table_of(0, numel), opt);
    vitals::dist::merge(c, p, vitals::dist::tensor_kind::replicated, {.check_replicas = true});
    replicated[r] = p;
  });
  for (std::size_t r = 0; r < 4; ++r) {
    CHECK(rel(sharded[r].grad_norm(), whole.grad_norm()) < 1e-6);
    CHECK(rel(sharded[r].weight_std(), whole.weight_std()) < 1e-6);
    CHECK(sharded[r].weight_min() == whole.weight_min());
    CHECK(sharded[r].weight_max() == whole.weight_max());
    CHECK(sharded[r].total.weight.count == numel);
    CHECK(sharded[r].histogram.counts == whole.histogram.counts);
    CHECK(sharded[r].per_tensor.at(1).weight.count == 0);
    // Replicated: the single-process value, not sqrt(4) times it.
    CHECK(replicated[r].grad_norm() == whole.grad_norm());
  }

  // Diverged replicas are reported on every rank.
  thread_world w2(2);
  CHECK_THROWS_AS(w2.run([&](vitals::dist::communicator& c) {
    auto p = vitals::compute_param_stats<S>(table_of(0, c.rank() == 0 ? numel : numel - 1), opt);
    vitals::dist::merge(c, p, vitals::dist::tensor_kind::replicated, {.check_replicas = true});
  }), vitals::dist::replica_mismatch);
}

TEST_CASE("step statistics: batch losses merged, the replicated grad norm kept; sums and means") {
  thread_world w(3);
  std::vector<vitals::epoch_step_stats> out(3);
  std::vector<double> acc(3), loss(3);
  w.run([&](vitals::dist::communicator& c) {
    const double r = c.rank();
    vitals::epoch_step_stats s;
    for (int k = 0; k < 5; ++k) s.add_step(2.0 + k, 10 * r + k);  // same grad norms, different losses
    vitals::dist::merge(c, s, {.check_replicas = true});
    out[static_cast<std::size_t>(c.rank())] = s;
    double counts[2] = {10 + r, 20};  // correct, seen
    vitals::dist::sum(c, counts);
    acc[static_cast<std::size_t>(c.rank())] = counts[0] / counts[1];
    loss[static_cast<std::size_t>(c.rank())] = vitals::dist::mean(c, r, 1 + r);
  });
  for (int r = 0; r < 3; ++r) {
    CHECK(out[r].batch_loss().count == 15);
    CHECK(out[r].batch_loss().mean == Approx(12.0).epsilon(1e-14));  // mean of {0..4, 10..14, 20..24}
    CHECK(out[r].grad_norm().count == 5);
    CHECK(out[r].grad_norm().mean == Approx(4.0));
    CHECK(acc[r] == Approx(33.0 / 60));
    CHECK(loss[r] == Approx((0 * 1 + 1 * 2 + 2 * 3) / 6.0));
  }
}
