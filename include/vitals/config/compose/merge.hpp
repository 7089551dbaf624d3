// Merge rules of composition, as OmegaConf applies them when Hydra merges the configs of a
// defaults list and applies `key=value` overrides: mappings merge key by key, everything else
// (lists included) is replaced, and a mandatory-missing `???` never overwrites a value.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// True for OmegaConf's "mandatory missing" marker `???` (quoted or not, as in OmegaConf).
VITALS_INLINE bool is_missing_value(const node& n);

/// Merges `src` into `dest`: mapping into mapping recursively; otherwise `src` replaces `dest`,
/// except that a missing `???` keeps what `dest` had (OmegaConf keeps the destination's value).
VITALS_INLINE void merge_nodes(node& dest, const node& src);

/// `content` placed under a dotted package path ("exp", "a.b"); the empty package is the root.
VITALS_INLINE node embed_in_package(node content, std::string_view package);

/// The closest of `candidates` to `key` (for "did you mean"), or empty when nothing is close.
VITALS_INLINE std::string closest_key(std::string_view key, const std::vector<std::string>& candidates);

/// Keys of a mapping (empty for anything else).
VITALS_INLINE std::vector<std::string> keys_of(const node& n);

/// Splits "a.b.c" into {"a","b","c"}.
VITALS_INLINE std::vector<std::string> split_key_path(std::string_view key);

namespace detail {

VITALS_INLINE bool parse_index(std::string_view s, std::size_t& out);

}  // namespace detail

/// The node at a dotted path ("a.b", "list.0"), or nullptr.
VITALS_INLINE node* find_path(node& root, std::string_view key);
VITALS_INLINE const node* find_path(const node& root, std::string_view key);

/// merge_nodes in closed (struct) mode: a key of `src` that `dest` lacks is an error, as in
/// Hydra, where `a={x: 1}` may only change keys `a` already has (`+a={x: 1}` may add).
VITALS_INLINE void merge_closed(node& dest, const node& src, const std::string& path, const source_location& where,
                         std::string_view hint_line);

/// Sets `key` (a dotted path) to `value` like OmegaConf.update(cfg, key, value, merge=True):
/// a mapping value merges into an existing mapping, anything else replaces. Without `force_add`
/// the config is closed (Hydra's struct mode): every key on the path must exist, and a missing
/// one is an error with a "did you mean" and the `+key=` hint.
VITALS_INLINE void update_path(node& root, std::string_view key, const node& value, bool force_add, const source_location& where,
                        std::string_view hint_line = {});

/// Deletes the key at a dotted path; false when it is not there.
VITALS_INLINE bool erase_path(node& root, std::string_view key);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/merge.ipp"
#endif
