// Value tree -> YAML text (block style, two-space indent), written by vitals rather than
// yaml-cpp's emitter so that what we write reads back the same through yaml-cpp + the core schema
// (our reader) and through PyYAML (YAML 1.1, what Python users load it with):
//   - numbers are written in forms both agree on: ints in decimal, floats with a '.' and a signed
//     exponent ("1.0e-07"), non-finite as .nan/.inf/-.inf;
//   - a string is written plain only when it starts with a letter or '_', uses [A-Za-z0-9_./ -],
//     does not end in a space and is none of the words either schema reads as bool or null;
//     anything else is double-quoted, with escapes for what YAML 1.1 treats as a line break or
//     does not allow raw (controls, DEL, C1, U+2028/2029, U+FEFF, U+FFFE/FFFF);
//   - plain scalars of an untyped tree keep their plain-ness where it means something to our
//     reader (yes/no/on/off, which a bool field accepts, and ???, a missing value).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <string>
#include <string_view>

#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/detail/writer_support.hpp"
#include "vitals/config/node.hpp"
#include "vitals/config/scalar.hpp"

namespace vitals::inline VITALS_ABI::config {

/// The tree as a YAML document (block style). Throws config_error for strings that are not valid
/// UTF-8.
VITALS_INLINE std::string to_yaml(const node& n);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/yaml_writer.ipp"
#endif
