// Bodies of vitals/config/detail/reader_support.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/detail/reader_support.hpp"

namespace vitals::inline VITALS_ABI::config::detail {

VITALS_INLINE std::string join_key(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

VITALS_INLINE std::string join_index(std::string_view path, std::size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

VITALS_INLINE void check_duplicate_keys(const node& map, std::string_view path, std::vector<problem>& out) {
  const auto& e = map.entries;
  if (e.size() < 2) return;
  if (e.size() <= 8) {  // the common case: no allocation
    for (std::size_t i = 1; i < e.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (e[j].first == e[i].first) {
          out.push_back({join_key(path, e[i].first),
                         "duplicate key '" + e[i].first + "' (first set at " + e[j].second.where.str() + ")",
                         e[i].second.where});
          break;
        }
    return;
  }
  std::vector<std::size_t> order(e.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return e[a].first < e[b].first; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const auto& first = e[order[i - 1]];
    const auto& again = e[order[i]];
    if (first.first != again.first) continue;
    // Point back at the first occurrence of the run of equal keys.
    std::size_t j = i - 1;
    while (j > 0 && e[order[j - 1]].first == again.first) --j;
    out.push_back({join_key(path, again.first),
                   "duplicate key '" + again.first + "' (first set at " + e[order[j]].second.where.str() + ")",
                   again.second.where});
  }
}

VITALS_INLINE std::vector<problem> in_source_order(std::vector<problem> problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const problem& a, const problem& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  return problems;
}

VITALS_INLINE std::string byte_size_text(std::size_t n) {
  if (n < 1024) return std::to_string(n) + " bytes";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1024 && u < 3) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, v == static_cast<double>(static_cast<std::size_t>(v)) ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

VITALS_INLINE std::string read_text_file(const std::filesystem::path& path) {
  const source_location where = source_location::in_file(path.string());
  const std::size_t limit = limits().max_config_bytes;
  auto too_big = [&] {
    return config_error(problem{"", "config file is larger than the " + byte_size_text(limit) +
                                        " limit (vitals::config::limits().max_config_bytes)",
                                where});
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec && status.type() == std::filesystem::file_type::not_found)
    throw config_error(problem{"", "cannot open config file: No such file or directory", where});
  if (status.type() == std::filesystem::file_type::directory)
    throw config_error(problem{"", "cannot read config file: it is a directory (give a .yaml, .yml or .json file)", where});
  if (status.type() == std::filesystem::file_type::regular) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > limit) throw too_big();
  }
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const int err = errno;
    throw config_error(problem{"", std::string("cannot open config file: ") + (err ? std::strerror(err) : "unknown error"), where});
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    if (n > 0) {
      if (text.size() + n > limit) {
        std::fclose(f);
        throw too_big();
      }
      text.append(buf, n);
    }
    if (n < sizeof buf) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed)
    throw config_error(problem{"", std::string("cannot read config file: ") + (err ? std::strerror(err) : "read error"), where});
  return text;
}

}  // namespace vitals::config::detail
