// Config types shared by the config tests, the oracle writer, the fuzzers and the bench.
//
// Note: GCC 12 with Boost.PFR 1.81 crashes (an internal compiler error in check_noexcept_r) on a
// default member initializer that is a braced list of non-trivial elements, such as
// `std::vector<std::string> tags{"a"}`; spell such defaults `= make()` or with a lambda.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "vitals/config.hpp"

namespace vitals_test {

enum class Arch { resnet, transformer, mlp };
enum Color { red = -3, green = 7, blue = 200 };  // unscoped, sparse, negative

struct Optim {
  double lr = 3e-4;
  double weight_decay = 0.01;
  static constexpr vitals::field_doc field_docs[] = {{"lr", "peak learning rate"}};
};

struct Adam {
  static constexpr std::string_view config_tag = "adam";
  double beta1 = 0.9;
  double beta2 = 0.999;
};
struct Sgd {
  double momentum = 0.0;
  bool nesterov = false;
};

struct Layer {
  std::string name = "layer";
  std::uint32_t width = 64;
  std::optional<double> dropout;
};

/// The design sketch's config.
struct Train {
  std::string exp_name = "default";
  std::vector<int> folds{0, 1, 2, 3, 4};
  int epochs = 30;
  bool debug = false;
  Arch arch = Arch::transformer;
  Optim optim;
  std::optional<std::string> notes;
  vitals::required<int> seed;
  std::variant<Adam, Sgd> optimizer;
  static constexpr vitals::field_doc field_docs[] = {{"epochs", "passes over the training data"}};
};

/// Every supported field type, for round trips.
struct Everything {
  bool flag = false;
  std::int8_t i8 = 0;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  std::uint8_t u8 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  float f32 = 0;
  double f64 = 0;
  std::string text;
  Arch arch = Arch::resnet;
  Color color = red;
  std::vector<double> values;
  std::vector<std::string> words;
  std::vector<std::vector<std::int64_t>> grid;
  std::array<float, 3> rgb{0, 0, 0};
  std::map<std::string, double> weights;
  std::unordered_map<std::string, Layer> named_layers;
  std::optional<std::string> maybe_text;
  std::optional<Optim> maybe_optim;
  std::variant<Adam, Sgd> optimizer;
  std::variant<std::int64_t, double, std::string, bool> scalar_choice;
  std::variant<std::monostate, std::vector<int>, std::map<std::string, int>> shape_choice;
  vitals::required<std::string> name;
  vitals::required<Layer> head;
  std::vector<Layer> layers;
  Optim optim;
};

}  // namespace vitals_test
