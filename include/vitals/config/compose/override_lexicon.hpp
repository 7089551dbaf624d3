// Hydra's override lexicon: which characters a key or an unquoted value may hold, and when a
// primitive is an int, a float, a bool or null (Hydra types unquoted `1` as int, `1_000` too,
// `0x1` not). Transcribed token by token because users paste the same command lines into both.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

namespace vitals::inline VITALS_ABI::config {
namespace detail {

struct override_lexicon;  // defined in the .ipp

}  // namespace detail

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/override_lexicon.ipp"
#endif
