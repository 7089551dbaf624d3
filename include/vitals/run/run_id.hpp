// Run ids, default names and directory names.
//
// Ids are 8 characters [a-z0-9] (36^8 ~ 2.8e12) from std::random_device, never from time or pid:
// array jobs started in the same second on one filesystem must not collide. The directory's
// exclusive mkdir is the final arbiter (see run_dir.hpp).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <string>
#include <string_view>

namespace vitals::inline VITALS_ABI {
/// 8 random characters from [a-z0-9].
VITALS_INLINE std::string make_run_id(std::size_t length = 8);

/// "adjective-noun-N", as W&B names runs (N: the run's number in its directory).
VITALS_INLINE std::string make_run_name(std::size_t n);

/// A directory-name-safe form of a display name: '/', '\\', control characters, ':' and other
/// characters that shells or filesystems treat specially become '-', a leading '.' becomes '_'
/// (so neither "." nor ".." nor hidden names can result), and the result is at most 100 bytes.
/// No name can therefore escape the runs directory.
VITALS_INLINE std::string sanitize_dir_name(std::string_view name);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/run/run_id.ipp"
#endif
