// What the JSON and YAML writers share: walking a tree with its key path, and checking that a
// string can be written at all (both formats are UTF-8 text).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <string>
#include <string_view>

#include "vitals/config/detail/reader_support.hpp"
#include "vitals/config/detail/utf8.hpp"
#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config::detail {
/// Throws config_error when text is not valid UTF-8: no JSON or YAML file can hold it.
VITALS_INLINE void require_utf8(std::string_view text, const std::string& path, const node& n);

/// Appends `count` spaces.
inline void indent_to(std::string& out, std::size_t count) { out.append(count, ' '); }

}  // namespace vitals::config::detail

#if VITALS_HEADER_BODIES
#include "vitals/config/detail/writer_support.ipp"
#endif
