// Property: writing a config and reading it back gives the same value, for random values of
// every supported type (unicode and hostile strings, NaN/Inf/-0.0/subnormals, integer extremes),
// in both formats; and a second write is byte-identical to the first.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "random_config.hpp"
#include "test_types.hpp"
#include "vitals/config.hpp"

using namespace vitals_test;

TEST_CASE("Random configs round-trip through JSON and YAML", "[config][roundtrip]") {
  const char* env = std::getenv("VITALS_ROUNDTRIP_CASES");
  const int cases = env ? std::atoi(env) : 2000;
  random_config gen(20260101);
  for (int i = 0; i < cases; ++i) {
    Everything value = gen.everything();
    const std::string yaml = vitals::to_yaml(value);
    const std::string json = vitals::to_json(value);
    const std::string json_compact = vitals::to_json(value, 0);
    INFO("case " << i << "\n--- YAML\n" << yaml << "--- JSON\n" << json);
    Everything from_yaml = vitals::parse_yaml<Everything>(yaml);
    Everything from_json = vitals::parse_json<Everything>(json);
    Everything from_compact = vitals::parse_json<Everything>(json_compact);
    REQUIRE(same_value(value, from_yaml));
    REQUIRE(same_value(value, from_json));
    REQUIRE(same_value(value, from_compact));
    REQUIRE(vitals::to_yaml(from_yaml) == yaml);
    REQUIRE(vitals::to_json(from_json) == json);
  }
}

TEST_CASE("Round trips keep exact extremes", "[config][roundtrip]") {
  Everything e;
  e.i64 = std::numeric_limits<std::int64_t>::min();
  e.u64 = std::numeric_limits<std::uint64_t>::max();
  e.f32 = std::numeric_limits<float>::denorm_min();
  e.f64 = -std::numeric_limits<double>::denorm_min();
  e.values = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), -0.0, 0.1,
              std::numeric_limits<double>::max()};
  e.text = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 \"quoted\" \\ \t\n";
  e.name = "n";
  e.head = Layer{};
  for (const std::string& text : {vitals::to_yaml(e), vitals::to_json(e)}) {
    Everything back = text[0] == '{' ? vitals::parse_json<Everything>(text) : vitals::parse_yaml<Everything>(text);
    CHECK(back.i64 == e.i64);
    CHECK(back.u64 == e.u64);
    CHECK(back.f32 == e.f32);
    CHECK(back.f64 == e.f64);
    CHECK(std::isnan(back.values[0]));
    CHECK(back.values[1] == e.values[1]);
    CHECK(std::signbit(back.values[2]));
    CHECK(back.values[3] == 0.1);
    CHECK(back.values[4] == e.values[4]);
    CHECK(back.text == e.text);
  }
}
