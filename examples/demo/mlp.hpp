// A two-layer MLP with hand-written backprop, trained on a synthetic two-spirals dataset: a real
// training loop in plain C++ (no framework), small enough to train in seconds on one CPU core.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace demo {

struct dataset {
  std::vector<float> x;  // n x 2, row-major
  std::vector<int> y;    // n labels in {0, 1}
  std::size_t size() const { return y.size(); }
};

/// Two interleaved spirals: not linearly separable, so the hidden layer has to learn something.
inline dataset make_spirals(std::size_t n, float noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> jitter(0.0f, noise);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  dataset d;
  for (std::size_t i = 0; i < n; ++i) {
    int label = static_cast<int>(i % 2);
    float t = 0.25f + 3.0f * unit(rng);
    float angle = t * 2.2f + (label ? 3.14159265f : 0.0f);
    d.x.push_back(t * std::cos(angle) / 3.5f + jitter(rng));
    d.x.push_back(t * std::sin(angle) / 3.5f + jitter(rng));
    d.y.push_back(label);
  }
  return d;
}

/// A named parameter tensor and its gradient, as a health monitor or a GPU kernel would see it.
struct parameter {
  std::string name;
  std::vector<float> value;
  std::vector<float> grad;
};

class mlp {
 public:
  mlp(int hidden, std::uint64_t seed) : hidden_(hidden) {
    std::mt19937_64 rng(seed);
    auto init = [&](const char* name, std::size_t n, float scale) {
      std::normal_distribution<float> dist(0.0f, scale);
      parameter p{name, std::vector<float>(n), std::vector<float>(n, 0.0f)};
      for (auto& v : p.value) v = scale > 0 ? dist(rng) : 0.0f;
      params_.push_back(std::move(p));
    };
    init("fc1.weight", 2 * static_cast<std::size_t>(hidden), std::sqrt(2.0f / 2.0f));
    init("fc1.bias", static_cast<std::size_t>(hidden), 0.0f);
    init("fc2.weight", static_cast<std::size_t>(hidden), std::sqrt(1.0f / static_cast<float>(hidden)));
    init("fc2.bias", 1, 0.0f);
  }

  std::vector<parameter>& parameters() { return params_; }
  const std::vector<parameter>& parameters() const { return params_; }

  std::size_t parameter_count() const {
    std::size_t n = 0;
    for (const auto& p : params_) n += p.value.size();
    return n;
  }

  /// Mean binary cross-entropy over the batch; accumulates gradients (call zero_grad first).
  double forward_backward(const dataset& d, std::span<const std::size_t> batch) {
    auto& w1 = params_[0].value; auto& b1 = params_[1].value;
    auto& w2 = params_[2].value; auto& b2 = params_[3].value;
    std::vector<float> h(static_cast<std::size_t>(hidden_));
    double loss = 0;
    const float inv = 1.0f / static_cast<float>(batch.size());
    for (std::size_t i : batch) {
      const float x0 = d.x[2 * i], x1 = d.x[2 * i + 1];
      float logit = b2[0];
      for (int j = 0; j < hidden_; ++j) {
        float a = w1[2 * j] * x0 + w1[2 * j + 1] * x1 + b1[j];
        h[j] = a > 0 ? a : 0;  // ReLU
        logit += w2[j] * h[j];
      }
      const float p = 1.0f / (1.0f + std::exp(-logit));
      const float y = static_cast<float>(d.y[i]);
      loss += -(y * std::log(p + 1e-7f) + (1 - y) * std::log(1 - p + 1e-7f));
      const float dlogit = (p - y) * inv;
      params_[3].grad[0] += dlogit;
      for (int j = 0; j < hidden_; ++j) {
        params_[2].grad[j] += dlogit * h[j];
        if (h[j] <= 0) continue;
        const float dh = dlogit * w2[j];
        params_[0].grad[2 * j] += dh * x0;
        params_[0].grad[2 * j + 1] += dh * x1;
        params_[1].grad[j] += dh;
      }
    }
    return loss / static_cast<double>(batch.size());
  }

  double accuracy(const dataset& d) const {
    const auto& w1 = params_[0].value; const auto& b1 = params_[1].value;
    const auto& w2 = params_[2].value; const auto& b2 = params_[3].value;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      float logit = b2[0];
      for (int j = 0; j < hidden_; ++j) {
        float a = w1[2 * j] * d.x[2 * i] + w1[2 * j + 1] * d.x[2 * i + 1] + b1[j];
        logit += w2[j] * (a > 0 ? a : 0);
      }
      correct += (logit > 0) == (d.y[i] == 1);
    }
    return static_cast<double>(correct) / static_cast<double>(d.size());
  }

  void zero_grad() {
    for (auto& p : params_) std::fill(p.grad.begin(), p.grad.end(), 0.0f);
  }

  /// Plain SGD with momentum-free weight decay.
  void sgd_step(double lr, double weight_decay) {
    for (auto& p : params_)
      for (std::size_t k = 0; k < p.value.size(); ++k)
        p.value[k] -= static_cast<float>(lr * (p.grad[k] + weight_decay * p.value[k]));
  }

 private:
  int hidden_;
  std::vector<parameter> params_;
};

}  // namespace demo
