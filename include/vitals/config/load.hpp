// Front doors for typed configs: read a struct from a file or text, write it back.
//
//   auto cfg = vitals::load<Train>("experiments/001/config.yaml");   // .json, .yaml or .yml
//   auto cfg = vitals::parse_yaml<Train>(text);  auto cfg = vitals::parse_json<Train>(text);
//   std::string y = vitals::to_yaml(cfg);        std::string j = vitals::to_json(cfg);
//   vitals::save("runs/x/config.json", cfg);
//
// Every reader returns T{} with the document merged in, or throws config_error listing every
// problem; it never returns a partly-read struct.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/json_reader.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals::inline VITALS_ABI {
namespace config {

enum class file_format { json, yaml };

/// The format a path's extension names (.json, .yaml, .yml, any case); config_error otherwise.
inline file_format format_of(const std::filesystem::path& path) {
  std::string ext = detail::ascii_lower(path.extension().string());
  if (ext == ".json") return file_format::json;
  if (ext == ".yaml" || ext == ".yml") return file_format::yaml;
  throw config_error(problem{"", "cannot tell the format of '" + path.string() + "' (use .json, .yaml or .yml)",
                             source_location::in_file(path.string())});
}

/// Reads a JSON or YAML file (by extension; a pipe or device without one by its first byte) into a
/// value tree: at most limits().max_config_bytes, UTF-8. Throws config_error naming the file and
/// the reason it cannot be read.
inline node load_file(const std::filesystem::path& path) {
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

}  // namespace config

/// Reads a config struct from a .json, .yaml or .yml file.
template <class T>
T load(const std::filesystem::path& path) {
  return config::from_node<T>(config::load_file(path));
}

/// Reads a config struct from JSON text; `file` only labels locations in errors.
template <class T>
T parse_json(std::string_view text, std::string file = "") {
  return config::from_node<T>(config::parse_json(text, std::move(file)));
}

/// Reads a config struct from YAML text; `file` only labels locations in errors.
template <class T>
T parse_yaml(std::string_view text, std::string file = "") {
  return config::from_node<T>(config::parse_yaml(text, std::move(file)));
}

/// A config struct (or a value tree) as JSON text, `indent` spaces per level (0 = one line).
template <class T>
std::string to_json(const T& value, int indent = 2) {
  if constexpr (std::is_same_v<T, config::node>) return config::to_json(value, indent);
  else return config::to_json(config::to_node(value), indent);
}

/// A config struct (or a value tree) as a YAML document.
template <class T>
std::string to_yaml(const T& value) {
  if constexpr (std::is_same_v<T, config::node>) return config::to_yaml(value);
  else return config::to_yaml(config::to_node(value));
}

/// Writes a config struct as JSON or YAML, by the path's extension. Throws config_error when the
/// file cannot be written.
template <class T>
void save(const std::filesystem::path& path, const T& value) {
  std::string text = config::format_of(path) == config::file_format::json ? to_json(value) : to_yaml(value);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw config::config_error(config::problem{"", "cannot write config file", config::source_location::in_file(path.string())});
}

}  // namespace vitals
