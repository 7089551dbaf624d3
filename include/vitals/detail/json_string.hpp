// JSON string escaping, shared by every writer of JSON (config writer, JSONL sink, W&B records,
// alerts), so that all of them agree on what a key or value looks like on disk.
#pragma once

#include <string_view>

namespace vitals::detail {

/// Appends s as a quoted JSON string to out (a std::string or an fmt::memory_buffer). UTF-8 passes
/// through; quotes, backslashes and control characters are escaped.
template <class Out>
void append_json_string(Out& out, std::string_view s) {
  out.push_back('"');
  const char* run = s.data();  // start of the pending run that needs no escaping
  const char* end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
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
