// Seed 003's training-health monitor on a small gait generator trained in plain C++: every metric
// of the seed under its exact name, the default health rules, and pathologies that make them fire.
//
//   health_monitor [key=value ...] [--config f.yaml] [--sinks jsonl,csv,console,wandb] [--help]
//   health_monitor pathology=exploding       # none | exploding | vanishing | plateau | mode_collapse | dead_neurons
//
// The task: from a gait phase and a subject's speed and amplitude, generate the knee angle (rad),
// its velocity and the vertical ground reaction force (N) of that subject's gait cycle.
// README.md lists, for each pathology, exactly which alerts it raises and why.
#include <vitals.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../common/example_main.hpp"
#include "../common/tiny_mlp.hpp"

enum class Pathology { none, exploding, vanishing, plateau, mode_collapse, dead_neurons };

struct Config {  // seed 003's sweep hyper-parameters under its names
  std::string name = "gait";
  std::string project = "vitals-health";
  double learning_rate = 0.05;
  double weight_decay = 1e-4;
  int batch_size = 64;
  int pseudo_dataset_len = 4096;  // samples (subject, phase) per epoch
  int epochs = 60;
  int window_len = 32;            // phases per generated gait cycle at validation
  int num_params = 0;             // filled in from the model
  int num_train_trials = 16;      // subjects
  int hidden = 32;
  int val_every = 10;             // generated-sample checks every N epochs (the seed: 50)
  double ema_decay = 0.99;
  std::uint64_t seed = 0;
  Pathology pathology = Pathology::none;
  bool seed_rules = false;        // true: seed 003's absolute thresholds (vitals::seed003_rules)
};

void check_config(const Config& c, std::vector<vitals::config::problem>& problems) {
  auto in_range = [&](const char* path, long long v, long long lo, long long hi) {
    if (v < lo || v > hi)
      problems.push_back({path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v), {}});
  };
  in_range("batch_size", c.batch_size, 1, 1 << 16);
  in_range("pseudo_dataset_len", c.pseudo_dataset_len, 1, 1 << 24);
  in_range("epochs", c.epochs, 1, 100000);
  in_range("window_len", c.window_len, 2, 4096);
  in_range("num_train_trials", c.num_train_trials, 1, 4096);
  in_range("hidden", c.hidden, 1, 1024);
  in_range("val_every", c.val_every, 1, 100000);
  if (!(c.learning_rate >= 0 && std::isfinite(c.learning_rate))) problems.push_back({"learning_rate", "must be a finite number >= 0", {}});
  if (!(c.weight_decay >= 0 && std::isfinite(c.weight_decay))) problems.push_back({"weight_decay", "must be a finite number >= 0", {}});
  if (!(c.ema_decay >= 0 && c.ema_decay <= 1)) problems.push_back({"ema_decay", "must be between 0 and 1", {}});
}

constexpr double pi = 3.14159265358979;
constexpr int n_in = 6, n_out = 3;  // inputs: phase (4 harmonics), speed, amplitude; outputs: knee, knee velocity, GRF

struct subject { double speed, amplitude; };

// One subject's gait at phase p in [0, 1): knee angle (rad), its phase derivative, vertical GRF (N).
void gait(const subject& s, double p, double out[3]) {
  const double w = 2 * pi;
  out[0] = s.amplitude * (0.55 + 0.5 * std::sin(w * p - 1.0) + 0.15 * std::sin(2 * w * p + 0.5));
  out[1] = s.amplitude * (0.5 * w * std::cos(w * p - 1.0) + 0.3 * w * std::cos(2 * w * p + 0.5));
  const double stance = 0.6;
  out[2] = p < stance ? 700 * s.speed * (std::sin(pi * p / stance) + 0.25 * std::sin(3 * pi * p / stance)) : 0.0;
}

void features(const subject& s, double p, float x[n_in]) {
  const double w = 2 * pi;
  x[0] = static_cast<float>(std::sin(w * p)), x[1] = static_cast<float>(std::cos(w * p));
  x[2] = static_cast<float>(std::sin(2 * w * p)), x[3] = static_cast<float>(std::cos(2 * w * p));
  x[4] = static_cast<float>((s.speed - 1.2) / 0.23), x[5] = static_cast<float>((s.amplitude - 1.0) / 0.115);
}

