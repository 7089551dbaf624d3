// The error corpus's shared pieces (tests/config/bad/): the struct every corpus file is read as (the
// design's Train plus shapes Train lacks) and small file helpers. Used by the config layer's corpus
// test and by the front door's (tests/demo/front_door_corpus_test.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "test_types.hpp"

namespace vitals_test {

// What the corpus is read as: the design's Train plus a few shapes Train lacks.
struct Corpus {
  std::string exp_name = "default";
  std::vector<int> folds{0, 1, 2, 3, 4};
  int epochs = 30;
  bool debug = false;
  Arch arch = Arch::transformer;
  Optim optim;
  std::optional<std::string> notes;
  vitals::required<int> seed;
  std::variant<Adam, Sgd> optimizer;
  std::uint8_t workers = 4;
  std::int64_t steps = 0;
  float scale = 1;
  std::array<int, 2> size{224, 224};
  std::map<std::string, double> loss_weights;
  std::vector<Layer> layers;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace vitals_test
