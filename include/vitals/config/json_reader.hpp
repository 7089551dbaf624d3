// JSON text -> value tree, with simdjson's On-Demand parser.
//
// On-Demand is used rather than DOM because it keeps a pointer into the input for every token, so
// each node gets its line:col (computed from the byte offset) and every error points at the place
// it was found. Numbers keep the text they were written with (`1e-4`, `18446744073709551615`):
// typing them is the conversion's job, which also reports out-of-range values with their text.
// Strings become quoted scalars, true/false plain scalars, null a null node.
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

/// Parses JSON text into a value tree. `file` only labels locations; a leading UTF-8 byte-order
/// mark is skipped. Throws config_error (with file:line:col) on text over
/// limits().max_config_bytes, invalid UTF-8, syntax errors, trailing text, duplicate keys and nesting deeper than
/// max_nesting_depth.
VITALS_INLINE node parse_json(std::string_view text, std::string file = "");

/// Reads and parses a JSON file; locations name the file as given.
VITALS_INLINE node load_json_file(const std::filesystem::path& path);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/json_reader.ipp"
#endif
