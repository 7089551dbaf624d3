#!/usr/bin/env bash
# Installs deps, builds, and trains the demo model with real logging; prints its run directory.
set -euo pipefail
cd "$(dirname "$0")/.."
VITALS_SKIP_PIP=1 scripts/deps.sh
echo "vitals: building the demo (first time: a minute or two)"
scripts/build.sh demo >/dev/null
./build/examples/demo/demo --config examples/demo/config.yaml "$@"
