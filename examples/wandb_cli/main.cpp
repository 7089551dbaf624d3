// Seed 002's W&B command-line trainer: --wandb_project/--wandb_name/--wandb_tags/--wandb_notes,
// --no_wandb, --experiment <preset>, --config file.json; train metrics every 50 steps, validation
// every 500, parameter histograms every 100 (gradient histograms with log_gradients=true),
// define_metric for val/* (x axis: step; summary min for losses, max for accuracy), and the best
// and final model kept locally with only their metadata logged.
//
//   wandb_cli --wandb_project discover-v2 --wandb_name milan_baseline_experiment_v1 --wandb_tags milan,baseline
//   wandb_cli --experiment milan_baseline --wandb_notes "Experiment notes"
//   wandb_cli --config config/milan_baseline_config.json --no_wandb
#include <vitals.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../common/example_main.hpp"
#include "../common/tiny_mlp.hpp"

struct Config {
  std::string name = "milan";
  double learning_rate = 0.05;
  double temperature = 0.07;  // a preset knob (the seed's ablations vary it)
  int hidden = 32;
  int steps = 3000;
  int batch_size = 32;
  int log_every = 50;         // train/*
  int val_every = 500;        // val/*
  int watch_freq = 100;       // parameter histograms (the seed's wandb_watch_freq)
  bool log_gradients = false; // gradient histograms (the seed's wandb_log_gradients)
  std::uint64_t seed = 0;
};

constexpr int n_in = 8, n_classes = 3;

// Three activity classes from 8 noisy smart-home sensor features (a CASAS-Milan-like toy).
void make_sample(std::mt19937_64& rng, float* x, int& label) {
  std::normal_distribution<float> noise(0.0f, 0.8f);
  label = static_cast<int>(rng() % n_classes);
  for (int i = 0; i < n_in; ++i) x[i] = std::sin(1.3f * static_cast<float>((label + 1) * (i + 1))) + noise(rng);
}

