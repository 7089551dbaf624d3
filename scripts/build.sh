#!/usr/bin/env bash
# Configures (once) and builds vitals with CMake + Ninja into build/.
#   scripts/build.sh              build everything
#   scripts/build.sh demo         build only the named targets
# Extra configure flags: VITALS_CMAKE_ARGS="-DVITALS_BUILD_BENCH=ON" (applied when build/ is new).
set -euo pipefail
cd "$(dirname "$0")/.."
# nvcc is often installed but not on PATH; CMake finds it through CUDACXX.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ] && [ -z "${CUDACXX:-}" ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc PATH="$PATH:/usr/local/cuda/bin"
fi
if [ ! -f build/build.ninja ]; then
  # shellcheck disable=SC2086
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE-RelWithDebInfo}" ${VITALS_CMAKE_ARGS:-}
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "${VITALS_JOBS:-$(nproc)}" "${targets[@]}"
