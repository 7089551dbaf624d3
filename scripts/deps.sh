#!/usr/bin/env bash
# Installs what vitals' build, demo and tests need on Debian 12, as root. Idempotent and fast when
# everything is already there: it only calls apt-get / pip for what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(g++ cmake ninja-build libboost1.81-dev libfmt-dev libsimdjson-dev catch2 libyaml-cpp-dev
  libbenchmark-dev clang libclang-rt-14-dev libtorch-dev python3 python3-pip pkgconf
  chromium  # headless Chromium opens the HTML report in tests/report (skipped without it)
  libopenmpi-dev openmpi-bin)  # the MPI back end (vitals/dist/mpi.hpp) and its mpirun -np 4 tests
# scripts/demo.sh needs only what the library and the demo build with (VITALS_DEPS=demo): no test
# tools, no LibTorch, no Python oracles.
if [ "${VITALS_DEPS:-all}" = demo ]; then
  APT_PACKAGES=(g++ cmake ninja-build libboost1.81-dev libfmt-dev libsimdjson-dev libyaml-cpp-dev)
  VITALS_SKIP_PIP=1
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "vitals: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python oracles for the tests (never a runtime dependency). The stamp records which requirements
# file was installed, so a second call costs one file comparison.
PY=${PYTHON:-python3}
stamp=build/.requirements-installed
if [ "${VITALS_SKIP_PIP:-0}" != 1 ] && ! cmp -s requirements-test.txt "$stamp" 2>/dev/null; then
  echo "vitals: installing Python test oracles (requirements-test.txt)"
  pip_flags=(-q)
  $PY -m pip install --help 2>/dev/null | grep -q -- --break-system-packages && pip_flags+=(--break-system-packages)
  $PY -m pip install "${pip_flags[@]}" -r requirements-test.txt
  mkdir -p build && cp requirements-test.txt "$stamp"
fi
