// UTF-8 checks shared by the readers, the writers, the command line and run options.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace vitals::inline VITALS_ABI::config::detail {
/// Decodes the code point at s[i]; returns its length in bytes, or 0 when the bytes there are not
/// valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
inline std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

/// Offset of the first byte that is not part of valid UTF-8, or s.size().
inline std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  std::uint32_t cp = 0;
  while (i < s.size()) {
    std::size_t len = decode_utf8(s, i, cp);
    if (len == 0) return i;
    i += len;
  }
  return s.size();
}

}  // namespace vitals::config::detail

namespace vitals::inline VITALS_ABI::config::detail {
/// 1-based line and column (in bytes) of offset `at` in `text`.
inline std::pair<int, int> line_col_of(std::string_view text, std::size_t at) {
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, static_cast<int>(at - line_start + 1)};
}

/// "byte 0xFF" for a message about invalid UTF-8 at s[at].
inline std::string invalid_byte_text(std::string_view s, std::size_t at) {
  static constexpr char hex[] = "0123456789ABCDEF";
  const auto c = static_cast<unsigned char>(s[at]);
  return std::string("byte 0x") + hex[c >> 4] + hex[c & 0xF];
}

/// Why a text that should be UTF-8 is not, or "" when it is: "not valid UTF-8 (byte 0xFF at
/// offset 3)". For strings that did not come from a file (flags, environment variables).
inline std::string utf8_problem(std::string_view s) {
  const std::size_t at = first_invalid_utf8(s);
  if (at == s.size()) return {};
  return "is not valid UTF-8 (" + invalid_byte_text(s, at) + " at byte " + std::to_string(at + 1) + ")";
}

}  // namespace vitals::config::detail
