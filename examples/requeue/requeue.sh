#!/usr/bin/env bash
# A preempted job that is requeued and continues the same run:
#   1. start training (checkpoints every 20 steps) with a fixed run id and --wandb_resume allow;
#   2. preempt it mid-run with SIGTERM, as SLURM/Kubernetes do (vitals finishes the run, marked
#      preempted; the process exits 143);
#   3. start it again with the same id: it loads its checkpoint and the run continues;
#   4. check_requeue.py: one run, JSONL steps strictly increasing with no gap, and - with the wandb
#      package installed - `wandb sync` of both W&B fragments to the local stand-in server shows
#      one run whose history holds both.
# usage: requeue.sh [path/to/requeue_train] [output dir]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
train="${1:-$here/../../build/examples/requeue/requeue_train}"
out="${2:-$(mktemp -d /tmp/vitals-requeue-XXXXXX)}"
args=(--wandb_id requeue-demo --wandb_resume allow --wandb_dir "$out/runs" --sinks jsonl,csv,tensorboard,wandb
      --no_report --steps 300 --ckpt_every 20 --step_ms 10)
export WANDB_MODE=offline
rm -rf "$out/runs"  # a fresh run each time this script runs

"$train" "${args[@]}" &
pid=$!
# Preempt once about 100 steps are on disk (the run flushes every second or so).
for _ in $(seq 600); do
  n=$(cat "$out"/runs/*_requeue-demo/metrics.jsonl 2>/dev/null | wc -l || true)
  [ "${n:-0}" -ge 100 ] && break
  sleep 0.05
done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
echo "requeue.sh: first start preempted (exit $rc)"
[ "$rc" -eq 143 ] || { echo "requeue.sh: expected exit 143 after SIGTERM" >&2; exit 1; }

"$train" "${args[@]}"
echo "requeue.sh: restarted with the same id and finished"
python3 "$here/check_requeue.py" "$out/runs" 20
