// A .cu file that uses vitals' fused CUDA statistics (what a raw-CUDA trainer includes).
#include <vitals/cuda.cuh>

int main() {
  vitals::tensor_table table;
  return static_cast<int>(table.size());
}
