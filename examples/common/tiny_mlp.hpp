// A one-hidden-layer tanh MLP with hand-written backprop, shared by the seed examples
// (health_monitor, kfold_cmi, array_jobs, wandb_cli): real training in plain C++ on one CPU core.
//   ex::mlp m(in, hidden, out, seed);
//   m.forward(x, h, y);  m.backward(x, h, dy);  m.sgd_step(lr, weight_decay);
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ex {

/// A named parameter tensor and its gradient, as a health monitor or a GPU kernel sees it.
struct parameter {
  std::string name;
  std::vector<float> value, grad;
};

class mlp {
 public:
  mlp(int in, int hidden, int out, std::uint64_t seed) : in_(in), hidden_(hidden), out_(out) {
    std::mt19937_64 rng(seed);
    auto add = [&](const char* name, int n, float scale) {
      std::normal_distribution<float> dist(0.0f, scale);
      parameter p{name, std::vector<float>(static_cast<std::size_t>(n)), std::vector<float>(static_cast<std::size_t>(n))};
      for (auto& v : p.value) v = scale > 0 ? dist(rng) : 0.0f;
      params_.push_back(std::move(p));
    };
    add("fc1.weight", in * hidden, std::sqrt(1.0f / static_cast<float>(in)));
    add("fc1.bias", hidden, 0.0f);
    add("fc2.weight", hidden * out, std::sqrt(1.0f / static_cast<float>(hidden)));
    add("fc2.bias", out, 0.0f);
  }

  int inputs() const { return in_; }
  int hidden() const { return hidden_; }
  int outputs() const { return out_; }
  std::vector<parameter>& parameters() { return params_; }
  std::int64_t parameter_count() const {
    std::int64_t n = 0;
    for (const auto& p : params_) n += static_cast<std::int64_t>(p.value.size());
    return n;
  }

  /// y = W2 tanh(W1 x + b1) + b2; h (hidden activations, `hidden()` floats) is kept for backward.
  void forward(const float* x, float* h, float* y) const {
    const auto &w1 = params_[0].value, &b1 = params_[1].value, &w2 = params_[2].value, &b2 = params_[3].value;
    for (int j = 0; j < hidden_; ++j) {
      float a = b1[static_cast<std::size_t>(j)];
      for (int i = 0; i < in_; ++i) a += w1[static_cast<std::size_t>(j * in_ + i)] * x[i];
      h[j] = std::tanh(a);
    }
    for (int k = 0; k < out_; ++k) {
      float a = b2[static_cast<std::size_t>(k)];
      for (int j = 0; j < hidden_; ++j) a += w2[static_cast<std::size_t>(k * hidden_ + j)] * h[j];
      y[k] = a;
    }
  }

  /// Adds dL/dθ for one sample, given dL/dy.
  void backward(const float* x, const float* h, const float* dy) {
    auto &w2 = params_[2].value, &g1 = params_[0].grad, &gb1 = params_[1].grad, &g2 = params_[2].grad,
         &gb2 = params_[3].grad;
    for (int j = 0; j < hidden_; ++j) {
      float dh = 0;
      for (int k = 0; k < out_; ++k) {
        g2[static_cast<std::size_t>(k * hidden_ + j)] += dy[k] * h[j];
        dh += w2[static_cast<std::size_t>(k * hidden_ + j)] * dy[k];
      }
      const float da = dh * (1 - h[j] * h[j]);
      gb1[static_cast<std::size_t>(j)] += da;
      for (int i = 0; i < in_; ++i) g1[static_cast<std::size_t>(j * in_ + i)] += da * x[i];
    }
    for (int k = 0; k < out_; ++k) gb2[static_cast<std::size_t>(k)] += dy[k];
  }

  void zero_grad() {
    for (auto& p : params_) std::fill(p.grad.begin(), p.grad.end(), 0.0f);
  }
  void scale_grad(float s) {
    for (auto& p : params_)
      for (auto& g : p.grad) g *= s;
  }
  /// θ ← θ − lr (g + weight_decay θ)
  void sgd_step(double lr, double weight_decay) {
    for (auto& p : params_)
      for (std::size_t i = 0; i < p.value.size(); ++i)
        p.value[i] -= static_cast<float>(lr * (p.grad[i] + weight_decay * p.value[i]));
  }

 private:
  int in_, hidden_, out_;
  std::vector<parameter> params_;
};

}  // namespace ex
