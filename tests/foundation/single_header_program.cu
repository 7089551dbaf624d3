// Compiles and runs with nothing of vitals but single_include/vitals.hpp.
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
  if (vitals::field_names<Optim>[1] != "warmup") return 2;  // nvcc: runtime check, see docs/reflect.md
  if (vitals::enum_to_string(Arch::transformer) != "transformer") return 1;
  std::printf("vitals %s single header OK\n", VITALS_VERSION_STRING);
  return 0;
}
