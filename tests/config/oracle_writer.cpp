// Writes configs for python_oracle.py: for each case, case_N.json and case_N.yaml (our writers)
// and case_N.read.json, our own reading of case_N.yaml (parsed back into the struct and written
// as compact JSON). The script checks that Python's json and PyYAML read the same values.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "random_config.hpp"
#include "test_types.hpp"
#include "vitals/config.hpp"

using namespace vitals_test;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR CASES\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int cases = std::atoi(argv[2]);
  std::filesystem::create_directories(dir);
  random_config gen(4242);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
  };
  for (int i = 0; i < cases; ++i) {
    Everything value = gen.everything();
    const std::string stem = "case_" + std::to_string(i);
    write(stem + ".json", vitals::to_json(value));
    write(stem + ".yaml", vitals::to_yaml(value));
    Everything ours = vitals::load<Everything>(dir / (stem + ".yaml"));
    write(stem + ".read.json", vitals::to_json(ours, 0));
  }
  // The design's config with its defaults, as a user would see it in config.yaml / config.json.
  Train train;
  train.seed = 42;
  vitals::save(dir / "train.json", train);
  vitals::save(dir / "train.yaml", train);
  write("train.read.json", vitals::to_json(vitals::load<Train>(dir / "train.yaml"), 0));
  return 0;
}
