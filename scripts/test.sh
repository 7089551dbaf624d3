#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to run all of vitals' tests: deps, build, ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "${VITALS_JOBS:-$(nproc)}" "$@"
