// What the JSON and YAML readers share: the nesting limit, key-path spelling, duplicate-key
// detection and reading a whole file.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstddef>
#include <filesystem>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/error.hpp"
#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// Deepest nesting a reader accepts; deeper documents are an error, never a stack overflow.
inline constexpr std::size_t max_nesting_depth = 256;

namespace detail {

/// Appends ".key" (or "key" at the root) to a key path.
VITALS_INLINE std::string join_key(std::string_view path, std::string_view key);

/// Appends "[i]" to a key path.
VITALS_INLINE std::string join_index(std::string_view path, std::size_t i);

/// One problem per repeated key of a mapping (YAML and JSON both allow them syntactically; a
/// config never means them). Sorting keeps big mappings from costing O(n^2).
VITALS_INLINE void check_duplicate_keys(const node& map, std::string_view path, std::vector<problem>& out);

/// Problems sorted by where they were written (readers find them in closing order).
VITALS_INLINE std::vector<problem> in_source_order(std::vector<problem> problems);

/// "16 MiB", "1.5 KiB", "12 bytes".
VITALS_INLINE std::string byte_size_text(std::size_t n);

/// The whole file as bytes; a config_error naming the file and the reason (the OS's words) when
/// it cannot be read, when it is a directory, or when it holds more than
/// limits().max_config_bytes. Pipes and character devices (`--config <(envsubst < f.yaml)`,
/// /dev/stdin) are read as a stream up to that limit, so /dev/zero cannot fill the memory.
VITALS_INLINE std::string read_text_file(const std::filesystem::path& path);

}  // namespace detail
}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/detail/reader_support.ipp"
#endif
