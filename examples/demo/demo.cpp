// The vitals demo: trains a small MLP on two spirals in plain C++, with a typed config, a run
// directory, JSONL/CSV/console/W&B sinks, per-epoch training-health metrics and health alerts.
//
//   demo --config examples/demo/config.yaml [key=value ...] [--show-config] [--help]
//        [--wandb_project P --wandb_name N --wandb_tags a,b --no_wandb --sinks jsonl,csv,tensorboard]
//   demo pathology=exploding     # LR x1000: the exploding-gradient/weight alerts fire
//   demo pathology=plateau       # LR = 0: the plateau alert fires after 10 epochs
//
// Every mistake a user can make (a bad flag, value, file, sink name or runs directory) is
// reported on stderr with exit code 2 before any run directory exists; see check_config.
#include <vitals.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "mlp.hpp"

enum class Pathology { none, exploding, plateau };

struct Optim {
  double lr = 0.5;
  double weight_decay = 1e-4;
  double ema_decay = 0.99;
};

struct DemoConfig {
  std::string name = "spirals";
  std::string project = "vitals-demo";
  int epochs = 3;
  int batch_size = 32;
  int hidden = 64;
  int train_size = 4096;
  int log_every = 1;   // steps between train/* rows (the health monitor's step statistics read them)
  std::uint64_t seed = 0;
  Pathology pathology = Pathology::none;
  Optim optim;
};

// Values the types allow but training cannot use, reported with the parser's own problems: sizes
// and cadences must be positive, and bounded so that a typo cannot allocate without limit.
void check_config(const DemoConfig& cfg, std::vector<vitals::config::problem>& problems) {
  auto in_range = [&](const char* path, long long v, long long lo, long long hi) {
    if (v < lo || v > hi)
      problems.push_back({path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                                    std::to_string(v), {}});
  };
  in_range("epochs", cfg.epochs, 1, 100000);
  in_range("batch_size", cfg.batch_size, 1, 1 << 20);
  in_range("hidden", cfg.hidden, 1, 4096);
  in_range("train_size", cfg.train_size, 1, 10000000);
  in_range("log_every", cfg.log_every, 1, 1 << 30);
  if (cfg.batch_size >= 1 && cfg.train_size >= 1 && cfg.batch_size > cfg.train_size)
    problems.push_back({"batch_size", "is larger than train_size (" + std::to_string(cfg.batch_size) + " > " +
                                          std::to_string(cfg.train_size) + "): an epoch would have no step", {}});
  if (!std::isfinite(cfg.optim.lr) || cfg.optim.lr < 0) problems.push_back({"optim.lr", "must be a finite number >= 0", {}});
  if (!std::isfinite(cfg.optim.weight_decay) || cfg.optim.weight_decay < 0)
    problems.push_back({"optim.weight_decay", "must be a finite number >= 0", {}});
  if (!(cfg.optim.ema_decay >= 0 && cfg.optim.ema_decay <= 1)) problems.push_back({"optim.ema_decay", "must be between 0 and 1", {}});
}

int run_demo(int argc, char** argv) {
  // One front door: run flags, --config, key=value overrides, --show-config and --help; every
  // problem at once, exit 2, before anything is created. The config's project and name feed the
  // run unless --wandb_project / WANDB_PROJECT (or --wandb_name / WANDB_NAME) say otherwise.
  auto [cfg, opts, composition, overrides] =
      vitals::app<DemoConfig>("Trains a small MLP on two spirals and logs it with vitals.")
          .run_defaults({.sinks = "jsonl,csv,console,wandb,tensorboard"})
          .run_fields({.project = "project", .name = "name"})
          .check(check_config)
          .parse_or_exit(argc, argv);

  double lr = cfg.optim.lr;
  if (cfg.pathology == Pathology::exploding) lr *= 1000;
  if (cfg.pathology == Pathology::plateau) lr = 0;

  demo::dataset data = demo::make_spirals(static_cast<std::size_t>(cfg.train_size), 0.02f, cfg.seed);
  demo::mlp model(cfg.hidden, cfg.seed + 1);
  const std::size_t steps_per_epoch = data.size() / static_cast<std::size_t>(cfg.batch_size);

  opts.total_steps = static_cast<std::int64_t>(steps_per_epoch) * cfg.epochs;
  vitals::run run(opts, cfg);  // config.json, W&B's config: the typed config
  run.log_model_params(static_cast<std::int64_t>(model.parameter_count()),
                       static_cast<std::int64_t>(model.parameter_count()));
  // The health monitor reads the committed rows on the writer thread (train/loss, train/grad_norm
  // per step; model/* per epoch) and evaluates at each end_epoch(); alerts reach every sink.
  vitals::watch_health(run);

  // The parameter view the health statistics read: weights, grads and an EMA copy of the weights.
  std::vector<std::vector<float>> ema;
  for (const auto& p : model.parameters()) ema.push_back(p.value);
  vitals::tensor_table table;
  for (std::size_t i = 0; i < model.parameters().size(); ++i) {
    auto& p = model.parameters()[i];
    table.add(p.name, p.value.size(), vitals::dtype::f32, p.grad.data(), p.value.data(), ema[i].data());
  }
  const vitals::param_stats_options stats_opts{.ema_decay = static_cast<float>(cfg.optim.ema_decay)};

  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(cfg.seed + 2);
  std::int64_t step = 0;
  double last_loss = 0;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t s = 0; s < steps_per_epoch; ++s, ++step) {
      model.zero_grad();
      auto batch = std::span(order).subspan(s * static_cast<std::size_t>(cfg.batch_size),
                                            static_cast<std::size_t>(cfg.batch_size));
      const double loss = model.forward_backward(data, batch);
      const double grad_norm = vitals::compute_param_stats<vitals::param_stat::grad>(table).grad_norm();
      model.sgd_step(lr, cfg.optim.weight_decay);
      vitals::update_ema(table, stats_opts);  // θ_ema ← d·θ_ema + (1−d)·θ
      last_loss = loss;
      if (step % cfg.log_every == 0)
        run.log({{"train/loss", loss}, {"train/grad_norm", grad_norm}, {"train/lr", lr}, {"epoch", epoch}}, step);
    }
    // The epoch's values join its last step's row (W&B's step rule: steps only go forward);
    // end_epoch() commits that row and the monitor evaluates on it.
    const auto params = vitals::compute_param_stats<vitals::param_stat::weight | vitals::param_stat::ema_diff>(table);
    run.log(params.to_metrics(), step - 1);
    run.log({{"val/accuracy", model.accuracy(data)}, {"epoch", epoch}}, step - 1);
    run.end_epoch();
  }

  run.summary("final/train_loss", last_loss);
  run.summary("final/accuracy", model.accuracy(data));
  run.finish(0);
  std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  // A usage error (flags, config, sink names, runs directory) is the user's to fix: a message and
  // exit code 2, as argparse does; anything else is a failure (exit 1). Never std::terminate.
  try {
    return run_demo(argc, argv);
  } catch (const vitals::usage_error& e) {
    vitals::exit_usage_error("demo", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo: error: %s\n", e.what());
    return 1;
  }
}
