#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything scripts/gpu_check.sh runs on a bare GPU machine
# (NVIDIA driver + C++ runtime; no Boost/fmt/simdjson/yaml-cpp/Catch2, no network), into ONE
# git-ignored folder that the device tool carries (at most 64 MiB):
#
#   <dir>/bin/gpu_param_stats_test   tests/cuda/gpu_param_stats_test.cu   (GPU vs CPU reference, graph)
#   <dir>/bin/gpu_stats_bench        bench/gpu/gpu_stats_bench.cu         (the benchmark's table)
#   <dir>/bin/gpu_check_driver       tests/gpu_scripts/gpu_check_driver.cpp (edge cases, dump,
#                                    sanitizer workload, bench JSON, device info; --cpu: CPU reference)
#   <dir>/gpu_check.sh, gpu_torch_bench.py, gpu_report.py, BUILD_INFO.txt
#
# The binaries need only the CUDA headers, CUB, include/vitals/health and cuda/vitals; they link
# cudart and libstdc++ statically (glibc, libm, libgcc_s and the driver's libcuda stay dynamic) and
# carry SASS for sm_80 and sm_90 plus compute_90 PTX (JIT on newer GPUs), with -lineinfo for
# compute-sanitizer.
#
#   scripts/gpu_build.sh [DIR]          default DIR: build-gpu-travel (ignored by /build-*/)
#   options: --arch "80 90"   SASS targets (PTX for the highest is added)
#            --native         build for the GPU of this machine only (-arch=native), without the
#                             glibc shim: the fallback gpu_check.sh uses on a GPU machine whose
#                             glibc is too old for the carried binaries
#            --jobs N         parallel nvcc processes (default: nproc, at most 3)
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc), CC (default cc).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

dir=build-gpu-travel
archs="80 90"
native=0
njobs=$(nproc 2>/dev/null || echo 2)
((njobs > 3)) && njobs=3
while (($#)); do
  case "$1" in
    --arch) archs=$2; shift 2 ;;
    --native) native=1; shift ;;
    --jobs) njobs=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "gpu_build.sh: unknown option $1" >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || { echo "gpu_build.sh: nvcc not found (set NVCC=/path/to/nvcc)" >&2; exit 1; }
CC=${CC:-cc}
start=$(date +%s)

