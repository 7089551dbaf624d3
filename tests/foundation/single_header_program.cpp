// Compiles and runs with nothing of vitals but single_include/vitals.hpp; single_header_program.cu
// compiles this same file with nvcc.
#include <vitals.hpp>

#include <cstdio>
#include <string_view>

namespace {
struct Optim {
  double lr = 3e-4;
  int warmup = 100;
};
enum class Arch { resnet, transformer };
}  // namespace

int main() {
#if defined(__CUDACC__)
  // nvcc's front end mis-evaluates some such static_asserts (docs/reflect.md): check at run time.
  if (vitals::field_names<Optim>[1] != "warmup") return 2;
#else
  static_assert(vitals::field_names<Optim>[1] == "warmup");
#endif
  if (vitals::enum_to_string(Arch::transformer) != "transformer") return 1;
  std::printf("vitals %s single header OK\n", VITALS_VERSION_STRING);
  return 0;
}
