// Bodies of vitals/run/run_id.hpp (see vitals/version.hpp: compiled once in the library, or inline in every file in header-only use).
#pragma once

#include "vitals/run/run_id.hpp"

#include <array>
#include <random>

namespace vitals::inline VITALS_ABI {
VITALS_INLINE std::string make_run_id(std::size_t length) {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string id(length, 'a');
  for (auto& c : id) c = alphabet[pick(rd)];
  return id;
}

VITALS_INLINE std::string make_run_name(std::size_t n) {
  static constexpr std::array<std::string_view, 24> adjectives = {
      "amber", "bold", "brisk", "calm", "crisp", "dapper", "eager", "fancy", "gentle", "glad", "hazy", "jolly",
      "keen",  "lucky", "misty", "noble", "proud", "quiet", "rapid", "silver", "sunny", "swift", "vivid", "wise"};
  static constexpr std::array<std::string_view, 24> nouns = {
      "aurora", "breeze", "brook", "cloud", "comet", "dawn", "dune", "ember", "field", "forest", "galaxy", "glade",
      "harbor", "lake",   "leaf",  "meadow", "moon", "night", "ocean", "river", "sky",   "snow",   "star",   "wave"};
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> a(0, adjectives.size() - 1), b(0, nouns.size() - 1);
  return std::string(adjectives[a(rd)]) + "-" + std::string(nouns[b(rd)]) + "-" + std::to_string(n);
}

VITALS_INLINE std::string sanitize_dir_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool bad = c < 0x20 || c == 0x7f || ch == '/' || ch == '\\' || ch == ':' || ch == '*' || ch == '?' || ch == '"' ||
               ch == '<' || ch == '>' || ch == '|' || ch == ' ';
    out.push_back(bad ? '-' : ch);
  }
  // "a/../b" became "a-..-b": harmless inside one path component, but keep dots from leading.
  while (!out.empty() && out.front() == '.') out.front() = '_';
  if (out.size() > 100) {
    out.resize(100);
    // Do not cut a UTF-8 sequence in half.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  if (out.empty()) out = "run";
  return out;
}
}  // namespace vitals
