#!/usr/bin/env bash
# The GPU check of vitals' fused statistics, run on a (rarely lent, bare) GPU machine from the folder
# scripts/gpu_build.sh filled: no build, no network, bounded to ~7.5 minutes (--budget). Writes
# everything under one output folder:
#
#   gpu_results.md   the results in the format of bench/results/cuda.md (device, benchmark,
#                    goals, correctness steps, sanitizers)
#   summary.txt      the short summary also printed at the end
#   steps.tsv        step, status (pass/fail/skip/unsupported/timeout), seconds, note
#   info.json, bench.json, torch.json, results.json, logs/*.log
#
#   gpu_check.sh [--dry-run] [--budget S] [--travel DIR] [--driver BIN] [--gpu-test BIN]
#                [--gpu-bench BIN] [--nccl-test BIN] [OUT_DIR]
#   OUT_DIR: default $OUT if set, else ./gpu-out.
#   --dry-run: no GPU needed: every step runs with the CPU reference (gpu_check_driver --cpu), the
#     GPU-only binaries are run and must report "no CUDA device" (exit 77), compute-sanitizer, ncu
#     and PyTorch are "skipped (dry run)"; the results file is still written. CI runs this (ctest -L
#     gpu_scripts) against the binaries of the normal build.
#   Binaries: --driver/--gpu-test/--gpu-bench, else <travel>/bin/*, where <travel> is --travel, else
#     this script's folder when it holds bin/, else <repo>/build-gpu-travel; --nccl-test, else
#     <travel>/opt/dist_nccl_test (the NCCL back end's test; skipped where libnccl.so.2 is absent).
# Exit status: 0 when every step passed (or was skipped/unsupported), 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dry=0
budget=450
travel=""
driver="" gpu_test="" gpu_bench="" nccl_test=""
out="${OUT:-./gpu-out}"
while (($#)); do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --budget) budget=$2; shift 2 ;;
    --travel) travel=$2; shift 2 ;;
    --driver) driver=$2; shift 2 ;;
    --gpu-test) gpu_test=$2; shift 2 ;;
    --gpu-bench) gpu_bench=$2; shift 2 ;;
    --nccl-test) nccl_test=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "gpu_check.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
if [ -z "$travel" ]; then
  if [ -d "$here/bin" ]; then travel=$here; else travel=$(cd "$here/.." && pwd)/build-gpu-travel; fi
fi
driver=${driver:-$travel/bin/gpu_check_driver}
gpu_test=${gpu_test:-$travel/bin/gpu_param_stats_test}
gpu_bench=${gpu_bench:-$travel/bin/gpu_stats_bench}
# The Python helpers: beside this script (travel folder or scripts/).
pyhelpers=$here
[ -f "$pyhelpers/gpu_report.py" ] || pyhelpers=$travel

mkdir -p "$out/logs" || exit 1
out=$(cd "$out" && pwd)
steps="$out/steps.tsv"
printf 'step\tstatus\tseconds\tnote\n' >"$steps"
PY=$(command -v python3 || command -v python || true)
export CUDA_MODULE_LOADING=${CUDA_MODULE_LOADING:-LAZY}
start=$SECONDS
cpu=()
((dry)) && cpu=(--cpu)
mode=$([ "$dry" = 1 ] && echo "dry run (CPU reference)" || echo GPU)
echo "gpu_check.sh: $mode; binaries from $(dirname "$driver"); output $out; budget ${budget}s"
[ -f "$travel/BUILD_INFO.txt" ] && cp "$travel/BUILD_INFO.txt" "$out/BUILD_INFO.txt"

