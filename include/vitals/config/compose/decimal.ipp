// Bodies of vitals/config/compose/decimal.hpp (see vitals/version.hpp: compiled in the library, or inline).
#pragma once

#include "vitals/config/compose/decimal.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vitals::inline VITALS_ABI::config::detail {

/// A decimal number: (-1)^negative * digits * 10^exponent, digits without leading zeros ("0" for 0).
struct decimal_number {
  bool negative = false;
  std::string digits = "0";
  long exponent = 0;

  /// The exact value of a double (every double is a finite decimal), as Decimal(float) is.
  static decimal_number exact(double x) {
    decimal_number d;
    if (x == 0) return d;
    d.negative = x < 0;
    // 1100 digits after the point cover the longest expansion of any double; glibc prints exactly.
    std::vector<char> buf(1200);
    std::snprintf(buf.data(), buf.size(), "%.1100e", x < 0 ? -x : x);
    std::string s(buf.data());
    std::size_t e = s.find('e');
    d.exponent = std::strtol(s.c_str() + e + 1, nullptr, 10);
    d.digits.clear();
    for (std::size_t i = 0; i < e; ++i)
      if (s[i] != '.') d.digits += s[i];
    d.exponent -= static_cast<long>(d.digits.size()) - 1;
    d.trim();
    return d;
  }

  double to_double() const {
    std::string s = (negative ? "-" : "") + digits + "e" + std::to_string(exponent);
    return std::strtod(s.c_str(), nullptr);
  }

  bool is_zero() const { return digits == "0"; }

  void trim() {
    std::size_t nz = digits.find_first_not_of('0');
    if (nz == std::string::npos) {
      *this = decimal_number{};
      return;
    }
    digits.erase(0, nz);
    while (digits.size() > 1 && digits.back() == '0') {
      digits.pop_back();
      ++exponent;
    }
  }

  /// Rounds to `precision` significant digits, half to even (Python's default context).
  void round_to(std::size_t precision) {
    if (digits.size() <= precision) return;
    std::size_t drop = digits.size() - precision;
    std::string kept = digits.substr(0, precision), rest = digits.substr(precision);
    bool up = rest[0] > '5' || (rest[0] == '5' && (rest.find_first_not_of('0', 1) != std::string::npos ||
                                                  (kept.back() - '0') % 2 == 1));
    exponent += static_cast<long>(drop);
    if (up) {
      int i = static_cast<int>(kept.size()) - 1;
      while (i >= 0 && kept[static_cast<std::size_t>(i)] == '9') kept[static_cast<std::size_t>(i--)] = '0';
      if (i < 0) kept.insert(kept.begin(), '1');
      else ++kept[static_cast<std::size_t>(i)];
    }
    digits = kept;
    trim();
  }
};

VITALS_INLINE int compare_magnitude(const decimal_number& a, const decimal_number& b) {
  long e = std::min(a.exponent, b.exponent);
  std::string x = a.digits + std::string(static_cast<std::size_t>(a.exponent - e), '0');
  std::string y = b.digits + std::string(static_cast<std::size_t>(b.exponent - e), '0');
  if (a.is_zero()) x = "0";
  if (b.is_zero()) y = "0";
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

VITALS_INLINE int compare(const decimal_number& a, const decimal_number& b) {
  if (a.is_zero() && b.is_zero()) return 0;
  bool an = a.negative && !a.is_zero(), bn = b.negative && !b.is_zero();
  if (an != bn) return an ? -1 : 1;
  int m = compare_magnitude(a, b);
  return an ? -m : m;
}

VITALS_INLINE decimal_number add(const decimal_number& a, const decimal_number& b) {
  long e = std::min(a.exponent, b.exponent);
  std::string x = a.digits + std::string(static_cast<std::size_t>(a.exponent - e), '0');
  std::string y = b.digits + std::string(static_cast<std::size_t>(b.exponent - e), '0');
  if (x.size() < y.size()) x.insert(0, y.size() - x.size(), '0');
  if (y.size() < x.size()) y.insert(0, x.size() - y.size(), '0');
  decimal_number out;
  out.exponent = e;
  std::string r(x.size() + 1, '0');
  if (a.negative == b.negative) {
    int carry = 0;
    for (std::size_t i = x.size(); i-- > 0;) {
      int s = (x[i] - '0') + (y[i] - '0') + carry;
      r[i + 1] = static_cast<char>('0' + s % 10);
      carry = s / 10;
    }
    r[0] = static_cast<char>('0' + carry);
    out.negative = a.negative;
  } else {
    bool x_bigger = x >= y;  // same length, so string order is numeric order
    const std::string& big = x_bigger ? x : y;
    const std::string& small = x_bigger ? y : x;
    int borrow = 0;
    for (std::size_t i = big.size(); i-- > 0;) {
      int s = (big[i] - '0') - (small[i] - '0') - borrow;
      borrow = s < 0;
      r[i + 1] = static_cast<char>('0' + (s + 10) % 10);
    }
    out.negative = x_bigger ? a.negative : b.negative;
  }
  out.digits = r;
  out.trim();
  out.round_to(28);
  return out;
}

VITALS_INLINE std::vector<double> decimal_range(double start, double stop, double step, std::size_t limit) {
  decimal_number cur = decimal_number::exact(start), end = decimal_number::exact(stop), by = decimal_number::exact(step);
  std::vector<double> out;
  const bool up = step > 0;
  while (up ? compare(cur, end) < 0 : compare(cur, end) > 0) {
    out.push_back(cur.to_double());
    if (out.size() > limit) break;
    cur = add(cur, by);
  }
  return out;
}
}  // namespace vitals::config::detail
