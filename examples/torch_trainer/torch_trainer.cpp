// A LibTorch trainer logged with vitals - the complete program docs/torch.md walks through.
//
//   torch_trainer [key=value ...] [--config f.yaml] [--help]
//                 [--wandb_project P --wandb_name N --sinks jsonl,csv --no_wandb ...]
//   torch_trainer smoke=true          # a few steps (what CI runs)
//
// A small MLP classifies two interleaved spirals. Per step: train/loss, gradient statistics before
// clipping, weights and EMA after the optimizer step. Per epoch: step aggregates, validation
// accuracy and output spread, health rules. At the end the model is saved into the run directory
// (or, with WANDB_MODE=disabled, into a temporary directory or VITALS_DISABLED_DIR).
#include <torch/torch.h>

#include <vitals.hpp>
#include <vitals/torch.hpp>

#include <cmath>
#include <cstdio>

struct TrainConfig {
  std::string name = "spirals-torch";
  int epochs = 8;
  int batch_size = 64;
  int samples = 4096;
  int hidden = 64;
  double lr = 1e-2;
  double clip = 1.0;          // max global grad norm (after the statistics are taken)
  double ema_decay = 0.99;
  int log_every = 10;         // steps between train/* rows on the console and in the files
  std::uint64_t seed = 0;
  bool smoke = false;         // 3 epochs of 1024 samples: a CI check
};

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
  vitals::run_options opts;
  opts.project = "vitals-torch";
  opts.sinks = "jsonl,csv,tensorboard,wandb";  // VITALS_SINKS / --sinks replace this list
  opts = vitals::run_options::from_args(argc, argv, opts);
  auto cfg = vitals::cli_parser<TrainConfig>("Trains an MLP with LibTorch and logs it with vitals.").parse_or_exit(argc, argv);
  if (cfg.smoke) {
    cfg.epochs = 3;
    cfg.samples = 1024;
  }
  if (cfg.epochs < 1 || cfg.batch_size < 1 || cfg.samples < cfg.batch_size || cfg.hidden < 1 || cfg.log_every < 1)
    throw vitals::invalid_option("epochs, batch_size, hidden and log_every must be positive, samples >= batch_size");

  auto [x, y] = make_spirals(cfg.samples, cfg.seed);
  const int n_val = cfg.samples / 8;
  auto x_val = x.slice(0, 0, n_val), y_val = y.slice(0, 0, n_val);
  auto x_train = x.slice(0, n_val), y_train = y.slice(0, n_val);
  const std::int64_t steps_per_epoch = x_train.size(0) / cfg.batch_size;

  torch::nn::Sequential model(torch::nn::Linear(2, cfg.hidden), torch::nn::ReLU(),
                              torch::nn::Linear(cfg.hidden, cfg.hidden), torch::nn::ReLU(),
                              torch::nn::Linear(cfg.hidden, 2));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(cfg.lr));

  opts.name = opts.name.empty() ? cfg.name : opts.name;
  opts.total_steps = steps_per_epoch * cfg.epochs;
  vitals::run run(opts, cfg);                              // runs/<name>_<id>/config.json
  run.attach(vitals::console{.every = cfg.log_every});     // one console, whatever VITALS_SINKS says

  // Once: model size, dataset baseline, the parameters (with an EMA) and the health monitor.
  const auto counts = vitals::count_params(*model);
  run.log_model_params(counts.total, counts.trainable, counts.bytes_per_param());
  auto data = vitals::make_data_stats(x_train, 1, {"x", "y"});
  data.add(x_train);
  run.log(data.metrics().metrics(), 0, false);             // data_stats/* join step 0's row
  vitals::torch_watch watch(*model, {.ema_decay = static_cast<float>(cfg.ema_decay), .every = cfg.log_every});
  vitals::health_monitor monitor({.run_dir = run.dir()});
  monitor.send_alerts_to(run);                             // each alert once, on every sink
  vitals::epoch_tracker epoch_stats;

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
      const double grad_norm = watch.gradients(run, step);  // before clipping
      torch::nn::utils::clip_grad_norm_(model->parameters(), cfg.clip);
      optimizer.step();
      watch.after_step(run, step);                          // EMA update, weights + EMA diff
      const double l = loss.item<double>();
      epoch_stats.on_step(grad_norm, l);
      if (step % cfg.log_every == 0) run.log({{"train/loss", l}, {"epoch", epoch}}, step);
    }
    // Per epoch, at the epoch's last step (steps only go forward): aggregates, validation, health.
    const std::int64_t last = step - 1;
    vitals::metric_list m = epoch_stats.end_epoch();
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
    const auto weights = watch.weights();
    const auto wm = weights.to_metrics();
    run.log(m.metrics(), last, false);
    monitor.observe(m);
    monitor.observe(wm);
    run.log(monitor.evaluate(epoch).metrics, last, true);
  }

  torch::save(model, run.artifact_path("model.pt").string());
  run.summary("final/val_accuracy", best_acc);
  run.finish(0);
  if (!run.disabled()) std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  try {
    return train(argc, argv);
  } catch (const vitals::usage_error& e) {
    vitals::exit_usage_error("torch_trainer", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torch_trainer: error: %s\n", e.what());
    return 1;
  }
}
