// Links files that include vitals with different flags into one program and checks that every
// file's statistics are the same bits (the ODR-relevant inline code has one meaning everywhere).
#include <cstdio>
#include <cstring>
#include <string>
#include <typeinfo>
#include <vector>

#include "odr_case.hpp"

vitals::accumulator stats_plain(std::size_t, int);
vitals::accumulator stats_avx2(std::size_t, int);
#if defined(VITALS_ODR_CUDA)
vitals::accumulator stats_cuda(std::size_t, int);
#endif

namespace {
bool same_bits(const vitals::accumulator& a, const vitals::accumulator& b) {
  auto eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  return a.count == b.count && a.nonfinite == b.nonfinite && eq(a.mean, b.mean) && eq(a.m2, b.m2) &&
         eq(a.min, b.min) && eq(a.max, b.max) && eq(a.absmax, b.absmax) && eq(a.sum_sq, b.sum_sq) &&
         eq(a.sum_abs, b.sum_abs);
}
}  // namespace

int main() {
  std::vector<std::pair<std::string, odr::compute_fn>> files = {{"main.cpp", odr::compute}, {"stats_plain.cpp", stats_plain}};
  if (__builtin_cpu_supports("avx2")) files.emplace_back("stats_avx2.cpp (-mavx2)", stats_avx2);
  else std::printf("note: this CPU has no AVX2; the -mavx2 file is linked but not called\n");
#if defined(VITALS_ODR_CUDA)
  files.emplace_back("stats_cuda.cu (nvcc)", stats_cuda);
#endif
  int failures = 0, checks = 0;
  const char* kinds[] = {"f32", "f64", "bf16", "f16"};
  for (std::size_t i = 0; i < odr::n_sizes; ++i)
    for (int k = 0; k < odr::n_kinds; ++k) {
      auto ref = files[0].second(i, k);
      if (ref.count != odr::sizes[i]) {
        std::printf("FAIL: %s n=%zu: count %llu\n", kinds[k], odr::sizes[i], static_cast<unsigned long long>(ref.count));
        ++failures;
      }
      for (std::size_t f = 1; f < files.size(); ++f, ++checks)
        if (!same_bits(ref, files[f].second(i, k))) {
          auto o = files[f].second(i, k);
          std::printf("FAIL: %s n=%zu: %s mean %.17g m2 %.17g, %s mean %.17g m2 %.17g\n", kinds[k], odr::sizes[i],
                      files[0].first.c_str(), ref.mean, ref.m2, files[f].first.c_str(), o.mean, o.m2);
          ++failures;
        }
    }
  // Every name lives in the versioned inline namespace (vitals/version.hpp): the linker sees it.
  const std::string mangled = typeid(vitals::accumulator).name();
  const std::string abi = VITALS_ABI_STRING;
  if (mangled.find(abi) == std::string::npos) {
    std::printf("FAIL: vitals::accumulator is mangled %s, without the ABI namespace %s\n", mangled.c_str(), abi.c_str());
    ++failures;
  }
  std::printf("%d files, %d comparisons, %d failures\n", static_cast<int>(files.size()), checks, failures);
  return failures ? 1 : 0;
}
