// Bodies of vitals/config/load.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/load.hpp"

#include <fstream>
#include <system_error>

namespace vitals::inline VITALS_ABI::config {
/// The format a path's extension names (.json, .yaml, .yml, any case); config_error otherwise.
VITALS_INLINE file_format format_of(const std::filesystem::path& path) {
  std::string ext = detail::ascii_lower(path.extension().string());
  if (ext == ".json") return file_format::json;
  if (ext == ".yaml" || ext == ".yml") return file_format::yaml;
  throw config_error(problem{"", "cannot tell the format of '" + path.string() + "' (use .json, .yaml or .yml)",
                             source_location::in_file(path.string())});
}

/// Reads a JSON or YAML file (by extension; a pipe or device without one by its first byte) into a
/// value tree: at most limits().max_config_bytes, UTF-8. Throws config_error naming the file and
/// the reason it cannot be read.
VITALS_INLINE node load_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))  // named before its extension is judged
    throw config_error(problem{"", "cannot read config file: it is a directory (give a .yaml, .yml or .json file)",
                               source_location::in_file(path.string())});
  const std::string ext = detail::ascii_lower(path.extension().string());
  if (ext != ".json" && ext != ".yaml" && ext != ".yml") {
    // A pipe or device has no extension to go by (`--config <(envsubst < f.yaml)` is /dev/fd/63,
    // /dev/stdin): YAML, unless its first non-blank byte is '{' or '[' and it reads as JSON.
    const auto type = std::filesystem::status(path, ec).type();
    if (type == std::filesystem::file_type::fifo || type == std::filesystem::file_type::character ||
        type == std::filesystem::file_type::socket) {
      std::string text = detail::read_text_file(path);
      std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
      if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
        try {
          return parse_json(text, path.string());
        } catch (const config_error&) {
          // a YAML flow mapping (`{a: 1}`) is not JSON; when it is not YAML either, say why as JSON
          try {
            return parse_yaml(text, path.string());
          } catch (const config_error&) {
          }
          return parse_json(text, path.string());
        }
      }
      return parse_yaml(text, path.string());
    }
  }
  return format_of(path) == file_format::json ? load_json_file(path) : load_yaml_file(path);
}

namespace detail {
VITALS_INLINE void write_config_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw config_error(problem{"", "cannot write config file", source_location::in_file(path.string())});
}
}  // namespace detail

}  // namespace vitals::config
