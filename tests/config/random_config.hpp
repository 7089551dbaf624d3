// Random values of every supported config type, for the round-trip property test and the Python
// oracle. Strings mix what breaks writers: YAML indicators, words YAML reads as bool/null/number,
// control characters, YAML 1.1 line breaks (U+0085, U+2028, U+2029), BOM, noncharacters and
// astral code points. Floats include NaN, infinities, -0.0, subnormals and random bit patterns;
// integers the extremes of each type.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_types.hpp"

namespace vitals_test {

class random_config {
 public:
  explicit random_config(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t bits() { return rng_(); }
  bool coin() { return rng_() & 1; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  template <class I>
  I integer() {
    switch (below(4)) {
      case 0: return std::numeric_limits<I>::min();
      case 1: return std::numeric_limits<I>::max();
      case 2: return static_cast<I>(static_cast<std::int64_t>(below(21)) - 10);
      default: return static_cast<I>(bits());
    }
  }

  template <class F>
  F floating(bool finite_only = false) {
    using bits_t = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
    switch (below(finite_only ? 6 : 9)) {
      case 0: return F(0.1) * static_cast<F>(below(100));
      case 1: return -F(0.0);
      case 2: return std::numeric_limits<F>::denorm_min();
      case 3: return std::numeric_limits<F>::max();
      case 4: return std::numeric_limits<F>::lowest();
      case 5: {
        F v;
        do {
          bits_t b = static_cast<bits_t>(bits());
          std::memcpy(&v, &b, sizeof v);
        } while (!std::isfinite(v));
        return v;
      }
      case 6: return std::numeric_limits<F>::quiet_NaN();
      case 7: return std::numeric_limits<F>::infinity();
      default: return -std::numeric_limits<F>::infinity();
    }
  }

  std::string text() {
    static const char* const whole[] = {"", " ", "yes", "No", "ON", "off", "y", "n", "null", "Null", "~", "true",
                                        "FALSE", "1", "-1", "0x1F", "0o17", "017", "1e3", "1.5", ".inf", "-.inf",
                                        ".nan", "nan", "inf", "-", "- a", ": x", "a: b", "#c", "a #b", "&a", "*a",
                                        "!tag", "|", ">", "%x", "@x", "`x", "'q'", "\"q\"", "1_000", "0b101",
                                        "12:30", "2001-12-14", "<<", "=", "[1]", "{a: 1}", "a,b", "key:", "tab\tin",
                                        "trailing ", " leading", "multi\nline", "C:\\path", "_ok", "ok-name.v2/x"};
    if (below(4) == 0) return whole[below(std::size(whole))];
    static const char32_t pieces[] = {U'a', U'Z', U'0', U'9', U' ', U'\t', U'\n', U'\r', U'\0', U'\x01', U'\x1f',
                                      U'\x7f', U'"', U'\'', U'\\', U':', U'#', U'-', U'?', U'[', U']', U'{', U'}',
                                      U',', U'&', U'*', U'!', U'|', U'>', U'%', U'@', U'`', U'=', U'~',
                                      U'\u0080', U'\u0085', U'\u009f', U'\u00a0', U'\u00e9', U'\u2028', U'\u2029',
                                      U'\ufeff', U'\ufffe', U'\uffff', U'\u65e5', U'\U0001F600', U'\U0010FFFF'};
    std::string out;
    std::size_t n = below(12);
    for (std::size_t i = 0; i < n; ++i) append_utf8(out, pieces[below(std::size(pieces))]);
    return out == "???" ? "?" : out;  // "???" is a missing value, as in OmegaConf
  }

  Optim optim() { return Optim{floating<double>(), floating<double>()}; }

  Layer layer() {
    Layer l;
    l.name = text();
    l.width = integer<std::uint32_t>();
    if (coin()) l.dropout = floating<double>();
    return l;
  }

  Everything everything() {
    Everything e;
    e.flag = coin();
    e.i8 = integer<std::int8_t>();
    e.i16 = integer<std::int16_t>();
    e.i32 = integer<std::int32_t>();
    e.i64 = integer<std::int64_t>();
    e.u8 = integer<std::uint8_t>();
    e.u16 = integer<std::uint16_t>();
    e.u32 = integer<std::uint32_t>();
    e.u64 = integer<std::uint64_t>();
    e.f32 = floating<float>();
    e.f64 = floating<double>();
    e.text = text();
    e.arch = static_cast<Arch>(below(3));
    static const Color colors[] = {red, green, blue};
    e.color = colors[below(3)];
    for (std::size_t i = below(5); i > 0; --i) e.values.push_back(floating<double>());
    for (std::size_t i = below(5); i > 0; --i) e.words.push_back(text());
    for (std::size_t i = below(4); i > 0; --i) {
      e.grid.emplace_back();
      for (std::size_t j = below(4); j > 0; --j) e.grid.back().push_back(integer<std::int64_t>());
    }
    for (float& c : e.rgb) c = floating<float>();
    for (std::size_t i = below(4); i > 0; --i) e.weights[text()] = floating<double>();
    for (std::size_t i = below(3); i > 0; --i) e.named_layers[text()] = layer();
    if (coin()) e.maybe_text = text();
    if (coin()) e.maybe_optim = optim();
    if (coin()) e.optimizer = Adam{floating<double>(), floating<double>()};
    else e.optimizer = Sgd{floating<double>(), coin()};
    switch (below(4)) {  // a double here stays finite: JSON writes NaN as "nan", which a string takes
      case 0: e.scalar_choice = integer<std::int64_t>(); break;
      case 1: e.scalar_choice = floating<double>(true); break;
      case 2: e.scalar_choice = text(); break;
      default: e.scalar_choice = coin(); break;
    }
    switch (below(3)) {
      case 0: e.shape_choice = std::monostate{}; break;
      case 1: {
        std::vector<int> v;
        for (std::size_t i = below(4); i > 0; --i) v.push_back(integer<int>());
        e.shape_choice = v;
        break;
      }
      default: {
        std::map<std::string, int> m;
        for (std::size_t i = below(3); i > 0; --i) m[text()] = integer<int>();
        e.shape_choice = m;
      }
    }
    e.name = text();
    e.head = layer();
    for (std::size_t i = below(3); i > 0; --i) e.layers.push_back(layer());
    e.optim = optim();
    return e;
  }

 private:
  static void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }

  std::mt19937_64 rng_;
};

/// Structural equality of two trees (kind, text, style, order), ignoring locations.
inline bool same_tree(const vitals::config::node& a, const vitals::config::node& b) {
  if (a.kind != b.kind || a.text != b.text || a.style != b.style) return false;
  if (a.items.size() != b.items.size() || a.entries.size() != b.entries.size()) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!same_tree(a.items[i], b.items[i])) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i)
    if (a.entries[i].first != b.entries[i].first || !same_tree(a.entries[i].second, b.entries[i].second)) return false;
  return true;
}

/// Two config values are the same when their trees are: floats compare by their shortest text, so
/// NaN equals NaN and -0.0 differs from 0.0.
template <class T>
bool same_value(const T& a, const T& b) {
  return same_tree(vitals::config::to_node(a), vitals::config::to_node(b));
}

}  // namespace vitals_test
