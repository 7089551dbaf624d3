#!/usr/bin/env bash
# Installs deps, builds, and trains the demo model with real logging; prints its run directory.
set -euo pipefail
cd "$(dirname "$0")/.."
VITALS_SKIP_PIP=1 scripts/deps.sh
scripts/build.sh --target demo >/dev/null
./build/examples/demo/demo --config examples/demo/config.yaml "$@"
