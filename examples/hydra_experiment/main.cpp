// hydra_experiment: the seed's Hydra workflow in C++.
//
//   hydra_experiment exp=001 exp.fold=[0,1,2,3,4] exp.debug=true show_config=true
//
// composes experiments/001-baseline/config.yaml with the overrides (exp/default is ExpConfig
// registered in code, as the seed registers it with Hydra's ConfigStore), then trains the demo MLP
// once per fold: run name "{exp_name}/fold{k}", group = exp_name; exp.debug=true disables remote
// (W&B) logging. `--multirun exp.train.lr=0.1,0.3` runs the whole k-fold once per job.
//
// One front door (vitals::app with a config directory) checks every job's values and run options
// before the first run starts (folds in range, positive sizes, a usable output directory): a
// mistake exits 2 with every problem and leaves no run directory behind.
#include <vitals/app.hpp>
#include <vitals/run.hpp>
#include <vitals/sinks.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../demo/mlp.hpp"

#ifndef HYDRA_EXPERIMENT_CONFIG_DIR
#define HYDRA_EXPERIMENT_CONFIG_DIR "experiments/001-baseline"
#endif

struct TrainConfig {
  int epochs = 3;
  double lr = 0.5;
  double weight_decay = 1e-4;
  int batch_size = 32;
  int hidden = 32;
  int samples = 1500;
};

struct ExpConfig {
  std::string exp_name = "default";
  std::vector<int> fold{0, 1, 2, 3, 4};  // which folds to run (of num_folds)
  int num_folds = 5;
  bool debug = false;
  std::uint64_t seed = 42;
  TrainConfig train;
};

struct Config {
  std::string project = "spirals";
  bool show_config = false;
  std::string output_dir;
  ExpConfig exp;
};

