// The baseline for vitals' compile cost: what a file pays for vitals' dependencies alone, one use
// of each (fmt, simdjson, Boost.PFR, yaml-cpp, threads). bench/compile/compile_cost.py times it
// beside files that include vitals, in the same run.
#include <boost/pfr.hpp>
#include <fmt/format.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <thread>
#include <vector>

struct Config {
  int epochs = 3;
  double lr = 0.1;
};

int main() {
  Config c;
  std::string out;
  boost::pfr::for_each_field(c, [&](auto& v) { out += fmt::format("{} ", v); });
  simdjson::dom::parser parser;
  auto doc = parser.parse(simdjson::padded_string(std::string_view(R"({"epochs": 5})")));
  YAML::Node y = YAML::Load("lr: 0.5");
  std::vector<double> rows;
  std::thread t([&] { rows.push_back(y["lr"].as<double>()); });
  t.join();
  return doc.error() || out.empty() || rows.size() != 1;
}