record() {  # step status seconds note
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4//$'\t'/ }" >>"$steps"
  printf '  %-28s %-11s %4ss  %s\n' "$1" "$2" "$3" "$4"
}
left() { echo $((budget - (SECONDS - start))); }
# Keeps a log readable and small enough to come back: first 600 and last 200 lines of long ones.
trim_log() {
  local f=$1
  if [ -f "$f" ] && [ "$(wc -l <"$f")" -gt 1000 ]; then
    { head -n 600 "$f"; echo "... ($(wc -l <"$f") lines; middle cut by gpu_check.sh) ..."; tail -n 200 "$f"; } >"$f.tmp"
    mv "$f.tmp" "$f"
  fi
}
# run_step NAME TIMEOUT LOG CMD...: runs CMD bounded by min(TIMEOUT, budget left - 20 s); sets $rc
# (124: timed out) and $secs. Returns 1 without running when the budget is spent.
run_step() {
  local name=$1 limit=$2 log=$3
  shift 3
  local l
  l=$(left)
  ((l - 20 < limit)) && limit=$((l - 20))
  if ((limit < 5)); then
    rc=125 secs=0
    record "$name" skip 0 "budget spent (${budget}s)"
    return 1
  fi
  local t0=$SECONDS
  echo "\$ $*" >"$log"
  timeout -k 5 "$limit" "$@" >>"$log" 2>&1
  rc=$?
  secs=$((SECONDS - t0))
  trim_log "$log"
  return 0
}
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-160; }
judge() {  # name log [no_device_ok]: pass on 0; 77 skip in a dry run (fail on a GPU run)
  local name=$1 log=$2
  if ((rc == 0)); then
    record "$name" pass "$secs" "$(last_line "$log")"
  elif ((rc == 77)) && ((dry)); then
    record "$name" skip "$secs" "no CUDA device (dry run): $(grep -m1 -i 'skipped\|no CUDA' "$log" | cut -c1-120)"
  elif ((rc == 124 || rc == 137)); then
    record "$name" timeout "$secs" "timed out; see logs/$(basename "$log")"
  else
    record "$name" fail "$secs" "exit $rc: $(last_line "$log")"
  fi
}

# --- 0. preflight: the binaries exist and start (else, on a GPU machine, rebuild them here) -------
missing=()
for b in "$driver" "$gpu_test" "$gpu_bench"; do [ -x "$b" ] || missing+=("$(basename "$b")"); done
if [ ! -x "$driver" ]; then
  record preflight fail 0 "no driver binary at $driver; run scripts/gpu_build.sh first"
  exit 1
fi
"$driver" version >"$out/logs/preflight.log" 2>&1
prc=$?
if ((prc != 0)) && ((!dry)); then
  # Typically "GLIBC_2.xx not found": the carried binaries do not fit this system. Rebuild for
  # this GPU from the working tree (CUDA toolkit only), when there is one.
  repo=$(cd "$here/.." && pwd)
  if [ -x "$repo/scripts/gpu_build.sh" ] && { command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; }; then
    echo "gpu_check.sh: carried binaries do not start ($(head -c 200 "$out/logs/preflight.log")); rebuilding with --native"
    t0=$SECONDS
    timeout 240 "$repo/scripts/gpu_build.sh" --native --jobs 3 "$out/rebuild" >"$out/logs/rebuild.log" 2>&1
    if [ -x "$out/rebuild/bin/gpu_check_driver" ]; then
      travel=$out/rebuild driver=$travel/bin/gpu_check_driver gpu_test=$travel/bin/gpu_param_stats_test
      gpu_bench=$travel/bin/gpu_stats_bench
      record rebuild pass $((SECONDS - t0)) "carried binaries did not start; rebuilt with -arch=native"
    else
      record rebuild fail $((SECONDS - t0)) "see logs/rebuild.log"
    fi
    "$driver" version >"$out/logs/preflight.log" 2>&1
    prc=$?
  fi
fi
if ((prc != 0)); then
  record preflight fail 0 "driver does not start: $(head -c 200 "$out/logs/preflight.log")"