mkdir -p "$dir/bin" "$dir/obj"
rm -f "$dir"/bin/* "$dir"/obj/*

gencode=()
if ((native)); then
  gencode=(-arch=native)
else
  top=0
  for a in $archs; do
    gencode+=(-gencode "arch=compute_$a,code=sm_$a")
    ((a > top)) && top=$a
  done
  gencode+=(-gencode "arch=compute_$top,code=compute_$top")
fi
# Compile (-x cu: the driver is a .cpp) and link separately, so -x cu does not apply to the shim's
# object. -Xcompiler -static-libstdc++: g++ (nvcc's host linker) links libstdc++.a.
cflags=(-x cu -std=c++20 -O3 -lineinfo "${gencode[@]}" -I"$repo/include" -I"$repo/cuda" -diag-suppress 177)
lflags=("${gencode[@]}" -Xcompiler -static-libstdc++ --cudart static)


extra_objs=()
if ((!native)); then
  "$CC" -O2 -c -o "$dir/obj/glibc_compat.o" tests/gpu_scripts/glibc_compat.c
  extra_objs=("$dir/obj/glibc_compat.o")
fi

declare -A sources=(
  [gpu_param_stats_test]=tests/cuda/gpu_param_stats_test.cu
  [gpu_stats_bench]=bench/gpu/gpu_stats_bench.cu
  [gpu_check_driver]=tests/gpu_scripts/gpu_check_driver.cpp
)
echo "gpu_build.sh: $NVCC, ${gencode[*]}, $njobs parallel jobs -> $dir"
pids=()
names=()
for name in gpu_check_driver gpu_param_stats_test gpu_stats_bench; do
  while (($(jobs -rp | wc -l) >= njobs)); do sleep 1; done
  ( t0=$(date +%s)
    { "$NVCC" "${cflags[@]}" -c -o "$dir/obj/$name.o" "${sources[$name]}" &&
      "$NVCC" "${lflags[@]}" -o "$dir/bin/$name" "$dir/obj/$name.o" "${extra_objs[@]}"; } >"$dir/obj/$name.log" 2>&1 ||
      { echo "gpu_build.sh: $name FAILED:"; tail -n 40 "$dir/obj/$name.log"; exit 1; }
    echo "  built bin/$name in $(($(date +%s) - t0)) s" ) &
  pids+=($!)
  names+=("$name")
done
fail=0
for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail=1; done
((fail)) && { echo "gpu_build.sh: build failed" >&2; exit 1; }

# The NCCL back end's test, when nccl.h is found: in opt/, outside the checks below, because it
# links libnccl.so.2 dynamically (~200 MiB, never carried); gpu_check.sh skips it where the GPU
# machine has no NCCL.
rm -rf "$dir/opt"
nccl_inc=""
for d in "$(dirname "$NVCC")/../include" /usr/local/cuda/include /usr/include; do
  [ -f "$d/nccl.h" ] && { nccl_inc=$d; break; }
done
if [ -n "$nccl_inc" ]; then
  mkdir -p "$dir/opt"
  nccl_lib=$(dirname "$(find "$nccl_inc/../lib64" "$nccl_inc/../lib" /usr/lib/x86_64-linux-gnu -maxdepth 1 -name 'libnccl.so*' 2>/dev/null | head -1)")
  t0=$(date +%s)
  { "$NVCC" "${cflags[@]}" -c -o "$dir/obj/dist_nccl_test.o" tests/dist/nccl_test.cu &&
    "$NVCC" "${lflags[@]}" -o "$dir/opt/dist_nccl_test" "$dir/obj/dist_nccl_test.o" "${extra_objs[@]}" -L"$nccl_lib" -lnccl; } \
    >"$dir/obj/dist_nccl_test.log" 2>&1 ||
    { echo "gpu_build.sh: dist_nccl_test FAILED:"; tail -n 40 "$dir/obj/dist_nccl_test.log"; exit 1; }
  echo "  built opt/dist_nccl_test in $(($(date +%s) - t0)) s"
fi

for f in gpu_check.sh gpu_torch_bench.py gpu_report.py; do cp "scripts/$f" "$dir/$f"; done
chmod +x "$dir/gpu_check.sh"

# Checks: what the binaries load at run time, the newest glibc they need, the folder's size.
ok=1
allowed='^(linux-vdso\.so|libc\.so|libm\.so|libgcc_s\.so|ld-linux|libdl\.so|libpthread\.so|librt\.so)'
glibc_max=""
for b in "$dir"/bin/*; do
  needed=$(objdump -p "$b" | awk '/NEEDED/ {print $2}')
  for lib in $needed; do
    if ! [[ $lib =~ $allowed ]]; then
      echo "gpu_build.sh: $b needs $lib, which a bare GPU machine may lack" >&2
      ok=0
    fi
  done
  v=$(objdump -T "$b" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  [ -z "$glibc_max" ] || [ "$(printf '%s\n%s\n' "$glibc_max" "$v" | sort -V | tail -1)" = "$v" ] && glibc_max=$v
done
if ((!native)) && [ "$(printf '%s\n%s\n' "$glibc_max" GLIBC_2.34 | sort -V | tail -1)" != GLIBC_2.34 ]; then
  echo "gpu_build.sh: warning: the binaries need $glibc_max (> GLIBC_2.34); gpu_check.sh rebuilds with --native where they cannot start" >&2
fi
rm -rf "$dir/obj"
size_kib=$(du -sk "$dir" | cut -f1)
limit_kib=$((48 * 1024))  # the device tool carries 64 MiB in all: keep a margin
if ((size_kib > limit_kib)); then
  echo "gpu_build.sh: $dir is $((size_kib / 1024)) MiB, over the 48 MiB this script allows (64 MiB carry limit)" >&2
  ok=0
fi

{
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) in $(($(date +%s) - start)) s"
  if git rev-parse HEAD >/dev/null 2>&1; then
    echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- include/vitals/health include/vitals/detail include/vitals/sinks/record.hpp cuda tests/cuda/gpu_param_stats_test.cu tests/gpu_scripts bench/gpu/gpu_stats_bench.cu scripts/gpu_*.sh scripts/gpu_*.py || echo ' (+ uncommitted changes to its sources)')"
  else
    echo "commit: unknown (no git here)"
  fi
  echo "nvcc: $("$NVCC" --version | tail -1)"
  echo "host compiler: $(${CXX:-g++} --version | head -1)"
  echo "targets: ${gencode[*]}"
  echo "compile: nvcc ${cflags[*]}"
  echo "link: nvcc ${lflags[*]}"
  echo "newest glibc symbol needed: ${glibc_max:-none}"
  echo "size: ${size_kib} KiB"
  for b in "$dir"/bin/*; do
    echo "$(basename "$b"): $(stat -c %s "$b") bytes; NEEDED: $(objdump -p "$b" | awk '/NEEDED/ {printf "%s ", $2}')"
  done
} >"$dir/BUILD_INFO.txt"

# Smoke test: each binary starts (77 = no CUDA device, expected on a machine without a GPU). With
# --native (on a GPU machine) only the driver, which does no GPU work for `version`.
smoke=(gpu_check_driver gpu_param_stats_test gpu_stats_bench)
((native)) && smoke=(gpu_check_driver)
for b in "${smoke[@]}"; do
  set +e
  arg=""; [ "$b" = gpu_check_driver ] && arg=version
  timeout 60 "$dir/bin/$b" $arg >/dev/null 2>&1
  rc=$?
  set -e
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    echo "gpu_build.sh: $dir/bin/$b does not start here (exit $rc)" >&2
    ok=0
  fi
done

cat "$dir/BUILD_INFO.txt"
echo "gpu_build.sh: $dir: $((size_kib / 1024)) MiB in $(($(date +%s) - start)) s"
((ok)) || exit 1
echo "gpu_build.sh: ok. On a GPU machine: $dir/gpu_check.sh \"\${OUT:-./gpu-out}\""