int run_example(int argc, char** argv) {
  auto [cfg, opts, composition, overrides] =
      vitals::app<Config>("Trains an activity classifier with seed 002's W&B command line.")
          .run_defaults({.project = "discover-v2", .sinks = "jsonl,console"})
          .run_fields({.name = "name"})
          .preset("milan_baseline", Config{}, "the baseline")
          .preset("milan_ablation_lr", Config{.name = "milan_ablation_lr", .learning_rate = 0.01}, "a smaller learning rate")
          .parse_or_exit(argc, argv);
  if (cfg.steps < 1 || cfg.batch_size < 1 || cfg.log_every < 1 || cfg.val_every < 1 || cfg.watch_freq < 1 || cfg.hidden < 1 ||
      !(cfg.learning_rate > 0))
    vitals::exit_usage_error("wandb_cli", "steps, batch_size, log_every, val_every, watch_freq, hidden and learning_rate must be > 0");

  const bool use_wandb = opts.wandb;  // --no_wandb: no W&B sink at all
  opts.total_steps = cfg.steps;
  vitals::run run(opts, cfg);
  if (use_wandb) {
    vitals::wandb_options wb;
    wb.metrics = {{.name = "val/loss", .summary = {"min"}, .goal = "minimize"},
                  {.name = "val/accuracy", .summary = {"max"}, .goal = "maximize"}};
    run.attach(vitals::wandb_sink{wb});
  }
  ex::mlp model(n_in, cfg.hidden, n_classes, cfg.seed + 1);
  run.log_model_params(model.parameter_count(), model.parameter_count());

  std::mt19937_64 data_rng(cfg.seed), val_rng(cfg.seed + 99);
  std::vector<float> vx(512 * n_in);
  std::vector<int> vy(512);
  for (std::size_t i = 0; i < vy.size(); ++i) make_sample(val_rng, &vx[i * n_in], vy[i]);
  std::vector<float> x(n_in), h(static_cast<std::size_t>(cfg.hidden)), y(n_classes), dy(n_classes);
  auto xent = [&](int label, double* loss) {
    double mx = std::max({y[0], y[1], y[2]}), z = 0;
    for (float v : y) z += std::exp(v - mx);
    if (loss) *loss += -(y[static_cast<std::size_t>(label)] - mx - std::log(z));
    for (int c = 0; c < n_classes; ++c) dy[static_cast<std::size_t>(c)] = static_cast<float>(std::exp(y[static_cast<std::size_t>(c)] - mx) / z - (c == label));
  };
  double best_val = INFINITY, train_loss = 0;
  int correct = 0, seen = 0;
  auto save = [&](const char* file) {  // the weights stay local; only metadata goes to the run
    const auto path = run.artifact_path(file);
    std::ofstream out(path, std::ios::binary);
    for (const auto& p : model.parameters())
      out.write(reinterpret_cast<const char*>(p.value.data()), static_cast<std::streamsize>(p.value.size() * 4));
    out.close();
    return std::pair{path, static_cast<std::int64_t>(std::filesystem::file_size(path))};
  };
  auto log_histogram = [&](const std::string& key, const std::vector<float>& v, int step) {
    const std::string json = vitals::wandb_histogram::from_samples(v, 32).json();  // the W&B sink writes it as a histogram
    run.log({{key, std::string_view(json)}}, step);
  };
  for (int step = 1; step <= cfg.steps; ++step) {
    model.zero_grad();
    for (int k = 0; k < cfg.batch_size; ++k) {
      int label;
      make_sample(data_rng, x.data(), label);
      model.forward(x.data(), h.data(), y.data());
      xent(label, &train_loss);
      correct += std::max_element(y.begin(), y.end()) - y.begin() == label, ++seen;
      for (auto& d : dy) d /= static_cast<float>(cfg.batch_size);
      model.backward(x.data(), h.data(), dy.data());
    }
    if (cfg.log_gradients && step % cfg.watch_freq == 0)
      for (const auto& p : model.parameters())
        log_histogram("gradients/" + p.name, p.grad, step);
    model.sgd_step(cfg.learning_rate, 0);
    if (step % cfg.log_every == 0) {
      run.log({{"train/loss", train_loss / seen}, {"train/accuracy", static_cast<double>(correct) / seen},
               {"train/lr", cfg.learning_rate}}, step);
      train_loss = 0, correct = 0, seen = 0;
    }
    if (step % cfg.watch_freq == 0)
      for (const auto& p : model.parameters())
        log_histogram("parameters/" + p.name, p.value, step);
    if (step % cfg.val_every == 0 || step == cfg.steps) {
      double vloss = 0;
      int vc = 0;
      for (std::size_t i = 0; i < vy.size(); ++i) {
        model.forward(&vx[i * n_in], h.data(), y.data());
        xent(vy[i], &vloss);
        vc += std::max_element(y.begin(), y.end()) - y.begin() == vy[i];
      }
      vloss /= static_cast<double>(vy.size());
      run.log({{"val/loss", vloss}, {"val/accuracy", static_cast<double>(vc) / static_cast<double>(vy.size())}}, step);
      if (vloss < best_val) {
        best_val = vloss;
        auto [path, bytes] = save("best_model.bin");
        run.summary("best_model/path", std::string_view(path.string()));
        run.summary("best_model/size_bytes", bytes);
        run.summary("best_model/val_loss", vloss);
        run.summary("best_model/step", static_cast<std::int64_t>(step));
      }
    }
  }
  auto [path, bytes] = save("final_model.bin");
  run.summary("final_model/path", std::string_view(path.string()));
  run.summary("final_model/size_bytes", bytes);
  run.summary("final_model/total_params", model.parameter_count());
  run.finish(0);
  std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  return ex::guarded_main("wandb_cli", [&] { return run_example(argc, argv); });
}
