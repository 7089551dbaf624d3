#!/usr/bin/env bash
# Installs what the demo needs (the library's own dependencies only), builds it, and trains the demo
# model with real logging; prints its run directory. Its build folder (build-demo/) has no tests,
# tools or CUDA, so the first run is short; scripts/test.sh builds everything in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
VITALS_DEPS=demo scripts/deps.sh
if [ ! -f build-demo/build.ninja ]; then
  cmake -S . -B build-demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVITALS_BUILD_TESTS=OFF \
    -DVITALS_BUILD_TOOLS=OFF -DVITALS_CUDA=OFF -DVITALS_INSTALL=OFF >/dev/null
fi
echo "vitals: building the demo (first time: a minute or two)"
cmake --build build-demo --target demo >/dev/null
./build-demo/examples/demo/demo --config examples/demo/config.yaml "$@"
