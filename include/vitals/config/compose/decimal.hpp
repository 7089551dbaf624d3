// Hydra's float range(), stepped the way Python's `decimal` module steps it: Hydra turns start,
// stop and step into Decimal (exactly: Decimal(0.1) is 0.1000000000000000055511151231257827...),
// adds the step with the default context (28 significant digits, round half to even) and yields
// float(value). range(0.1, 0.4, 0.1) therefore has four values ending in 0.4, and range(0, 1, 0.1)
// gives 0.3 and 0.6 rather than 0.30000000000000004. The values reach run and directory names, so
// vitals reproduces the arithmetic instead of multiplying doubles.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstddef>
#include <vector>

namespace vitals::inline VITALS_ABI::config::detail {
struct decimal_number;  // defined in the .ipp

// |a| vs |b| with both coefficients scaled to the smaller exponent: -1, 0, 1.
VITALS_INLINE int compare_magnitude(const decimal_number& a, const decimal_number& b);

VITALS_INLINE int compare(const decimal_number& a, const decimal_number& b);

/// a + b, exact, then rounded to 28 significant digits.
VITALS_INLINE decimal_number add(const decimal_number& a, const decimal_number& b);

/// The values of Hydra's float range(start, stop, step) (step != 0), at most `limit` of them
/// (more returns limit + 1 values so the caller can report it).
VITALS_INLINE std::vector<double> decimal_range(double start, double stop, double step, std::size_t limit);

}  // namespace vitals::config::detail

#if VITALS_HEADER_BODIES
#include "vitals/config/compose/decimal.ipp"
#endif
