#!/usr/bin/env bash
# Builds and runs the sinks benchmark (Release) and the Python wandb.log baseline in one go.
# Usage: bench/sinks/run_bench.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-bench-sinks}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVITALS_BUILD_BENCH=ON -DVITALS_BUILD_TESTS=OFF -DVITALS_BUILD_EXAMPLES=OFF >/dev/null
ninja -C "$build" -j2 bench_sinks >/dev/null
"$build"/bench/sinks/bench_sinks --benchmark_min_time=0.5
python3 bench/sinks/wandb_log_bench.py 2000
