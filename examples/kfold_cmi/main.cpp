// Seed 000's k-fold experiment on a synthetic CMI-like task (gestures from IMU windows): one run per
// fold ({experiment}_fold_{k}, tag fold_{k}, group = experiment, config with fold and
// experiment_type, model_params/* in config and summary, fold_{k}/final_val_* at the end), then a
// cross-fold summary (mean ± sample std per final metric, best fold) printed as a table, written as
// summary.csv, summary.md and a W&B table file in {runs}/{experiment}/, and logged on the summary
// run of the group, its table as the W&B table `cv/summary_table` (vitals::table).
//
//   kfold_cmi [experiment=exp004] [experiment_type=schedule_free] [n_folds=5] [epochs=15] [key=value ...]
#include <vitals.hpp>
#include <vitals/run/table.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../common/example_main.hpp"
#include "../common/tiny_mlp.hpp"

struct Optim {
  double lr = 0.1;
  double weight_decay = 1e-4;
};
struct ModelParams {  // filled in from the model, as the seed's config.update({"model_params": ...})
  std::int64_t total_params = 0;
  std::int64_t trainable_params = 0;
  double model_size_mb = 0;
};
struct Config {
  std::string experiment = "exp004";
  std::string experiment_type = "schedule_free";
  std::string project = "cmi-kfold";
  std::vector<std::string> tags{"imu"};
  int n_folds = 5;
  int fold = -1;  // set per fold run
  int epochs = 15;
  int batch_size = 32;
  int hidden = 32;
  int n_subjects = 40;
  int sequences_per_subject = 40;
  std::uint64_t seed = 0;
  Optim optim;
  ModelParams model_params;
};

void check_config(const Config& c, std::vector<vitals::config::problem>& problems) {
  auto in_range = [&](const char* path, long long v, long long lo, long long hi) {
    if (v < lo || v > hi)
      problems.push_back({path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v), {}});
  };
  in_range("n_folds", c.n_folds, 2, 20);
  in_range("epochs", c.epochs, 1, 10000);
  in_range("batch_size", c.batch_size, 1, 4096);
  in_range("hidden", c.hidden, 1, 1024);
  in_range("n_subjects", c.n_subjects, c.n_folds, 100000);
  in_range("sequences_per_subject", c.sequences_per_subject, 1, 100000);
  if (c.experiment.empty()) problems.push_back({"experiment", "must not be empty", {}});
  if (!(c.optim.lr > 0 && std::isfinite(c.optim.lr))) problems.push_back({"optim.lr", "must be a finite number > 0", {}});
}

constexpr int n_channels = 6, n_steps = 8, n_in = n_channels * n_steps, n_classes = 4, n_out = n_classes + 1;

struct sample {
  std::vector<float> x;
  int gesture, subject;
  bool target() const { return gesture < 2; }  // the two BFRB-like gestures vs the rest
};

// Gesture c: each IMU channel a sine of its own frequency and phase; subjects differ in gain and
// offset (what makes fold-by-subject validation honest); sensor noise on top.
std::vector<sample> make_data(const Config& cfg) {
  std::mt19937_64 rng(cfg.seed);
  std::normal_distribution<float> noise(0.0f, 2.0f);
  std::uniform_real_distribution<float> u(0.7f, 1.3f), off(-0.3f, 0.3f);
  std::vector<sample> data;
  for (int s = 0; s < cfg.n_subjects; ++s) {
    const float gain = u(rng), offset = off(rng);
    for (int q = 0; q < cfg.sequences_per_subject; ++q) {
      sample smp{std::vector<float>(n_in), q % n_classes, s};
      for (int ch = 0; ch < n_channels; ++ch)
        for (int t = 0; t < n_steps; ++t) {
          const double f = 0.5 + 0.25 * ((smp.gesture + ch) % n_classes), ph = 0.7 * smp.gesture * (ch + 1);
          smp.x[static_cast<std::size_t>(ch * n_steps + t)] =
              gain * static_cast<float>(std::sin(2 * 3.14159265 * f * t / n_steps + ph)) + offset + noise(rng);
        }
      data.push_back(std::move(smp));
    }
  }
  return data;
}

struct val_result {
  double loss = 0, multiclass_loss = 0, binary_loss = 0, cmi_score = 0;
};