int run_example(int argc, char** argv) {
  auto [cfg, opts, composition, overrides] =
      vitals::app<Config>("Trains a gait generator and monitors its training health (seed 003).")
          .run_defaults({.sinks = "jsonl,csv,console,wandb"})
          .run_fields({.project = "project", .name = "name"})
          .check(check_config)
          .parse_or_exit(argc, argv);

  // Pathologies: what goes wrong in a real run, made deterministic.
  double lr = cfg.learning_rate, wd = cfg.weight_decay;
  float grad_scale = 1.0f;
  bool zero_inputs = false;
  switch (cfg.pathology) {
    case Pathology::exploding: lr *= 40; break;                // learning rate far too high
    case Pathology::vanishing: grad_scale = 1e-5f; break;      // mixed-precision unscale applied twice
    case Pathology::plateau: lr = 0; break;                    // a scheduler that ends at 0 from the start
    case Pathology::mode_collapse: zero_inputs = true; break;  // the loader hands the model zeros
    case Pathology::dead_neurons: lr = 1e-3, wd = 1000; break; // lr x weight_decay = 1: every step erases the weights
    case Pathology::none: break;
  }

  // Subjects and samples; targets normalised with the training set's own mean and std.
  std::mt19937_64 rng(cfg.seed);
  std::uniform_real_distribution<double> speed(0.8, 1.6), amp(0.8, 1.2), phase(0.0, 1.0);
  std::vector<subject> subjects(static_cast<std::size_t>(cfg.num_train_trials));
  for (auto& s : subjects) s = {speed(rng), amp(rng)};
  const auto n = static_cast<std::size_t>(cfg.pseudo_dataset_len);
  std::vector<float> x(n * n_in), y(n * n_out);
  std::vector<double> raw(n * n_out);
  for (std::size_t i = 0; i < n; ++i) {
    const subject& s = subjects[i % subjects.size()];
    const double p = phase(rng);
    features(s, p, &x[i * n_in]);
    gait(s, p, &raw[i * n_out]);
  }
  double mean[n_out] = {}, stdev[n_out] = {};
  for (int c = 0; c < n_out; ++c) {
    for (std::size_t i = 0; i < n; ++i) mean[c] += raw[i * n_out + c] / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) stdev[c] += std::pow(raw[i * n_out + c] - mean[c], 2) / static_cast<double>(n);
    stdev[c] = std::sqrt(stdev[c]);
  }
  for (std::size_t i = 0; i < n * n_out; ++i) y[i] = static_cast<float>((raw[i] - mean[i % n_out]) / stdev[i % n_out]);
  if (zero_inputs) std::fill(x.begin(), x.end(), 0.0f);

  ex::mlp model(n_in, cfg.hidden, n_out, cfg.seed + 1);
  cfg.num_params = static_cast<int>(model.parameter_count());
  const std::size_t steps_per_epoch = std::max<std::size_t>(1, n / static_cast<std::size_t>(cfg.batch_size));
  opts.total_steps = static_cast<std::int64_t>(steps_per_epoch) * cfg.epochs;
  vitals::run run(opts, cfg);
  run.log_model_params(model.parameter_count(), model.parameter_count());
  // The default rules on train/grad_norm_*, batch_loss_*, is_improving... An epoch counts as
  // improving when its loss fell by more than 0.1%: the batch-level drift term makes the epoch loss
  // of a stalled run wobble by ~0.03%, which the default (0.01%) would count as progress.
  const vitals::health_options health{.progress = {.min_rel_delta = 1e-3}};
  if (cfg.seed_rules) vitals::watch_health(run, health, vitals::health_monitor(vitals::seed003_rules));
  else vitals::watch_health(run, health);

  // 2. the data baseline: normalised targets, per channel.
  vitals::data_stats data({"knee", "knee_vel", "grf_vz"});
  data.add(std::span<const float>(y));
  run.log(data.metrics().metrics(), 0);

  std::vector<std::vector<float>> ema;
  vitals::tensor_table table;
  for (auto& p : model.parameters()) ema.push_back(p.value);
  for (std::size_t i = 0; i < model.parameters().size(); ++i) {
    auto& p = model.parameters()[i];
    table.add(p.name, p.value.size(), vitals::dtype::f32, p.grad.data(), p.value.data(), ema[i].data());
  }
  const vitals::param_stats_options stats_opts{.ema_decay = static_cast<float>(cfg.ema_decay)};

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<float> h(static_cast<std::size_t>(cfg.hidden)), out(n_out), dy(n_out);
  vitals::loss_components components;
  std::int64_t step = 0;
  double last_loss = 0;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double epoch_loss = 0;
    for (std::size_t s = 0; s < steps_per_epoch; ++s, ++step) {
      model.zero_grad();
      const auto b = static_cast<std::size_t>(cfg.batch_size);
      double simple = 0, vel = 0, fk = 0, drift_err = 0, slide = 0;
      std::vector<float> outs(b * n_out);
      for (std::size_t k = 0; k < b; ++k) {  // forward: the batch's outputs, for the batch-level drift term
        const std::size_t i = order[(s * b + k) % n];
        model.forward(&x[i * n_in], h.data(), &outs[k * n_out]);
        drift_err += (outs[k * n_out] - y[i * n_out]) / static_cast<double>(b);
      }
      for (std::size_t k = 0; k < b; ++k) {  // loss terms and backward
        const std::size_t i = order[(s * b + k) % n];
        const float* o = &outs[k * n_out];
        const float* t = &y[i * n_out];
        const bool swing = raw[i * n_out + 2] == 0.0;
        const float e0 = o[0] - t[0], e1 = o[1] - t[1], e2 = o[2] - t[2];
        simple += e0 * e0 / b, vel += e1 * e1 / b, fk += e2 * e2 / b;
        if (swing) slide += 0.1 * e2 * e2 / b;
        dy[0] = (2 * e0 + 0.2f * static_cast<float>(drift_err)) / static_cast<float>(b);
        dy[1] = 2 * e1 / static_cast<float>(b);
        dy[2] = (2 * e2 + (swing ? 0.2f * e2 : 0.0f)) / static_cast<float>(b);
        model.forward(&x[i * n_in], h.data(), out.data());
        model.backward(&x[i * n_in], h.data(), dy.data());
      }
      const double drift = 0.1 * drift_err * drift_err;
      const double loss = simple + vel + fk + drift + slide;
      if (grad_scale != 1.0f) model.scale_grad(grad_scale);
      const double grad_norm = vitals::compute_param_stats<vitals::param_stat::grad>(table).grad_norm();
      model.sgd_step(lr, wd);
      vitals::update_ema(table, stats_opts);
      components.add({{"simple", simple}, {"vel", vel}, {"fk", fk}, {"drift", drift}, {"slide", slide}});
      epoch_loss += loss / static_cast<double>(steps_per_epoch);
      run.log({{"train/loss", loss}, {"train/grad_norm", grad_norm}, {"train/lr", lr}, {"epoch", epoch}}, step);
    }
    // The epoch's row: weights and EMA (5, 6), loss components (8), total loss.
    const auto params = vitals::compute_param_stats<vitals::param_stat::weight | vitals::param_stat::ema_diff>(table);
    run.log(params.to_metrics(), step - 1);
    run.log(components.metrics().metrics(), step - 1);
    components.reset();
    run.log({{"train/total_loss", epoch_loss}}, step - 1);
    last_loss = epoch_loss;
    // 9-11. generated samples: one gait cycle of window_len phases per subject, in physical units.
    if ((epoch + 1) % cfg.val_every == 0 || epoch + 1 == cfg.epochs) {
      vitals::generation_stats gen;
      std::vector<float> all, knee, grf;
      float xi[n_in];
      for (const auto& subj : subjects)
        for (int w = 0; w < cfg.window_len; ++w) {
          features(subj, static_cast<double>(w) / cfg.window_len, xi);
          if (zero_inputs) std::fill(std::begin(xi), std::end(xi), 0.0f);
          model.forward(xi, h.data(), out.data());
          all.insert(all.end(), out.begin(), out.end());
          knee.push_back(static_cast<float>(out[0] * stdev[0] + mean[0]));
          grf.push_back(static_cast<float>(out[2] * stdev[2] + mean[2]));
        }
      gen.add(std::span<const float>(all));
      auto k = vitals::accumulate(std::span<const float>(knee));
      auto g = vitals::accumulate(std::span<const float>(grf));
      run.log(gen.metrics().metrics(), step - 1);
      run.log({{"validation/knee_r_std", std::sqrt(k.variance())}, {"validation/knee_r_mean", k.mean},
               {"validation/knee_healthy", std::sqrt(k.variance()) > 0.1 ? 1 : 0},
               {"validation/grf_vz_r_std", std::sqrt(g.variance())}, {"validation/grf_vz_r_mean", g.mean},
               {"validation/grf_healthy", std::sqrt(g.variance()) > 10 ? 1 : 0}},
              step - 1);
    }
    run.log({{"epoch", epoch}}, step - 1);
    run.end_epoch();
  }
  run.summary("final/total_loss", last_loss);
  run.finish(0);
  std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  return ex::guarded_main("health_monitor", [&] { return run_example(argc, argv); });
}
