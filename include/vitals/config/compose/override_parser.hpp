// The parser of command-line overrides in Hydra's grammar: `key=value`, `+key=value`, `++key=value`, `~key`,
// `~key=value`, `group@pkg=option`, lists `[1,2]`, dicts `{a: 1}`, quoted strings, escapes, and
// sweeps (`a=1,2,3`, `choice(a,b)`, `range(0,5)`).
//
// The parser follows Hydra 1.3's OverrideLexer/OverrideParser grammar token by token (which
// characters an unquoted value may hold, when `1`, `1.5`, `true`, `null` are typed and when the
// text is a string), because users paste the same command lines into both tools. Values become
// value-tree nodes: typed primitives are plain scalars in canonical spelling, strings are quoted
// scalars, so later YAML 1.2 typing cannot reinterpret a string the user wrote (`yes` stays "yes").
//
// The pieces: override_spec.hpp (what a parsed override is), override_lexicon.hpp (characters and
// number spellings), override_functions.hpp (choice/range/... calls); sweeps expand in sweep.hpp.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/compose/override_spec.hpp"

namespace vitals::inline VITALS_ABI::config {
namespace detail {

class override_parser;  // defined in the .ipp

}  // namespace detail

/// Parses one override; `index` (1-based) only labels error messages. Throws config_error.
VITALS_INLINE override_spec parse_override(std::string_view text, int index = 0);

/// Parses a command line's overrides, collecting every malformed one into one config_error.
VITALS_INLINE std::vector<override_spec> parse_overrides(const std::vector<std::string>& lines);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/override_parser.ipp"
#endif
