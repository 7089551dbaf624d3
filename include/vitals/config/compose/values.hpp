// How composition reads scalars: the few places where composing (not converting to a struct) must
// know what a scalar *is* — string interpolation ("run_${fold}"), `~key=value` comparisons, range
// sweeps. Types scalars with scalar.hpp's YAML 1.2 core-schema classifier (the readers' one), and spells values the way Python
// (Hydra/OmegaConf) does when it turns them into strings, so "lr_${lr}" reads the same in both.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string>
#include <string_view>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// What a scalar holds under the YAML 1.2 core schema (a quoted scalar is always a string).
enum class scalar_kind { null, boolean, integer, floating, string };

namespace detail {

VITALS_INLINE bool is_digit(char c);

// The YAML 1.2 core schema is read in one place, scalar.hpp (resolve_plain, parse_core_float);
// composition asks it too, so a config value and a struct field never disagree on what `1e-3` is.
VITALS_INLINE double core_float_value(std::string_view t);

/// Python's repr of a float ("0.0003", "1e-05", "1.0", "inf"): shortest round-trip digits, with
/// Python's choice between fixed and exponent notation.
VITALS_INLINE std::string python_float_str(double v);

}  // namespace detail

/// The kind of a scalar or null node (sequences and mappings are not scalars: string is returned).
VITALS_INLINE scalar_kind kind_of(const node& n);

/// A scalar as Python's str() would print the value OmegaConf holds: "True", "None", "0.0003".
VITALS_INLINE std::string python_str(const node& n);

/// Python's repr() of the value OmegaConf holds: strings quoted ('a', "it's"), lists and dicts
/// spelled as Python prints them — what "fold${exp.fold}" makes of a list: "fold[0, 1, 2]".
VITALS_INLINE std::string python_repr(const node& n);

/// Value equality of two trees as data (1 == 1.0, a quoted "1" != 1), used by `~key=value`.
VITALS_INLINE bool same_value(const node& a, const node& b);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/values.ipp"
#endif
