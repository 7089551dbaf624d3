// Which parameter statistics to compute: a set of named param_stat values, usable as a template
// argument (C++20 class-type non-type template parameter), so work for statistics not asked for is
// compiled out of the kernels while the choice stays typo-proof and printable:
//
//   vitals::compute_param_stats<vitals::param_stat::grad | vitals::param_stat::weight>(table);
//
// The EMA update is not a statistic (it writes the EMA buffers): it is an operation of its own,
// vitals::update_ema (param_stats.hpp) and vitals::device_ema_update (cuda/vitals/param_stats.cuh).
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <initializer_list>
#include <string>

namespace vitals::inline VITALS_ABI {
enum class param_stat : unsigned {
  grad,              // grad L2 norm, max |g|, non-finite count
  weight,            // mean |w|, std, min, max, max |w|, non-finite count
  ema_diff,          // mean |e - w|, ||e - w||_2, relative to ||w||_2
  weight_histogram,  // one fixed-bin histogram of every weight
};

inline constexpr param_stat all_param_stats[] = {param_stat::grad, param_stat::weight, param_stat::ema_diff,
                                                 param_stat::weight_histogram};

inline constexpr const char* to_string(param_stat s) {
  switch (s) {
    case param_stat::grad: return "grad";
    case param_stat::weight: return "weight";
    case param_stat::ema_diff: return "ema_diff";
    case param_stat::weight_histogram: return "weight_histogram";
  }
  return "?";
}

namespace detail {
/// The bits of a stat_set, spelt out. nvcc's host pass writes a class template argument back as
/// `T({bits})` or `{bits}`, so stat_set must be implicitly constructible from its member's value;
/// going through this type keeps an integer from converting to a stat_set (that would take two
/// user-defined conversions), so `compute_param_stats<5>` does not compile.
struct stat_bits {
  unsigned value;
  constexpr stat_bits(unsigned v) : value(v) {}  // NOLINT: implicit, for nvcc's T({bits})
};
}  // namespace detail

/// A set of param_stat, built from param_stat values (an integer does not convert to it); combine
/// with `|`.
struct stat_set {
  /// One bit per param_stat. Public only because a class used as a template argument must have
  /// public members; build sets from param_stat values.
  unsigned bits_ = 0;

  constexpr stat_set() = default;
  constexpr stat_set(param_stat s) : bits_(bit(s)) {}  // NOLINT: implicit, so param_stat::grad is a set
  constexpr stat_set(detail::stat_bits b) : bits_(b.value) {}  // NOLINT: implicit, for nvcc's {bits}
  constexpr stat_set(std::initializer_list<param_stat> s) {
    for (param_stat x : s) bits_ |= bit(x);
  }

  static constexpr stat_set all() {
    stat_set s;
    for (param_stat x : all_param_stats) s.bits_ |= bit(x);
    return s;
  }

  constexpr bool contains(param_stat s) const { return (bits_ & bit(s)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  friend constexpr stat_set operator|(stat_set a, stat_set b) {
    stat_set r;
    r.bits_ = a.bits_ | b.bits_;
    return r;
  }
  friend constexpr bool operator==(stat_set, stat_set) = default;

  /// "{grad, weight}".
  std::string to_string() const {
    std::string out = "{";
    for (param_stat x : all_param_stats)
      if (contains(x)) out += (out.size() > 1 ? ", " : "") + std::string(vitals::to_string(x));
    return out + "}";
  }

  static constexpr unsigned bit(param_stat s) { return 1u << static_cast<unsigned>(s); }
};

constexpr stat_set operator|(param_stat a, param_stat b) { return stat_set(a) | stat_set(b); }

}  // namespace vitals
