// Value tree -> JSON text.
//
// Plain scalars are typed by the core schema (scalar.hpp) and written as JSON numbers, booleans
// or null; YAML spellings become JSON ones (0x1F -> 31, .5 -> 0.5) and numbers already spelled as
// JSON are kept as written. JSON has no NaN or infinity, so .nan/.inf/-.inf are written as the
// strings "nan", "inf", "-inf", which the reader accepts for floating fields. Everything else is
// a string, escaped by the escaper every vitals JSON writer shares (format/json.hpp).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cmath>
#include <string>
#include <string_view>

#include "vitals/config/detail/writer_support.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/scalar.hpp"
#include "vitals/format/json.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

inline void write_json_string(std::string& out, std::string_view s) { vitals::detail::append_json_string(out, s); }

// A plain scalar as JSON: the core schema decides whether it is a number, bool, null or string.
VITALS_INLINE void write_json_plain(std::string& out, const std::string& text);
/// Appends n as JSON (`path`: its key path, for errors).
VITALS_INLINE void write_json(std::string& out, const node& n, int indent, int depth, std::string& path);

}  // namespace detail

/// The tree as JSON text: `indent` spaces per level (0 = one line), ending with a newline when
/// indented. Throws config_error for strings that are not valid UTF-8.
VITALS_INLINE std::string to_json(const node& n, int indent = 2);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/json_writer.ipp"
#endif
