// Writing JSON text: strings (escaped, UTF-8 repaired) and numbers, under one explicit policy.
//
// Every JSON vitals writes goes through here - the JSONL sink, W&B's value_json, config.json,
// alerts, the report - so that all of them agree on what a key or a number looks like on disk.
// What differs between those outputs is a json_policy value, never another formatter:
//   - non-finite doubles: bare NaN / Infinity / -Infinity (Python's json.dumps with allow_nan, which
//     W&B writes and pandas and Python read) or null (strict JSON);
//   - integral doubles: "3.0" (JSONL: readers keep the column floating) or "3" (W&B's value_json,
//     as wandb-core writes it);
//   - exponent notation: std::to_chars's choice (the shortest text: 1e-04, 1e+05) or fmt's
//     (positional from 1e-5 up to 1e16: 0.0001, 100000), both shortest round-trip digits.
// Integers are always exact decimal; strings are always quoted and escaped the same way.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace vitals::inline VITALS_ABI::detail {
enum class json_nonfinite : std::uint8_t { bare_words, null };
enum class json_exponent : std::uint8_t { when_shorter, outside_1e_minus5_to_1e16 };

struct json_policy {
  json_nonfinite nonfinite = json_nonfinite::bare_words;
  bool point_on_integral_doubles = true;  // 3.0 rather than 3
  json_exponent exponent = json_exponent::when_shorter;
  /// A string that already is a W&B typed JSON object ({"_type": ...}, e.g. vitals::wandb_histogram)
  /// is written as that object rather than as a JSON string (sinks/json_format.hpp).
  bool typed_objects_inline = false;
};

/// JSONL in its W&B-compatible mode (the default): NaN/Infinity bare, 3.0, shortest text.
inline constexpr json_policy jsonl_json{};
/// Standard JSON (jsonl{.strict = true}, alerts, the report): non-finite numbers become null.
inline constexpr json_policy strict_json{json_nonfinite::null, true, json_exponent::when_shorter, false};
/// W&B's value_json and history/summary JSON, byte-for-byte what wandb writes.
inline constexpr json_policy wandb_json{json_nonfinite::bare_words, false, json_exponent::outside_1e_minus5_to_1e16, true};

// Out is a std::string or an fmt::memory_buffer: both have push_back and append(first, last).
template <class Out>
void append_text(Out& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

// Numbers are written with std::to_chars / fmt::format_int rather than format strings where the
// policy allows: the sinks' writer thread spends most of its time here.
template <class Out>
void append_json_int(Out& out, std::int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

/// Writes d as fmt's "{}" does (shortest round-trip digits, positional from 1e-5 up to 1e16, as
/// wandb-core writes value_json) into buf; returns the length. Not a template, so fmt is
/// instantiated once, in the library, not in every file that writes JSON.
VITALS_INLINE std::size_t format_double_like_fmt(char (&buf)[40], double d) noexcept;

/// Shortest text that round-trips a finite double, exponent when shorter ("0.1", "1e-07", "12345").
template <class Out>
void append_shortest_double(Out& out, double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
}

template <class Out>
void append_json_double(Out& out, double d, const json_policy& policy) {
  if (std::isnan(d)) {
    append_text(out, policy.nonfinite == json_nonfinite::null ? std::string_view("null") : std::string_view("NaN"));
    return;
  }
  if (std::isinf(d)) {
    if (policy.nonfinite == json_nonfinite::null) append_text(out, "null");
    else append_text(out, d > 0 ? std::string_view("Infinity") : std::string_view("-Infinity"));
    return;
  }
  const std::size_t start = out.size();
  if (policy.exponent == json_exponent::when_shorter) append_shortest_double(out, d);
  else {
    char buf[40];
    out.append(buf, buf + format_double_like_fmt(buf, d));
  }
  if (policy.point_on_integral_doubles) {
    const std::string_view written(out.data() + start, out.size() - start);
    if (written.find_first_of(".eE") == std::string_view::npos) append_text(out, ".0");
  }
}


/// Length of the well-formed UTF-8 sequence starting at p (c = *p >= 0x80), or 0 when it is not
/// one (stray continuation byte, overlong form, surrogate, past U+10FFFF, cut short).
inline std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  unsigned lo = 0x80, hi = 0xBF;
  std::size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (static_cast<std::size_t>(end - p) < n || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((p[k] & 0xC0) != 0x80) return 0;
  return n;
}

/// Appends s as a quoted JSON string to out (a std::string or an fmt::memory_buffer). UTF-8 passes
/// through; quotes, backslashes and control characters are escaped; a byte that is not part of
/// well-formed UTF-8 (a path or command line from the OS may hold any bytes) becomes U+FFFD, so
/// what is written is always valid JSON. Inputs are validated where they are read; this is the
/// last line of defence.
template <class Out>
void append_json_string(Out& out, std::string_view s) {
  out.push_back('"');
  const char* run = s.data();  // start of the pending run that needs no escaping
  const char* end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const auto n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end));
      if (n > 0) {
        p += n - 1;
        continue;
      }
      out.append(run, p);
      run = p + 1;
      static constexpr char replacement[] = "\\ufffd";
      out.append(replacement, replacement + 6);
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(run, p);
    run = p + 1;
    // Two-character escapes: "\x" where x is the letter for the control character.
    char two[2] = {'\\', 0};
    switch (c) {
      case '"': two[1] = '"'; break;
      case '\\': two[1] = '\\'; break;
      case '\n': two[1] = 'n'; break;
      case '\r': two[1] = 'r'; break;
      case '\t': two[1] = 't'; break;
      case '\b': two[1] = 'b'; break;
      case '\f': two[1] = 'f'; break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(u, u + 6);
        continue;
      }
    }
    out.append(two, two + 2);
  }
  out.append(run, end);
  out.push_back('"');
}

}  // namespace vitals::detail

#if VITALS_HEADER_BODIES
#include "vitals/format/json.ipp"
#endif
