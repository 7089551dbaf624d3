// A LibTorch trainer logged with vitals - the complete program docs/torch.md walks through.
//
//   torch_trainer [key=value ...] [--config f.yaml] [--help] [--show-config]
//                 [--wandb_project P --wandb_name N --sinks jsonl,csv --no_wandb ...]
//   torch_trainer smoke=true          # a few steps (what CI runs)
//
// A small MLP classifies two interleaved spirals. The front door (vitals::app) reads the whole
// command line; the run's health monitor (vitals::watch_health) reads the rows; the parameters are
// watched as wandb.watch does (vitals::torch_watch): gradient and weight statistics every
// log_every steps, parameters/<name> and gradients/<name> histograms every histogram_every steps,
// an EMA of the weights updated every step. Per epoch: validation accuracy and output spread, the
// monitor's step aggregates and health rules. At the end the model is saved into the run
// directory (or, with WANDB_MODE=disabled, into a temporary directory or VITALS_DISABLED_DIR).
#include <torch/torch.h>

#include <vitals.hpp>
#include <vitals/torch.hpp>

#include <cmath>
#include <cstdio>

#include "../common/example_main.hpp"

struct TrainConfig {
  std::string name = "spirals-torch";
  int epochs = 8;
  int batch_size = 64;
  int samples = 4096;
  int hidden = 64;
  double lr = 1e-2;
  double clip = 1.0;          // max global grad norm (after the statistics are taken)
  double ema_decay = 0.99;
  int log_every = 10;         // steps between train/* rows and parameter statistics
  int histogram_every = 50;   // steps between parameters/* and gradients/* histograms
  std::uint64_t seed = 0;
  bool smoke = false;         // 3 epochs of 1024 samples: a CI check
};

void check_config(const TrainConfig& c, std::vector<vitals::config::problem>& problems) {
  auto positive = [&](const char* key, long long v) {
    if (v < 1) problems.push_back({key, "must be >= 1, got " + std::to_string(v), {}});
  };
  positive("epochs", c.epochs);
  positive("batch_size", c.batch_size);
  positive("hidden", c.hidden);
  positive("log_every", c.log_every);
  positive("histogram_every", c.histogram_every);
  if (c.samples < c.batch_size) problems.push_back({"samples", "must be >= batch_size", {}});
  if (!(c.ema_decay > 0 && c.ema_decay <= 1)) problems.push_back({"ema_decay", "must be in (0, 1]", {}});
}

// Two spirals in 2-D, labels 0/1, shuffled.
std::pair<torch::Tensor, torch::Tensor> make_spirals(int n, std::uint64_t seed) {
  torch::manual_seed(static_cast<std::uint64_t>(seed));
  auto t = torch::rand({n}) * 3 * M_PI + 0.5;
  auto label = torch::randint(0, 2, {n}, torch::kLong);
  auto sign = label.to(torch::kFloat) * 2 - 1;
  auto x = torch::stack({sign * t * torch::cos(t), sign * t * torch::sin(t)}, 1) / 10;
  x += 0.02 * torch::randn_like(x);
  return {x, label};
}

int train(int argc, char** argv) {
  auto [cfg, opts, composition, overrides] =
      vitals::app<TrainConfig>("Trains an MLP with LibTorch and logs it with vitals.")
          .run_defaults({.project = "vitals-torch", .sinks = "jsonl,csv,tensorboard,wandb"})
          .run_fields({.name = "name"})
          .check(check_config)
          .parse_or_exit(argc, argv);
  if (cfg.smoke) {
    cfg.epochs = 3;
    cfg.samples = 1024;
  }

  auto [x, y] = make_spirals(cfg.samples, cfg.seed);
  const int n_val = cfg.samples / 8;
  auto x_val = x.slice(0, 0, n_val), y_val = y.slice(0, 0, n_val);
  auto x_train = x.slice(0, n_val), y_train = y.slice(0, n_val);
  const std::int64_t steps_per_epoch = x_train.size(0) / cfg.batch_size;

  torch::nn::Sequential model(torch::nn::Linear(2, cfg.hidden), torch::nn::ReLU(),
                              torch::nn::Linear(cfg.hidden, cfg.hidden), torch::nn::ReLU(),
                              torch::nn::Linear(cfg.hidden, 2));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(cfg.lr));

  opts.total_steps = steps_per_epoch * cfg.epochs;
  vitals::run run(opts, cfg);                              // runs/<name>_<id>/config.json
  run.attach(vitals::console{.every = cfg.log_every});     // one console, whatever VITALS_SINKS says
  vitals::watch_health(run);                               // rules on the committed rows, alerts to every sink

  // Once: the parameters (registered with an EMA), model size, dataset baseline.
  vitals::torch_watch<> watch(*model,
                              {.log_freq = cfg.log_every, .histogram_freq = cfg.histogram_every},
                              static_cast<float>(cfg.ema_decay));
  vitals::log_model_params(run, watch.counts());          // model_params/* in config and summary
  auto data = vitals::make_data_stats(x_train, 1, {"x", "y"});
  data.add(x_train);
  run.log(data.metrics().metrics(), 0, false);             // data_stats/* join step 0's row

  std::int64_t step = 0;
  double best_acc = 0;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    model->train();
    auto perm = torch::randperm(x_train.size(0));
    for (std::int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
      auto idx = perm.slice(0, s * cfg.batch_size, (s + 1) * cfg.batch_size);
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(x_train.index({idx})), y_train.index({idx}));
      loss.backward();
      watch.step(run, step);        // before clipping: train/grad_norm, model/weight_*, histograms when due
      torch::nn::utils::clip_grad_norm_(model->parameters(), cfg.clip);
      optimizer.step();
      watch.update_ema(run, step);  // e <- d*e + (1-d)*w; model/ema_diff* when due
      if (step % cfg.log_every == 0) run.log({{"train/loss", loss.item<double>()}, {"epoch", epoch}}, step);
    }
    // Per epoch, at the epoch's last step (steps only go forward): validation, then end_epoch()
    // commits the row and the monitor adds its aggregates and evaluates the rules on it.
    const std::int64_t last = step - 1;
    vitals::metric_list m;
    {
      torch::NoGradGuard no_grad;
      model->eval();
      auto logits = model->forward(x_val);
      const double acc = logits.argmax(1).eq(y_val).to(torch::kFloat).mean().item<double>();
      best_acc = std::max(best_acc, acc);
      m.set("val/accuracy", acc);
      vitals::generation_stats gen;
      gen.add(logits.select(1, 1) - logits.select(1, 0));  // spread of the predicted margins
      gen.append_to(m);
    }
    // The weights and EMA as they end the epoch, for the rules on model/* (read only).
    const auto weights = vitals::compute_param_stats<vitals::param_stat::weight | vitals::param_stat::ema_diff>(watch.table());
    run.log(weights.to_metrics(), last, false);
    run.log(m.metrics(), last, false);
    run.end_epoch();
  }

  torch::save(model, run.artifact_path("model.pt").string());
  run.summary("final/val_accuracy", best_acc);
  run.finish(0);
  if (!run.disabled()) std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) { return ex::guarded_main("torch_trainer", [&] { return train(argc, argv); }); }
