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

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "vitals/config/convert.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/json_reader.hpp"
#include "vitals/config/json_writer.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/config/yaml_writer.hpp"

namespace vitals {
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

/// Reads a JSON or YAML file (by extension) into a value tree.
inline node load_file(const std::filesystem::path& path) {
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
