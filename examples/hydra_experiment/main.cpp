// hydra_experiment: the seed's Hydra workflow in C++.
//
//   hydra_experiment exp=001 exp.fold=[0,1,2,3,4] exp.debug=true show_config=true
//
// composes experiments/001-baseline/config.yaml with the overrides (exp/default is ExpConfig
// registered in code, as the seed registers it with Hydra's ConfigStore), then trains the demo MLP
// once per fold: run name "{exp_name}/fold{k}", group = exp_name; exp.debug=true disables remote
// (W&B) logging. `--multirun exp.train.lr=0.1,0.3` runs the whole k-fold once per job.
#include <vitals/compose.hpp>
#include <vitals/run.hpp>
#include <vitals/sinks.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

}  // namespace

int main(int argc, char** argv) {
  // Hydra's ConfigStore: `exp: default` means ExpConfig's defaults.
  vitals::store("exp", "default", ExpConfig{});

  // One config without --multirun; one per job with it (`exp.train.lr=0.1,0.3 -m`).
  auto jobs = vitals::sweep_with_info<Config>(argc, argv, {.config_dir = HYDRA_EXPERIMENT_CONFIG_DIR});
  for (const auto& [cfg, composition] : jobs) {
    const ExpConfig& exp = cfg.exp;
    // The composed config, the overrides and the defaults-list trace, saved so that this run can be
    // reproduced with one command (the overrides in overrides.yaml).
    composition.save(cfg.output_dir);
    std::printf("experiment %s: folds %zu of %d, output %s%s\n", exp.exp_name.c_str(), exp.fold.size(), exp.num_folds,
                cfg.output_dir.c_str(), exp.debug ? " (debug: W&B disabled)" : "");
    std::vector<double> losses;
    for (int k : exp.fold) {
      if (k < 0 || k >= exp.num_folds) {
        std::fprintf(stderr, "exp.fold: fold %d is outside 0..%d\n", k, exp.num_folds - 1);
        return 1;
      }
      const std::string run_name = exp.exp_name + "/fold" + std::to_string(k);
      std::printf("run %s (group %s, tags fold_%d)\n", run_name.c_str(), exp.exp_name.c_str(), k);
      // One run per fold: name {exp}/fold{k}, group = experiment, tag fold_{k}; debug mode keeps
      // everything local (no W&B sink), as the seed's debug flag does.
      vitals::run_options ro;
      ro.project = cfg.project;
      ro.name = run_name;
      ro.group = exp.exp_name;
      ro.tags = {"fold_" + std::to_string(k)};
      ro.dir = cfg.output_dir.empty() ? "runs" : cfg.output_dir;
      ro.sinks = "jsonl,csv,wandb";
      ro.wandb = !exp.debug;
      ro.config_json = vitals::config::to_json(composition.config);
      vitals::run run(ro);
      composition.save(run.dir());  // config.yaml, overrides.yaml, defaults.yaml beside the run
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
