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

namespace vitals::inline VITALS_ABI {
namespace config {

enum class file_format { json, yaml };

/// The format a path's extension names (.json, .yaml, .yml, any case); config_error otherwise.
VITALS_INLINE file_format format_of(const std::filesystem::path& path);

/// Reads a JSON or YAML file (by extension; a pipe or device without one by its first byte) into a
/// value tree: at most limits().max_config_bytes, UTF-8. Throws config_error naming the file and
/// the reason it cannot be read.
VITALS_INLINE node load_file(const std::filesystem::path& path);

namespace detail {
/// Writes `text` to `path` (truncating); config_error when the file cannot be written. save()'s
/// non-template part.
VITALS_INLINE void write_config_text(const std::filesystem::path& path, const std::string& text);
}  // namespace detail

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
  config::detail::write_config_text(path, text);
}

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/config/load.ipp"
#endif
