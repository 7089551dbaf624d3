// Element types of the tensors vitals takes statistics of (fp32, fp16, bf16), and conversions
// between their bit patterns and float.
//
// The conversions are VITALS_HD so the CPU reference and the CUDA kernels decode values the same
// way; they need no CUDA header (fp16/bf16 values are handled as raw 16-bit patterns). On the device
// they use the hardware's cvt instructions, on the host exact bit manipulation with
// round-to-nearest-even, which gives the same results.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <string_view>

#include "vitals/detail/hd.hpp"

namespace vitals::inline VITALS_ABI {
enum class dtype : std::uint8_t { f32, f16, bf16 };

/// Size of one element in bytes.
VITALS_HD constexpr std::uint32_t dtype_size(dtype t) { return t == dtype::f32 ? 4u : 2u; }

constexpr std::string_view dtype_name(dtype t) {
  switch (t) {
    case dtype::f32: return "f32";
    case dtype::f16: return "f16";
    case dtype::bf16: return "bf16";
  }
  return "unknown";
}

namespace detail {

VITALS_HD inline float bits_to_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  return __builtin_bit_cast(float, u);
#endif
}

VITALS_HD inline std::uint32_t float_to_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  return __builtin_bit_cast(std::uint32_t, f);
#endif
}

}  // namespace detail

/// bf16 bit pattern -> float (exact: bf16 is the top half of a float).
VITALS_HD inline float bf16_to_float(std::uint16_t h) {
  return detail::bits_to_float(static_cast<std::uint32_t>(h) << 16);
}

/// float -> bf16 bit pattern, round to nearest even; NaN stays NaN (quiet), Inf stays Inf.
VITALS_HD inline std::uint16_t float_to_bf16(float f) {
  std::uint32_t u = detail::float_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

/// fp16 (IEEE binary16) bit pattern -> float (exact).
VITALS_HD inline float f16_to_float(std::uint16_t h) {
#if defined(__CUDA_ARCH__)
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
#else
  std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t u;
  if (exp == 0x1fu) {
    u = sign | 0x7f800000u | (mant << 13);  // Inf / NaN (payload kept)
  } else if (exp != 0) {
    u = sign | ((exp + 112u) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    u = sign;  // +-0
  } else {
    // Subnormal: value = mant * 2^-24; normalise the mantissa.
    int e = -1;
    do {
      mant <<= 1;
      ++e;
    } while ((mant & 0x400u) == 0);
    u = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  return detail::bits_to_float(u);
#endif
}

/// float -> fp16 bit pattern, round to nearest even, overflow to Inf, underflow to (signed) zero.
VITALS_HD inline std::uint16_t float_to_f16(float f) {
#if defined(__CUDA_ARCH__)
  std::uint16_t h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
#else
  std::uint32_t u = detail::float_to_bits(f);
  std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));  // NaN
  if (a >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: Inf
  if (a >= 0x38800000u) {
    // Normal half: drop 13 mantissa bits with round-to-nearest-even, rebias 127 -> 15.
    std::uint32_t r = a + 0xfffu + ((a >> 13) & 1u);
    return static_cast<std::uint16_t>(sign | ((r - 0x38000000u) >> 13));
  }
  if (a < 0x33000000u) return sign;  // below half the smallest subnormal (2^-25): zero
  // Subnormal half: value / 2^-24 rounded to nearest even.
  std::uint32_t exp = a >> 23;
  std::uint32_t mant = (a & 0x7fffffu) | 0x800000u;
  std::uint32_t shift = 126u - exp;  // 14..24 (2^-25 <= |f| < 2^-14)
  std::uint32_t q = mant >> shift;
  std::uint32_t rem = mant & ((1u << shift) - 1u);
  std::uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (q & 1u))) ++q;
  return static_cast<std::uint16_t>(sign | q);
#endif
}

namespace detail {

/// a * b + c * d with each operation rounded (never fused into an FMA on the device), so the CPU
/// reference and the kernels compute the EMA update bit for bit alike. (On the host, the default
/// x86-64 target has no FMA; builds with -march=native may contract it.)
VITALS_HD inline float mul_add_mul_rn(float a, float b, float c, float d) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(__fmul_rn(a, b), __fmul_rn(c, d));
#else
  return a * b + c * d;
#endif
}

}  // namespace detail

/// `v` rounded to `t` and back (what storing it in a `t` buffer keeps).
VITALS_HD inline float round_to(dtype t, float v) {
  if (t == dtype::f32) return v;
  return t == dtype::f16 ? f16_to_float(float_to_f16(v)) : bf16_to_float(float_to_bf16(v));
}

/// Element `i` of a buffer of `t` as float.
VITALS_HD inline float load_as_float(const void* data, std::uint64_t i, dtype t) {
  if (t == dtype::f32) return static_cast<const float*>(data)[i];
  std::uint16_t h = static_cast<const std::uint16_t*>(data)[i];
  return t == dtype::f16 ? f16_to_float(h) : bf16_to_float(h);
}

/// Stores `v` rounded to `t` (round to nearest even) as element `i`.
VITALS_HD inline void store_from_float(void* data, std::uint64_t i, dtype t, float v) {
  if (t == dtype::f32) {
    static_cast<float*>(data)[i] = v;
  } else {
    static_cast<std::uint16_t*>(data)[i] = t == dtype::f16 ? float_to_f16(v) : float_to_bf16(v);
  }
}

}  // namespace vitals