else
  note="$(cat "$out/logs/preflight.log")"
  ((${#missing[@]})) && note="$note; missing: ${missing[*]}"
  record preflight pass 0 "$note"
fi

# --- 1. device, driver, clocks --------------------------------------------------------------------
if command -v nvidia-smi >/dev/null && ((!dry)); then
  timeout 30 nvidia-smi --query-gpu=name,driver_version,pci.bus_id,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,power.draw,power.limit,temperature.gpu,memory.total,persistence_mode,compute_mode,mig.mode.current \
    --format=csv >"$out/logs/nvidia-smi.csv" 2>&1
  timeout 30 nvidia-smi -q >"$out/logs/nvidia-smi-q.log" 2>&1
  timeout 30 nvidia-smi >"$out/logs/nvidia-smi.log" 2>&1
fi
{
  echo "uname: $(uname -a)"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  for tool in nvcc compute-sanitizer ncu cuobjdump; do
    p=$(command -v $tool || ls /usr/local/cuda/bin/$tool 2>/dev/null || true)
    echo "$tool: ${p:-not found}${p:+ ($("$p" --version 2>&1 | tail -1))}"
  done
  echo "python: ${PY:-not found}${PY:+ ($("$PY" --version 2>&1))}"
  echo "nproc: $(nproc); mem: $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')"
} >"$out/logs/environment.log" 2>&1
run_step info 60 "$out/logs/info.log" "$driver" "${cpu[@]}" info --json "$out/info.json" && judge info "$out/logs/info.log"
[ -s "$out/info.json" ] || echo '{}' >"$out/info.json"
sed -n '3,7p' "$out/logs/info.log" | sed 's/^/    /'

# --- 2. correctness: the gpu tests, edge cases, bit-identical reruns ------------------------------
if [ -x "$gpu_test" ]; then
  run_step gpu_tests 120 "$out/logs/gpu_tests.log" "$gpu_test" && judge gpu_tests "$out/logs/gpu_tests.log"
  graph=$(grep -m1 '^graph:' "$out/logs/gpu_tests.log")
  [ -n "$graph" ] && echo "    $graph"
else
  record gpu_tests "$([ "$dry" = 1 ] && echo skip || echo fail)" 0 "binary not built: $gpu_test"
fi
# The NCCL back end (tests/dist/nccl_test.cu, a 1-rank communicator, its gather captured in a CUDA
# graph): built by gpu_build.sh into opt/ when nccl.h is found. It needs libnccl.so.2, too large to
# carry (~200 MiB): a machine without it skips the step.
nccl_test=${nccl_test:-$travel/opt/dist_nccl_test}
if [ -x "$nccl_test" ]; then
  for d in /usr/local/cuda/lib64 /usr/lib/x86_64-linux-gnu /usr/local/lib; do
    [ -e "$d/libnccl.so.2" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
  done
  if ldd "$nccl_test" 2>/dev/null | grep -q 'libnccl.*not found'; then
    record nccl skip 0 "libnccl.so.2 is not installed on this machine"
  else
    run_step nccl 60 "$out/logs/nccl.log" "$nccl_test" && judge nccl "$out/logs/nccl.log"
  fi
else
  record nccl skip 0 "not built (no nccl.h where gpu_build.sh ran): $nccl_test"
fi
run_step edge_cases 150 "$out/logs/edge_cases.log" "$driver" "${cpu[@]}" edge && judge edge_cases "$out/logs/edge_cases.log"
if run_step determinism_1 60 "$out/logs/determinism.log" "$driver" "${cpu[@]}" dump "$out/dump1.bin"; then
  rc1=$rc
  run_step determinism_2 60 "$out/logs/determinism2.log" "$driver" "${cpu[@]}" dump "$out/dump2.bin"
  cat "$out/logs/determinism2.log" >>"$out/logs/determinism.log"
  rm -f "$out/logs/determinism2.log"
  if ((rc1 == 77 || rc == 77)); then
    judge determinism "$out/logs/determinism.log"
  elif ((rc1 == 0 && rc == 0)) && cmp -s "$out/dump1.bin" "$out/dump2.bin"; then
    record determinism pass "$secs" "two processes: $(stat -c %s "$out/dump1.bin") result bytes identical"
  else
    record determinism fail "$secs" "exit $rc1/$rc or results differ: $(cmp "$out/dump1.bin" "$out/dump2.bin" 2>&1 | head -1)"
  fi
  rm -f "$out/dump1.bin" "$out/dump2.bin"
fi

# --- 3. benchmark: vitals vs memcpy; PyTorch on the same GPU; the benchmark's own table -----------
run_step bench 150 "$out/logs/bench.log" "$driver" "${cpu[@]}" bench --json "$out/bench.json" && judge bench "$out/logs/bench.log"
[ -s "$out/bench.json" ] || echo '{"rows": []}' >"$out/bench.json"
if [ -z "$PY" ]; then
  record torch_bench skip 0 "no python3"
elif ((dry)); then
  run_step torch_bench 60 "$out/logs/torch_bench.log" "$PY" "$pyhelpers/gpu_torch_bench.py" --dry-run --json "$out/torch.json" &&
    { ((rc == 0)) && record torch_bench skip "$secs" "skipped (dry run): sizes only, $(last_line "$out/logs/torch_bench.log")" || judge torch_bench "$out/logs/torch_bench.log"; }
elif ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  record torch_bench skip 0 "python has no torch"
else
  run_step torch_bench 180 "$out/logs/torch_bench.log" "$PY" "$pyhelpers/gpu_torch_bench.py" --json "$out/torch.json" &&
    judge torch_bench "$out/logs/torch_bench.log"
fi
[ -s "$out/torch.json" ] || echo '{"rows": []}' >"$out/torch.json"
if [ -x "$gpu_bench" ]; then
  run_step gpu_stats_bench 120 "$out/logs/gpu_stats_bench.log" "$gpu_bench" || true
  if ((rc == 0)) && grep -q 'no CUDA device' "$out/logs/gpu_stats_bench.log"; then
    if ((dry)); then record gpu_stats_bench skip "$secs" "no CUDA device (dry run)"; else rc=1; judge gpu_stats_bench "$out/logs/gpu_stats_bench.log"; fi
  elif ((rc != 125)); then
    judge gpu_stats_bench "$out/logs/gpu_stats_bench.log"
  fi
else
  record gpu_stats_bench "$([ "$dry" = 1 ] && echo skip || echo fail)" 0 "binary not built: $gpu_bench"
fi

# --- 4. compute-sanitizer on the statistics kernels ----------------------------------------------
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
sanitize() {  # name tool timeout binary args...
  local name=$1 tool=$2 limit=$3
  shift 3
  local log="$out/logs/$name.log"
  if ((dry)); then record "$name" skip 0 "skipped (dry run)"; return; fi
  if [ -z "$sanitizer" ]; then record "$name" skip 0 "compute-sanitizer not found"; return; fi
  local extra=()
  [ "$tool" = memcheck ] && extra=(--leak-check full)
  run_step "$name" "$limit" "$log" "$sanitizer" --tool "$tool" --error-exitcode 86 --print-limit 30 "${extra[@]}" "$@" || return
  local summary
  summary=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|hazard' "$log" | tail -1 | sed 's/^========= //')
  if grep -qiE 'not supported|unsupported device|device is not supported' "$log"; then
    record "$name" unsupported "$secs" "$(grep -m1 -iE 'not supported|unsupported' "$log" | sed 's/^========= //' | cut -c1-140)"
  elif ((rc == 0)); then
    record "$name" pass "$secs" "${summary:-no errors}"
  elif ((rc == 124 || rc == 137)); then
    record "$name" timeout "$secs" "timed out; see logs/$(basename "$log")"
  else
    record "$name" fail "$secs" "exit $rc: ${summary:-$(last_line "$log")}"
  fi
}
sanitize sanitizer_memcheck memcheck 90 "$driver" sanitize
sanitize sanitizer_racecheck racecheck 120 "$driver" sanitize
sanitize sanitizer_initcheck initcheck 90 "$driver" sanitize
sanitize sanitizer_synccheck synccheck 90 "$driver" sanitize
[ -x "$gpu_test" ] && sanitize sanitizer_memcheck_gpu_tests memcheck 120 "$gpu_test"

# --- 5. ncu (optional): kernels per call, DRAM throughput, registers, occupancy -----------------
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
if ((dry)); then
  record ncu skip 0 "skipped (dry run)"
elif [ -z "$ncu" ]; then
  record ncu skip 0 "ncu not found"
elif run_step ncu 90 "$out/logs/ncu.log" "$ncu" --target-processes all -k regex:param_stats --launch-count 4 \
  --metrics gpu__time_duration.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,dram__bytes.sum,launch__registers_per_thread,launch__grid_size,sm__warps_active.avg.pct_of_peak_sustained_active \
  "$driver" bench --iters 1; then
  if grep -qiE 'ERR_NVGPUCTRPERM|permission' "$out/logs/ncu.log"; then
    record ncu unsupported "$secs" "no permission for GPU performance counters (ERR_NVGPUCTRPERM)"
  elif grep -qiE 'not supported' "$out/logs/ncu.log"; then
    record ncu unsupported "$secs" "$(grep -m1 -i 'not supported' "$out/logs/ncu.log" | cut -c1-140)"
  else
    judge ncu "$out/logs/ncu.log"
  fi
fi

# --- 6. the results file ----------------------------------------------------------------------------
total=$((SECONDS - start))
if [ -n "$PY" ] && "$PY" "$pyhelpers/gpu_report.py" --out "$out" --seconds "$total" $([ "$dry" = 1 ] && echo --dry-run) \
  >"$out/logs/report.log" 2>&1; then
  cat "$out/summary.txt"
else
  echo "gpu_check.sh: gpu_report.py failed (see logs/report.log); writing a plain results file" >&2
  { echo "# Fused CUDA statistics — GPU check ($mode)"; echo; echo '```'; cat "$steps"; echo '```'; } >"$out/gpu_results.md"
  cat "$out/logs/report.log" >&2
  echo "report" >>"$out/failed"
fi
if awk -F'\t' '$2=="fail"||$2=="timeout" {bad=1} END {exit !bad}' "$steps" || [ -f "$out/failed" ]; then
  echo "gpu_check.sh: FAILED steps (${total}s): $(awk -F'\t' '$2=="fail"||$2=="timeout" {printf "%s ", $1}' "$steps")"
  exit 1
fi
echo "gpu_check.sh: all steps passed or skipped (${total}s); results in $out/gpu_results.md"
exit 0
