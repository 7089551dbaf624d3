// libFuzzer harness for the config readers (built twice: VITALS_FUZZ_JSON / VITALS_FUZZ_YAML).
//
// For any input: the reader returns a tree or throws config_error with at least one problem;
// conversion into a struct of every supported type returns or throws config_error; a converted
// value written as JSON and YAML reads back as the same value; and a tree written back is read
// as a tree that writes identically (the writers' normal form is stable). Anything else — a
// crash, a sanitizer report, another exception, a broken invariant — is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "random_config.hpp"
#include "test_types.hpp"
#include "vitals/config.hpp"

namespace cfg = vitals::config;
using namespace vitals_test;

// Everything's shapes without required fields, so random documents can convert successfully.
struct FuzzConfig {
  bool flag = false;
  std::int8_t i8 = 0;
  std::uint64_t u64 = 0;
  float f32 = 0;
  double f64 = 0;
  std::string text;
  Arch arch = Arch::resnet;
  Color color = red;
  std::vector<double> values;
  std::vector<std::vector<std::int64_t>> grid;
  std::array<float, 3> rgb{0, 0, 0};
  std::map<std::string, double> weights;
  std::unordered_map<std::string, Layer> named_layers;
  std::optional<std::string> maybe_text;
  std::optional<Optim> maybe_optim;
  std::variant<Adam, Sgd> optimizer;
  std::variant<std::int64_t, double, std::string, bool> scalar_choice;
  std::variant<std::monostate, std::vector<int>, std::map<std::string, int>> shape_choice;
  std::vector<Layer> layers;
  Optim optim;
};

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n%s\n", what, detail.c_str());
  std::abort();
}

cfg::node read(std::string_view text) {
#if defined(VITALS_FUZZ_JSON)
  return cfg::parse_json(text, "fuzz.json");
#else
  return cfg::parse_yaml(text, "fuzz.yaml");
#endif
}

template <class T>
void check_typed(const cfg::node& tree) {
  T value;
  try {
    value = cfg::from_node<T>(tree);
  } catch (const cfg::config_error& e) {
    if (e.problems().empty()) finding("conversion threw config_error without problems", "");
    return;
  }
  std::string json, yaml;
  try {
    json = vitals::to_json(value);
    yaml = vitals::to_yaml(value);
  } catch (const cfg::config_error&) {
    return;  // a string that is not valid UTF-8 (YAML input can carry one); refused, as documented
  }
  T from_json{}, from_yaml{};
  try {
    from_json = vitals::parse_json<T>(json);
    from_yaml = vitals::parse_yaml<T>(yaml);
  } catch (const cfg::config_error& e) {
    finding("a written value does not read back", std::string(e.what()) + "\n--- JSON\n" + json + "--- YAML\n" + yaml);
  }
  if (!same_value(value, from_json)) finding("JSON round trip changed the value", json);
  if (!same_value(value, from_yaml)) finding("YAML round trip changed the value", yaml);
}

void check_tree_writers(const cfg::node& tree) {
  std::string yaml, json;
  try {
    yaml = cfg::to_yaml(tree);
    json = cfg::to_json(tree);
  } catch (const cfg::config_error&) {
    return;
  }
  try {
    if (cfg::to_yaml(cfg::parse_yaml(yaml)) != yaml) finding("YAML writer output is not stable", yaml);
    if (cfg::to_json(cfg::parse_json(json)) != json) finding("JSON writer output is not stable", json);
  } catch (const cfg::config_error& e) {
    finding("written tree does not read back", std::string(e.what()) + "\n--- YAML\n" + yaml + "--- JSON\n" + json);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cfg::node tree;
  try {
    tree = read(text);
  } catch (const cfg::config_error& e) {
    if (e.problems().empty() || std::string_view(e.what()).empty()) finding("reader threw an empty config_error", "");
    return 0;
  }
  check_typed<FuzzConfig>(tree);
  check_typed<Train>(tree);
  check_tree_writers(tree);
  return 0;
}
