#!/usr/bin/env bash
# Configures (once) and builds vitals with CMake + Ninja into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
# nvcc is often installed but not on PATH; CMake finds it through CUDACXX.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ] && [ -z "${CUDACXX:-}" ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc PATH="$PATH:/usr/local/cuda/bin"
fi
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} "$@"
fi
cmake --build build -j "${VITALS_JOBS:-$(nproc)}"