// Cross-entropy over the gestures + binary cross-entropy of "target gesture"; the CMI score is the
// mean of the binary F1 and the macro F1 over the gestures.
val_result evaluate(const ex::mlp& m, const std::vector<const sample*>& set) {
  val_result r;
  std::vector<float> h(static_cast<std::size_t>(m.hidden())), y(n_out);
  int tp[n_classes] = {}, fp[n_classes] = {}, fn[n_classes] = {}, btp = 0, bfp = 0, bfn = 0;
  for (const sample* s : set) {
    m.forward(s->x.data(), h.data(), y.data());
    const float mx = *std::max_element(y.begin(), y.begin() + n_classes);
    double z = 0;
    for (int c = 0; c < n_classes; ++c) z += std::exp(y[c] - mx);
    r.multiclass_loss += -(y[s->gesture] - mx - std::log(z));
    const double p = 1 / (1 + std::exp(-static_cast<double>(y[n_classes])));
    r.binary_loss += -(s->target() ? std::log(std::max(p, 1e-12)) : std::log(std::max(1 - p, 1e-12)));
    const int pred = static_cast<int>(std::max_element(y.begin(), y.begin() + n_classes) - y.begin());
    if (pred == s->gesture) ++tp[pred];
    else ++fp[pred], ++fn[s->gesture];
    const bool bp = p > 0.5;
    btp += bp && s->target(), bfp += bp && !s->target(), bfn += !bp && s->target();
  }
  const auto n = static_cast<double>(set.size());
  r.multiclass_loss /= n, r.binary_loss /= n, r.loss = r.multiclass_loss + r.binary_loss;
  auto f1 = [](int t, int p, int f) { return t == 0 ? 0.0 : 2.0 * t / (2.0 * t + p + f); };
  double macro = 0;
  for (int c = 0; c < n_classes; ++c) macro += f1(tp[c], fp[c], fn[c]) / n_classes;
  r.cmi_score = 0.5 * (f1(btp, bfp, bfn) + macro);
  return r;
}

val_result train_fold(Config cfg, vitals::run_options opts, const std::vector<sample>& data, int fold) {
  std::vector<const sample*> train, val;
  for (const auto& s : data) (s.subject % cfg.n_folds == fold ? val : train).push_back(&s);
  ex::mlp model(n_in, cfg.hidden, n_out, cfg.seed + 1 + static_cast<std::uint64_t>(fold));
  cfg.fold = fold;
  cfg.model_params = {model.parameter_count(), model.parameter_count(), model.parameter_count() * 4.0 / (1024 * 1024)};
  opts.name = cfg.experiment + "_fold_" + std::to_string(fold);
  opts.group = cfg.experiment;
  opts.tags.push_back("fold_" + std::to_string(fold));
  const std::size_t steps = std::max<std::size_t>(1, train.size() / static_cast<std::size_t>(cfg.batch_size));
  opts.total_steps = static_cast<std::int64_t>(steps) * cfg.epochs;
  vitals::run run(opts, cfg);
  run.log_model_params(model.parameter_count(), model.parameter_count());

  std::mt19937_64 rng(cfg.seed + 100 + static_cast<std::uint64_t>(fold));
  std::vector<float> h(static_cast<std::size_t>(cfg.hidden)), y(n_out), dy(n_out);
  std::int64_t step = 0;
  val_result v;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    std::shuffle(train.begin(), train.end(), rng);
    const double lr = cfg.optim.lr * 0.5 * (1 + std::cos(3.14159265 * epoch / cfg.epochs));  // cosine schedule
    for (std::size_t s = 0; s < steps; ++s, ++step) {
      model.zero_grad();
      double loss = 0;
      const auto b = static_cast<std::size_t>(cfg.batch_size);
      for (std::size_t k = 0; k < b; ++k) {
        const sample& smp = *train[(s * b + k) % train.size()];
        model.forward(smp.x.data(), h.data(), y.data());
        const float mx = *std::max_element(y.begin(), y.begin() + n_classes);
        double z = 0;
        for (int c = 0; c < n_classes; ++c) z += std::exp(y[c] - mx);
        for (int c = 0; c < n_classes; ++c)
          dy[c] = static_cast<float>((std::exp(y[c] - mx) / z - (c == smp.gesture)) / static_cast<double>(b));
        const double p = 1 / (1 + std::exp(-static_cast<double>(y[n_classes])));
        dy[n_classes] = static_cast<float>((p - smp.target()) / static_cast<double>(b));
        loss += (-(y[smp.gesture] - mx - std::log(z)) - std::log(std::max(smp.target() ? p : 1 - p, 1e-12))) / static_cast<double>(b);
        model.backward(smp.x.data(), h.data(), dy.data());
      }
      model.sgd_step(lr, cfg.optim.weight_decay);
      run.log({{"train/loss", loss}, {"train/lr", lr}, {"epoch", epoch}}, step);
    }
    v = evaluate(model, val);
    run.log({{"val/loss", v.loss}, {"val/cmi_score", v.cmi_score}, {"val/multiclass_loss", v.multiclass_loss},
             {"val/binary_loss", v.binary_loss}, {"epoch", epoch}}, step - 1);
  }
  // The seed's fold-specific final metrics, as a history row and in the summary.
  const std::string p = "fold_" + std::to_string(fold) + "/";
  const std::string keys[] = {p + "final_val_loss", p + "final_val_cmi_score", p + "final_val_multiclass_loss",
                              p + "final_val_binary_loss"};  // metric keys are views: keep the strings alive
  const std::vector<vitals::metric> finals{{keys[0], v.loss}, {keys[1], v.cmi_score}, {keys[2], v.multiclass_loss},
                                           {keys[3], v.binary_loss}};
  run.log(finals, step);
  for (const auto& m : finals) run.summary(m.key, m.value);
  run.finish(0);
  std::printf("run directory: %s\n", run.dir().string().c_str());
  return v;
}

