// YAML text -> value tree, with yaml-cpp's event parser.
//
// The tree is built straight from parser events (not through YAML::Node), so every node keeps its
// own 1-based line:col, quoted scalars are marked (yaml-cpp reports tag "!" for them), and what
// yaml-cpp lets through silently is caught here: duplicate keys, non-scalar keys, several
// documents, aliases that expand without bound ("billion laughs") or refer to their own parent.
// Scalars stay text: typing them by YAML 1.2 core-schema rules is the conversion's job, because
// `on` is a string for a string field and true for a bool field.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <filesystem>
#include <string>
#include <string_view>

#include "vitals/config/detail/reader_support.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {

/// Parses one YAML document into a value tree. `file` only labels locations. An empty document (or
/// one of only comments) is null. Throws config_error (with file:line:col) on text that is not
/// UTF-8, text over limits().max_config_bytes, syntax errors, duplicate keys, more than one
/// document, nesting deeper than max_nesting_depth, and alias bombs.
VITALS_INLINE node parse_yaml(std::string_view text, std::string file = "");

/// Reads and parses a YAML file; locations name the file as given.
VITALS_INLINE node load_yaml_file(const std::filesystem::path& path);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/yaml_reader.ipp"
#endif
