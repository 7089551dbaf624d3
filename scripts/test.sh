#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to run all of vitals' tests: deps, build, ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# The tests build unoptimised and without debug info unless CMAKE_BUILD_TYPE says otherwise: every
# test file includes the whole library, and -O2 -g costs ~2.7x the compile time on 2 cores (the demo's
# own build, scripts/demo.sh, is optimised). Timed work lives in bench/, never in these tests.
export CMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE-}"
scripts/build.sh
cd build
ctest --output-on-failure -j "${VITALS_JOBS:-$(nproc)}" "$@"
