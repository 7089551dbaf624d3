#!/usr/bin/env bash
# Builds a tiny downstream project that uses vitals by find_package (after an install) or by
# add_subdirectory, then runs it.
set -euo pipefail
mode=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
# Where the CUDA toolkit is installed, nvcc is on PATH, as on a user's GPU machine: the
# add_subdirectory consumer must still configure without CUDA.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
if [ "$mode" = find_package ]; then
  cmake -S "$src" -B "$work/vitals-build" "${gen[@]}" -DVITALS_BUILD_TESTS=OFF -DVITALS_BUILD_EXAMPLES=OFF \
    -DVITALS_CUDA=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
  cmake --install "$work/vitals-build" >/dev/null
  cmake -S "$src/tests/foundation/downstream" -B "$work/app" "${gen[@]}" -DMODE=find_package \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
else
  cmake -S "$src/tests/foundation/downstream" -B "$work/app" "${gen[@]}" -DMODE=add_subdirectory \
    -DVITALS_SOURCE="$src" >/dev/null
fi
cmake --build "$work/app" >/dev/null
"$work/app/downstream_app"
