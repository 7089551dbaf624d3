// The vitals demo: trains a small MLP on two spirals in plain C++.
#include <vitals.hpp>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "mlp.hpp"

struct Optim {
  double lr = 0.5;
  double weight_decay = 1e-4;
};

struct DemoConfig {
  std::string name = "spirals";
  int epochs = 3;
  int batch_size = 32;
  int hidden = 64;
  int train_size = 4096;
  std::uint64_t seed = 0;
  Optim optim;
};

int main() {
  DemoConfig cfg;
  demo::dataset data = demo::make_spirals(static_cast<std::size_t>(cfg.train_size), 0.02f, cfg.seed);
  demo::mlp model(cfg.hidden, cfg.seed + 1);
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(cfg.seed + 2);
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    int steps = 0;
    for (std::size_t start = 0; start + static_cast<std::size_t>(cfg.batch_size) <= order.size();
         start += static_cast<std::size_t>(cfg.batch_size)) {
      model.zero_grad();
      loss_sum += model.forward_backward(data, std::span(order).subspan(start, static_cast<std::size_t>(cfg.batch_size)));
      model.sgd_step(cfg.optim.lr, cfg.optim.weight_decay);
      ++steps;
    }
    std::printf("epoch %d  loss %.4f  acc %.3f\n", epoch, loss_sum / steps, model.accuracy(data));
  }
}
