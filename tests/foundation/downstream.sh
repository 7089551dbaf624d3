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
  cmake --build "$work/vitals-build" -j2 >/dev/null  # libvitals.a (and, for find_package, the tools)
  cmake --install "$work/vitals-build" >/dev/null
  cmake -S "$src/tests/foundation/downstream" -B "$work/app" "${gen[@]}" -DMODE=find_package \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
elif [ "$mode" = pkg_config ]; then
  # No CMake on the user's side: the installed vitals.pc gives every flag.
  cmake -S "$src" -B "$work/vitals-build" "${gen[@]}" -DVITALS_BUILD_TESTS=OFF -DVITALS_BUILD_EXAMPLES=OFF \
    -DVITALS_CUDA=OFF -DVITALS_BUILD_TOOLS=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
  cmake --build "$work/vitals-build" -j2 >/dev/null  # libvitals.a (and, for find_package, the tools)
  cmake --install "$work/vitals-build" >/dev/null
  flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig" pkg-config --cflags --libs vitals)
  mkdir -p "$work/app"
  # shellcheck disable=SC2086
  ${CXX:-g++} "$src/tests/foundation/downstream/main.cpp" $flags -o "$work/app/downstream_app"
  "$work/app/downstream_app"
  exit 0
elif [ "$mode" = fetchcontent ]; then
  # The release archive a user would fetch: the library's sources, no tests, examples or tools.
  tar -czf "$work/vitals.tar.gz" -C "$src" --transform 's,^,vitals/,' CMakeLists.txt LICENSE cmake include cuda src
  cmake -S "$src/tests/foundation/downstream" -B "$work/app" "${gen[@]}" -DMODE=fetchcontent \
    -DVITALS_ARCHIVE="$work/vitals.tar.gz" >/dev/null
else
  cmake -S "$src/tests/foundation/downstream" -B "$work/app" "${gen[@]}" -DMODE=add_subdirectory \
    -DVITALS_SOURCE="$src" >/dev/null
fi
cmake --build "$work/app" >/dev/null
"$work/app/downstream_app"
