// The error corpus: every file in tests/config/bad/ is a config a user could write by mistake.
// Each NAME.yaml / NAME.json (read as a Train-like struct) or NAME.args (one command-line argument
// per line) has a NAME.expect beside it listing, one per line, fragments the error message must
// contain: the message, the key path and the file:line:col. Reading must throw config_error —
// never crash, never return a partly-filled struct.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.hpp"
#include "test_types.hpp"
#include "vitals/config.hpp"

using namespace vitals_test;
namespace fs = std::filesystem;

TEST_CASE("Every bad input gives a specific error", "[config][bad]") {
  const fs::path dir = VITALS_CONFIG_BAD_DIR;
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() != ".expect") inputs.push_back(entry.path());
  std::sort(inputs.begin(), inputs.end());
  CHECK(inputs.size() >= 40);
  for (const fs::path& input : inputs) {
    const fs::path expect_file = fs::path(input).replace_extension(".expect");
    INFO("input: " << input.filename().string());
    REQUIRE(fs::exists(expect_file));
    const std::string name = input.filename().string();
    std::string message;
    bool returned = false;
    try {
      if (input.extension() == ".args") {
        std::vector<std::string> args = lines_of(slurp(input));
        std::vector<const char*> argv = {"prog"};
        for (auto& a : args) argv.push_back(a.c_str());
        vitals::cli_parser<Corpus> cli;
        cli.preset("baseline", Corpus{});
        bool flag = false;
        cli.flag("--no_wandb", &flag, "no W&B");
        cli.parse(static_cast<int>(argv.size()), argv.data());
      } else if (input.extension() == ".json") {
        vitals::parse_json<Corpus>(slurp(input), name);
      } else {
        vitals::parse_yaml<Corpus>(slurp(input), name);
      }
      returned = true;
    } catch (const vitals::config::config_error& e) {
      message = e.what();
    }
    INFO("message:\n" << message);
    CHECK_FALSE(returned);
    for (const std::string& fragment : lines_of(slurp(expect_file))) CHECK_THAT(message, Catch::Contains(fragment));
  }
}