int run_example(int argc, char** argv) {
  auto [cfg, opts, composition, overrides] =
      vitals::app<Config>("Trains one run per fold of a k-fold CMI-like experiment and summarises them (seed 000).")
          .run_defaults({.sinks = "jsonl,csv,wandb"})
          .run_fields({.project = "project", .tags = "tags"})
          .check(check_config)
          .parse_or_exit(argc, argv);
  const auto data = make_data(cfg);
  std::vector<val_result> folds;
  for (int k = 0; k < cfg.n_folds; ++k) folds.push_back(train_fold(cfg, opts, data, k));

  // Cross-fold summary: mean and sample standard deviation (ddof = 1, as pandas) per final metric.
  struct column { const char* name; double val_result::*field; bool higher_better; };
  const column cols[] = {{"final_val_loss", &val_result::loss, false}, {"final_val_cmi_score", &val_result::cmi_score, true},
                         {"final_val_multiclass_loss", &val_result::multiclass_loss, false},
                         {"final_val_binary_loss", &val_result::binary_loss, false}};
  const auto n = static_cast<double>(folds.size());
  std::size_t best = 0;
  for (std::size_t k = 1; k < folds.size(); ++k)
    if (folds[k].cmi_score > folds[best].cmi_score) best = k;
  const std::filesystem::path exp_dir = opts.dir / cfg.experiment;
  std::filesystem::create_directories(exp_dir);
  std::ofstream csv(exp_dir / "summary.csv"), md(exp_dir / "summary.md");
  csv << "metric,mean,std";
  for (std::size_t k = 0; k < folds.size(); ++k) csv << ",fold_" << k;
  csv << "\n";
  md << "# " << cfg.experiment << " (" << cfg.experiment_type << "): " << folds.size() << "-fold summary\n\n"
     << "| metric | mean ± std | best fold |\n| --- | --- | --- |\n";
  vitals::table table{"metric", "mean", "std", "best_fold"};
  std::printf("\n%-28s %22s   %s\n", "metric", "mean ± std", "best fold");
  auto run_opts = opts;
  run_opts.name = cfg.experiment + "_summary";
  run_opts.group = cfg.experiment;
  run_opts.job_type = "summary";
  run_opts.tags.push_back("summary");
  vitals::run summary_run(run_opts, cfg);
  for (std::size_t i = 0; i < std::size(cols); ++i) {
    const column& c = cols[i];
    double mean = 0, var = 0;
    for (const auto& f : folds) mean += f.*c.field / n;
    for (const auto& f : folds) var += (f.*c.field - mean) * (f.*c.field - mean) / (n - 1);
    const double sd = std::sqrt(var);
    std::size_t b = 0;
    for (std::size_t k = 1; k < folds.size(); ++k)
      if (c.higher_better ? folds[k].*c.field > folds[b].*c.field : folds[k].*c.field < folds[b].*c.field) b = k;
    csv << c.name << "," << fmt::format("{:.17g},{:.17g}", mean, sd);
    for (const auto& f : folds) csv << fmt::format(",{:.17g}", f.*c.field);
    csv << "\n";
    md << fmt::format("| {} | {:.4f} ± {:.4f} | {} ({:.4f}) |\n", c.name, mean, sd, b, folds[b].*c.field);
    std::printf("%-28s %10.4f ± %-9.4f   %zu (%.4f)\n", c.name, mean, sd, b, folds[b].*c.field);
    table.add_row({c.name, mean, sd, static_cast<std::int64_t>(b)});
    summary_run.summary(std::string("cv/") + c.name + "_mean", mean);
    summary_run.summary(std::string("cv/") + c.name + "_std", sd);
  }
  summary_run.summary("cv/best_fold", static_cast<std::int64_t>(best));
  md << "\nBest fold by final_val_cmi_score: " << best << "\n";
  // A W&B table on the summary run (files/media/table/..., named by a files record, so `wandb sync`
  // uploads it), and the same table beside summary.csv for readers without W&B.
  const std::string table_json = table.json();
  summary_run.summary("cv/summary_table", std::string_view(table_json));
  std::ofstream(exp_dir / "cross_fold_summary.table.json") << table.file_json() << "\n";
  summary_run.finish(0);
  std::printf("best fold (final_val_cmi_score): %zu\nrun directory: %s\nexperiment directory: %s\n", best,
              summary_run.dir().string().c_str(), exp_dir.string().c_str());
  return 0;
}

int main(int argc, char** argv) {
  return ex::guarded_main("kfold_cmi", [&] { return run_example(argc, argv); });
}
