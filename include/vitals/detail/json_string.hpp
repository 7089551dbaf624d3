// JSON string escaping, shared by every writer of JSON (config writer, JSONL sink, W&B records,
// alerts), so that all of them agree on what a key or value looks like on disk.
#pragma once

#include <cstddef>
#include <string_view>

namespace vitals::detail {

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
