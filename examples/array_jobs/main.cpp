// Seed 001's array jobs: each instance is one run in runs/{run_name}_{run_id}/ with config.json
// written at start and state.pth (the trained weights) at the end; SLURM_ARRAY_TASK_ID picks the
// hyper-parameter setting, so `sbatch --array=0-2` (or launch.sh) trains three settings at once.
//
//   SLURM_ARRAY_TASK_ID=1 array_jobs [key=value ...]      # setting 1 of the table below
//   launch.sh ARRAY_JOBS RUNS_DIR                          # three in parallel, then checks the dirs
//
// The task: a small denoiser ("score network") for 1-D Kolmogorov-like periodic fields.
#include <vitals.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../common/example_main.hpp"
#include "../common/tiny_mlp.hpp"

struct Config {  // the seed's CONFIG dictionary, trimmed to what this model has
  int window = 16;
  int embedding = 32;  // hidden width
  int epochs = 20;
  int batch_size = 32;
  std::string optimizer = "SGD";
  double learning_rate = 0.05;
  double weight_decay = 1e-3;
  std::string scheduler = "linear";
  int train_size = 2048;
  std::uint64_t seed = 0;
};

struct setting { double learning_rate; int embedding; double weight_decay; };
constexpr setting settings[] = {{0.05, 32, 1e-3}, {0.02, 64, 1e-3}, {0.1, 16, 1e-4}};

int run_example(int argc, char** argv) {
  auto [cfg, opts, composition, overrides] =
      vitals::app<Config>("Trains one setting of a hyper-parameter array (seed 001); SLURM_ARRAY_TASK_ID picks it.")
          .run_defaults({.project = "kolmogorov", .sinks = "jsonl"})
          .parse_or_exit(argc, argv);
  if (const char* id = std::getenv("SLURM_ARRAY_TASK_ID")) {
    char* end = nullptr;
    const long i = std::strtol(id, &end, 10);
    if (*id == '\0' || *end != '\0' || i < 0 || i >= static_cast<long>(std::size(settings)))
      vitals::exit_usage_error("array_jobs", std::string("SLURM_ARRAY_TASK_ID: must be an integer from 0 to ") +
                                                 std::to_string(std::size(settings) - 1) + ", got '" + id + "'");
    const setting& s = settings[i];
    cfg.learning_rate = s.learning_rate, cfg.embedding = s.embedding, cfg.weight_decay = s.weight_decay;
    opts.tags.push_back("task_" + std::to_string(i));
  }
  if (cfg.window < 2 || cfg.window > 1024 || cfg.embedding < 1 || cfg.embedding > 4096 || cfg.epochs < 1 ||
      cfg.batch_size < 1 || cfg.train_size < cfg.batch_size || !(cfg.learning_rate > 0))
    vitals::exit_usage_error("array_jobs", "window 2..1024, embedding 1..4096, epochs >= 1, "
                                           "1 <= batch_size <= train_size and learning_rate > 0 are required");

  // Fields u(x) = sum of two Fourier modes with random amplitudes and phases; noisy copies to denoise.
  std::mt19937_64 rng(cfg.seed);
  std::uniform_real_distribution<float> amp(0.5f, 1.5f), phase(0.0f, 6.2831853f);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  const auto w = static_cast<std::size_t>(cfg.window);
  std::vector<float> clean(static_cast<std::size_t>(cfg.train_size) * w), eps(clean.size());
  for (std::size_t i = 0; i < static_cast<std::size_t>(cfg.train_size); ++i) {
    const float a1 = amp(rng), a2 = 0.5f * amp(rng), p1 = phase(rng), p2 = phase(rng);
    for (std::size_t j = 0; j < w; ++j) {
      const float x = 6.2831853f * static_cast<float>(j) / static_cast<float>(w);
      clean[i * w + j] = a1 * std::sin(x + p1) + a2 * std::sin(4 * x + p2);
      eps[i * w + j] = noise(rng);
    }
  }

  vitals::run run(opts, cfg);  // runs/{name}_{id}/config.json, before training
  ex::mlp model(cfg.window, cfg.embedding, cfg.window, cfg.seed + 1);
  run.log_model_params(model.parameter_count(), model.parameter_count());
  const std::size_t steps = static_cast<std::size_t>(cfg.train_size / cfg.batch_size);
  std::vector<float> h(static_cast<std::size_t>(cfg.embedding)), y(w), dy(w), in(w);
  std::int64_t step = 0;
  double loss = 0;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    const double lr = cfg.learning_rate * (1.0 - static_cast<double>(epoch) / cfg.epochs);  // linear
    for (std::size_t s = 0; s < steps; ++s, ++step) {
      model.zero_grad();
      loss = 0;
      for (std::size_t k = 0; k < static_cast<std::size_t>(cfg.batch_size); ++k) {
        const std::size_t i = (s * static_cast<std::size_t>(cfg.batch_size) + k + static_cast<std::size_t>(epoch) * 7) %
                              static_cast<std::size_t>(cfg.train_size);
        for (std::size_t j = 0; j < w; ++j) in[j] = clean[i * w + j] + eps[i * w + j];
        model.forward(in.data(), h.data(), y.data());  // predicts the noise
        for (std::size_t j = 0; j < w; ++j) {
          const float e = y[j] - eps[i * w + j];
          loss += e * e / static_cast<double>(w * static_cast<std::size_t>(cfg.batch_size));
          dy[j] = 2 * e / static_cast<float>(w * static_cast<std::size_t>(cfg.batch_size));
        }
        model.backward(in.data(), h.data(), dy.data());
      }
      model.sgd_step(lr, cfg.weight_decay);
      run.log({{"train/loss", loss}, {"train/lr", lr}, {"epoch", epoch}}, step);
    }
  }
  // state.pth: the trained weights (named float32 tensors, raw), after training.
  {
    std::ofstream out(run.artifact_path("state.pth"), std::ios::binary);
    for (const auto& p : model.parameters()) {
      out << p.name << ' ' << p.value.size() << '\n';
      out.write(reinterpret_cast<const char*>(p.value.data()), static_cast<std::streamsize>(p.value.size() * sizeof(float)));
    }
  }
  run.summary("final/train_loss", loss);
  run.finish(0);
  std::printf("run directory: %s\n", run.dir().string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  return ex::guarded_main("array_jobs", [&] { return run_example(argc, argv); });
}
