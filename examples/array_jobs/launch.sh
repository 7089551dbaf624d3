#!/usr/bin/env bash
# Seed 001's array job without SLURM: three instances in parallel, SLURM_ARRAY_TASK_ID = 0, 1, 2
# (what `sbatch --array=0-2 --wrap "array_jobs"` does), then checks that each left its own complete
# run directory: runs/{run_name}_{run_id}/ with config.json (written at start) and state.pth (at the end).
#   launch.sh ARRAY_JOBS WORK_DIR [key=value ...]
set -euo pipefail
exe=$1 work=$2
shift 2
mkdir -p "$work"
cd "$work"
pids=()
for task in 0 1 2; do
  SLURM_ARRAY_TASK_ID=$task "$exe" "$@" > "task_$task.out" 2> "task_$task.err" &
  pids+=($!)
done
status=0
for i in 0 1 2; do wait "${pids[$i]}" || { echo "task $i failed: $(cat task_$i.err)" >&2; status=1; }; done
[ $status -eq 0 ] || exit 1
dirs=()
for task in 0 1 2; do
  d=$(sed -n 's/^run directory: //p' "task_$task.out")
  [ -n "$d" ] || { echo "task $task printed no run directory" >&2; exit 1; }
  for f in config.json state.pth metadata.json; do
    [ -s "$d/$f" ] || { echo "task $task: $d/$f missing or empty" >&2; exit 1; }
  done
  dirs+=("$d")
done
if [ "$(printf '%s\n' "${dirs[@]}" | sort -u | wc -l)" -ne 3 ]; then
  echo "the three tasks share a run directory: ${dirs[*]}" >&2
  exit 1
fi
printf 'run directory: %s\n' "${dirs[@]}"