namespace {

struct fold_result {
  double val_loss = 0;
  double val_acc = 0;
};

demo::dataset subset(const demo::dataset& d, const std::vector<std::size_t>& idx) {
  demo::dataset out;
  for (std::size_t i : idx) {
    out.x.push_back(d.x[2 * i]);
    out.x.push_back(d.x[2 * i + 1]);
    out.y.push_back(d.y[i]);
  }
  return out;
}

fold_result train_fold(const ExpConfig& exp, int k, vitals::run& run) {
  const TrainConfig& t = exp.train;
  demo::dataset all = demo::make_spirals(static_cast<std::size_t>(t.samples), 0.02f, exp.seed);
  std::vector<std::size_t> train_idx, val_idx;
  for (std::size_t i = 0; i < all.size(); ++i)
    (static_cast<int>(i % static_cast<std::size_t>(exp.num_folds)) == k ? val_idx : train_idx).push_back(i);
  demo::dataset train = subset(all, train_idx), val = subset(all, val_idx);
  demo::mlp model(t.hidden, exp.seed + static_cast<std::uint64_t>(k) + 1);
  const auto n_params = static_cast<std::int64_t>(model.parameter_count());
  run.log_model_params(n_params, n_params);  // model_params/{total,trainable}_params, model_size_mb
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(exp.seed + 100 + static_cast<std::uint64_t>(k));
  const auto bs = static_cast<std::size_t>(t.batch_size);
  for (int epoch = 0; epoch < t.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    int steps = 0;
    for (std::size_t s = 0; s + bs <= order.size(); s += bs, ++steps) {
      model.zero_grad();
      loss_sum += model.forward_backward(train, std::span(order).subspan(s, bs));
      model.sgd_step(t.lr, t.weight_decay);
    }
    run.log({{"train/loss", steps ? loss_sum / steps : 0.0}, {"epoch", epoch}});
  }
  std::vector<std::size_t> all_val(val.size());
  std::iota(all_val.begin(), all_val.end(), 0);
  fold_result r;
  r.val_loss = model.forward_backward(val, all_val);  // gradients are discarded with the model
  r.val_acc = model.accuracy(val);
  return r;
}

// Where the composition and the runs go: output_dir, or runs/ when it is empty.
std::filesystem::path output_dir(const Config& cfg) { return cfg.output_dir.empty() ? "runs" : cfg.output_dir; }

// One run per fold: name {exp}/fold{k}, tag fold_{k}, on top of the job's options (project and
// group come from the config through run_fields, flags and WANDB_* win); debug mode keeps
// everything local (no W&B sink), as the seed's debug flag does.
vitals::run_options fold_options(const Config& cfg, vitals::run_options ro, int k) {
  ro.name = cfg.exp.exp_name + "/fold" + std::to_string(k);
  ro.tags = {"fold_" + std::to_string(k)};
  ro.dir = output_dir(cfg);
  if (cfg.exp.debug) ro.wandb = false;
  return ro;
}

// Values the types allow but training cannot use, reported with the composer's own problems.
void check_config(const Config& cfg, std::vector<vitals::config::problem>& problems) {
  const ExpConfig& exp = cfg.exp;
  const TrainConfig& t = exp.train;
  auto in_range = [&](const std::string& path, long long v, long long lo, long long hi) {
    if (v < lo || v > hi)
      problems.push_back({path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                                    std::to_string(v), {}});
  };
  in_range("exp.num_folds", exp.num_folds, 2, 1000);
  for (std::size_t i = 0; i < exp.fold.size(); ++i)
    if (exp.fold[i] < 0 || exp.fold[i] >= exp.num_folds)
      problems.push_back({"exp.fold[" + std::to_string(i) + "]", "fold " + std::to_string(exp.fold[i]) + " is outside 0.." +
                                                                     std::to_string(exp.num_folds - 1) + " (exp.num_folds = " +
                                                                     std::to_string(exp.num_folds) + ")", {}});
  if (exp.fold.empty()) problems.push_back({"exp.fold", "no folds to run (give at least one, e.g. exp.fold=[0])", {}});
  in_range("exp.train.epochs", t.epochs, 1, 100000);
  in_range("exp.train.batch_size", t.batch_size, 1, 1 << 20);
  in_range("exp.train.hidden", t.hidden, 1, 4096);
  in_range("exp.train.samples", t.samples, 1, 10000000);
  if (exp.num_folds >= 2 && t.samples >= 1 && t.samples / exp.num_folds < 1)
    problems.push_back({"exp.train.samples", "is smaller than exp.num_folds: a fold would be empty", {}});
  if (!std::isfinite(t.lr) || t.lr < 0) problems.push_back({"exp.train.lr", "must be a finite number >= 0", {}});
  if (!std::isfinite(t.weight_decay) || t.weight_decay < 0)
    problems.push_back({"exp.train.weight_decay", "must be a finite number >= 0", {}});
  try {
    vitals::check_runs_root(output_dir(cfg));
  } catch (const std::exception& e) {
    problems.push_back({"output_dir", e.what(), {}});
  }
}

int run_experiment(int argc, char** argv) {
  // Hydra's ConfigStore: `exp: default` means ExpConfig's defaults.
  vitals::store("exp", "default", ExpConfig{});

  // One job without --multirun; one per combination with it (`exp.train.lr=0.1,0.3 -m`). Every
  // job is composed, typed and checked before the first one starts.
  auto jobs = vitals::app<Config>("k-fold training of the demo MLP, composed Hydra-style.")
                  .compose(HYDRA_EXPERIMENT_CONFIG_DIR)
                  .run_defaults({.sinks = "jsonl,csv,wandb"})
                  .run_fields({.project = "project", .group = "exp.exp_name"})
                  .check(check_config)
                  .jobs_or_exit(argc, argv);
  for (const auto& job : jobs) {
    const Config& cfg = job.config;
    const ExpConfig& exp = cfg.exp;
    // The composed config, the overrides and the defaults-list trace, saved once per job, beside
    // the job's fold runs, so that it can be reproduced with one command (overrides.yaml). (With a
    // hydra.run.dir in the config, job.options.dir is <that dir>/runs and job.save_composition()
    // writes there; this seed names its output directory with its own output_dir field.)
    job.composition->save(output_dir(cfg));
    std::printf("experiment %s: folds %zu of %d, output %s%s\n", exp.exp_name.c_str(), exp.fold.size(), exp.num_folds,
                cfg.output_dir.c_str(), exp.debug ? " (debug: W&B disabled)" : "");
    std::vector<double> losses;
    for (int k : exp.fold) {
      vitals::run_options ro = fold_options(cfg, job.options, k);
      std::printf("run %s (group %s, tags fold_%d)\n", ro.name.c_str(), ro.group.c_str(), k);
      vitals::run run(ro, cfg);  // config.json: the typed config, as config.yaml beside it
      run.log({{"fold", k}, {"experiment_type", std::string_view("kfold")}}, 0);
      fold_result r = train_fold(exp, k, run);
      const std::string prefix = "fold_" + std::to_string(k) + "/";
      run.summary(prefix + "final_val_loss", r.val_loss);
      run.summary(prefix + "final_val_acc", r.val_acc);
      run.finish(0);
      std::printf("  fold_%d/final_val_loss %.4f  fold_%d/final_val_acc %.3f  (%s)\n", k, r.val_loss, k, r.val_acc,
                  run.dir().string().c_str());
      losses.push_back(r.val_loss);
    }
    if (!losses.empty()) {
      double mean = std::accumulate(losses.begin(), losses.end(), 0.0) / static_cast<double>(losses.size());
      double var = 0;
      for (double l : losses) var += (l - mean) * (l - mean);
      double sd = losses.size() > 1 ? std::sqrt(var / static_cast<double>(losses.size() - 1)) : 0.0;
      std::printf("cross-fold val_loss: %.4f +- %.4f over %zu folds\n", mean, sd, losses.size());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A usage error (values, run options, output directory) exits 2 with its message, like the
  // composer's own config errors; anything else is a failure (exit 1). Never std::terminate.
  try {
    return run_experiment(argc, argv);
  } catch (const vitals::usage_error& e) {
    vitals::exit_usage_error("hydra_experiment", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hydra_experiment: error: %s\n", e.what());
    return 1;
  }
}
