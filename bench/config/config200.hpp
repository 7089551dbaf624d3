// Ten sections of twenty fields of mixed types (200 fields in all), as in a large training config.
// Written out by a short script; the values only need to be varied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace config_bench {

enum class Mode { fast, exact, auto_ };

struct Section0 {
  double field_00 = 0.5e-3;
  int field_01 = 1;
  bool field_02 = false;
  std::string field_03 = "value_3";
  std::vector<int> field_04 = {1, 2, 4};
  Mode field_05 = Mode::auto_;
  std::optional<double> field_06 = 6.25;
  std::uint32_t field_07 = 7u;
  float field_08 = 8.125f;
  std::int64_t field_09 = -9;
  double field_10 = 10.5e-3;
  int field_11 = 11;
  bool field_12 = false;
  std::string field_13 = "value_13";
  std::vector<int> field_14 = {1, 2, 14};
  Mode field_15 = Mode::fast;
  std::optional<double> field_16 = 16.25;
  std::uint32_t field_17 = 17u;
  float field_18 = 18.125f;
  std::int64_t field_19 = -19;
};
struct Section1 {
  int field_00 = 20;
  bool field_01 = true;
  std::string field_02 = "value_22";
  std::vector<int> field_03 = {1, 2, 23};
  Mode field_04 = Mode::fast;
  std::optional<double> field_05 = 25.25;
  std::uint32_t field_06 = 26u;
  float field_07 = 27.125f;
  std::int64_t field_08 = -28;
  double field_09 = 29.5e-3;
  int field_10 = 30;
  bool field_11 = true;
  std::string field_12 = "value_32";
  std::vector<int> field_13 = {1, 2, 33};
  Mode field_14 = Mode::exact;
  std::optional<double> field_15 = 35.25;
  std::uint32_t field_16 = 36u;
  float field_17 = 37.125f;
  std::int64_t field_18 = -38;
  double field_19 = 39.5e-3;
};
struct Section2 {
  bool field_00 = false;
  std::string field_01 = "value_41";
  std::vector<int> field_02 = {1, 2, 42};
  Mode field_03 = Mode::exact;
  std::optional<double> field_04 = 44.25;
  std::uint32_t field_05 = 45u;
  float field_06 = 46.125f;
  std::int64_t field_07 = -47;
  double field_08 = 48.5e-3;
  int field_09 = 49;
  bool field_10 = false;
  std::string field_11 = "value_51";
  std::vector<int> field_12 = {1, 2, 52};
  Mode field_13 = Mode::auto_;
  std::optional<double> field_14 = 54.25;
  std::uint32_t field_15 = 55u;
  float field_16 = 56.125f;
  std::int64_t field_17 = -57;
  double field_18 = 58.5e-3;
  int field_19 = 59;
};
struct Section3 {
  std::string field_00 = "value_60";
  std::vector<int> field_01 = {1, 2, 61};
  Mode field_02 = Mode::auto_;
  std::optional<double> field_03 = 63.25;
  std::uint32_t field_04 = 64u;
  float field_05 = 65.125f;
  std::int64_t field_06 = -66;
  double field_07 = 67.5e-3;
  int field_08 = 68;
  bool field_09 = true;
  std::string field_10 = "value_70";
  std::vector<int> field_11 = {1, 2, 71};
  Mode field_12 = Mode::fast;
  std::optional<double> field_13 = 73.25;
  std::uint32_t field_14 = 74u;
  float field_15 = 75.125f;
  std::int64_t field_16 = -76;
  double field_17 = 77.5e-3;
  int field_18 = 78;
  bool field_19 = true;
};
struct Section4 {
  std::vector<int> field_00 = {1, 2, 80};
  Mode field_01 = Mode::fast;
  std::optional<double> field_02 = 82.25;
  std::uint32_t field_03 = 83u;
  float field_04 = 84.125f;
  std::int64_t field_05 = -85;
  double field_06 = 86.5e-3;
  int field_07 = 87;
  bool field_08 = false;
  std::string field_09 = "value_89";
  std::vector<int> field_10 = {1, 2, 90};
  Mode field_11 = Mode::exact;
  std::optional<double> field_12 = 92.25;
  std::uint32_t field_13 = 93u;
  float field_14 = 94.125f;
  std::int64_t field_15 = -95;
  double field_16 = 96.5e-3;
  int field_17 = 97;
  bool field_18 = false;
  std::string field_19 = "value_99";
};
struct Section5 {
  Mode field_00 = Mode::exact;
  std::optional<double> field_01 = 101.25;
  std::uint32_t field_02 = 102u;
  float field_03 = 103.125f;
  std::int64_t field_04 = -104;
  double field_05 = 105.5e-3;
  int field_06 = 106;
  bool field_07 = true;
  std::string field_08 = "value_108";
  std::vector<int> field_09 = {1, 2, 109};
  Mode field_10 = Mode::auto_;
  std::optional<double> field_11 = 111.25;
  std::uint32_t field_12 = 112u;
  float field_13 = 113.125f;
  std::int64_t field_14 = -114;
  double field_15 = 115.5e-3;
  int field_16 = 116;
  bool field_17 = true;
  std::string field_18 = "value_118";
  std::vector<int> field_19 = {1, 2, 119};
};
struct Section6 {
  std::optional<double> field_00 = 120.25;
  std::uint32_t field_01 = 121u;
  float field_02 = 122.125f;
  std::int64_t field_03 = -123;
  double field_04 = 124.5e-3;
  int field_05 = 125;
  bool field_06 = false;
  std::string field_07 = "value_127";
  std::vector<int> field_08 = {1, 2, 128};
  Mode field_09 = Mode::fast;
  std::optional<double> field_10 = 130.25;
  std::uint32_t field_11 = 131u;
  float field_12 = 132.125f;
  std::int64_t field_13 = -133;
  double field_14 = 134.5e-3;
  int field_15 = 135;
  bool field_16 = false;
  std::string field_17 = "value_137";
  std::vector<int> field_18 = {1, 2, 138};
  Mode field_19 = Mode::exact;
};
struct Section7 {
  std::uint32_t field_00 = 140u;
  float field_01 = 141.125f;
  std::int64_t field_02 = -142;
  double field_03 = 143.5e-3;
  int field_04 = 144;
  bool field_05 = true;
  std::string field_06 = "value_146";
  std::vector<int> field_07 = {1, 2, 147};
  Mode field_08 = Mode::exact;
  std::optional<double> field_09 = 149.25;
  std::uint32_t field_10 = 150u;
  float field_11 = 151.125f;
  std::int64_t field_12 = -152;
  double field_13 = 153.5e-3;
  int field_14 = 154;
  bool field_15 = true;
  std::string field_16 = "value_156";
  std::vector<int> field_17 = {1, 2, 157};
  Mode field_18 = Mode::auto_;
  std::optional<double> field_19 = 159.25;
};
struct Section8 {
  float field_00 = 160.125f;
  std::int64_t field_01 = -161;
  double field_02 = 162.5e-3;
  int field_03 = 163;
  bool field_04 = false;
  std::string field_05 = "value_165";
  std::vector<int> field_06 = {1, 2, 166};
  Mode field_07 = Mode::auto_;
  std::optional<double> field_08 = 168.25;
  std::uint32_t field_09 = 169u;
  float field_10 = 170.125f;
  std::int64_t field_11 = -171;
  double field_12 = 172.5e-3;
  int field_13 = 173;
  bool field_14 = false;
  std::string field_15 = "value_175";
  std::vector<int> field_16 = {1, 2, 176};
  Mode field_17 = Mode::fast;
  std::optional<double> field_18 = 178.25;
  std::uint32_t field_19 = 179u;
};
struct Section9 {
  std::int64_t field_00 = -180;
  double field_01 = 181.5e-3;
  int field_02 = 182;
  bool field_03 = true;
  std::string field_04 = "value_184";
  std::vector<int> field_05 = {1, 2, 185};
  Mode field_06 = Mode::fast;
  std::optional<double> field_07 = 187.25;
  std::uint32_t field_08 = 188u;
  float field_09 = 189.125f;
  std::int64_t field_10 = -190;
  double field_11 = 191.5e-3;
  int field_12 = 192;
  bool field_13 = true;
  std::string field_14 = "value_194";
  std::vector<int> field_15 = {1, 2, 195};
  Mode field_16 = Mode::exact;
  std::optional<double> field_17 = 197.25;
  std::uint32_t field_18 = 198u;
  float field_19 = 199.125f;
};
struct Config200 {
  Section0 section_0;
  Section1 section_1;
  Section2 section_2;
  Section3 section_3;
  Section4 section_4;
  Section5 section_5;
  Section6 section_6;
  Section7 section_7;
  Section8 section_8;
  Section9 section_9;
};

}  // namespace config_bench
