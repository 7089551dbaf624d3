"""Checks that a requeued run is one continuous run (used by requeue.sh).

usage: check_requeue.py <runs dir> <checkpoint interval>
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

runs, every = sys.argv[1], int(sys.argv[2])
dirs = [d for d in glob.glob(os.path.join(runs, "*")) if os.path.isdir(d)]
assert len(dirs) == 1, f"want one run directory, got {dirs}"
d = dirs[0]
steps = [json.loads(line)["_step"] for line in open(os.path.join(d, "metrics.jsonl"))]
gaps = [b - a for a, b in zip(steps, steps[1:])]
assert all(g > 0 for g in gaps), "JSONL steps are not strictly increasing"
assert max(gaps) <= every, f"a gap of {max(gaps)} steps, more than the checkpoint interval {every}"
meta = json.load(open(os.path.join(d, "metadata.json")))
print(f"run {meta['id']}: {len(steps)} JSONL rows, steps {steps[0]}..{steps[-1]}, largest gap {max(gaps)}; starts:")
for s in meta["starts"]:
    print(f"  pid {s['pid']}: exit {s.get('exit_code')}{' (preempted)' if s.get('preempted') else ''}"
          f"{', resumed at step %d' % s['resumed_at_step'] if 'resumed_at_step' in s else ''}")

frags = sorted(glob.glob(os.path.join(d, "wandb", "offline-run-*")))
try:
    import wandb  # noqa: F401
except ImportError:
    print(f"{len(frags)} W&B fragments; install wandb to sync them to the stand-in server")
    sys.exit(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "wandb"))
from fake_wandb_server import FakeWandbServer, sync_env  # noqa: E402

with FakeWandbServer() as srv:
    home = tempfile.mkdtemp()
    try:
        p = subprocess.run([sys.executable, "-m", "wandb", "sync", "--include-synced", *frags], capture_output=True,
                           text=True, env=sync_env(srv, home), cwd=home, timeout=240)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = [r["_step"] for r in srv.history_rows()]
    assert len(srv.runs) == 1, f"the server saw {len(srv.runs)} runs"
    assert rows == steps, "the uploaded history is not the JSONL history"
    print(f"wandb sync of {len(frags)} fragments: the stand-in server has 1 run ({list(srv.runs)[0][2]}), "
          f"{len(rows)} history rows, steps {rows[0]}..{rows[-1]}, exit code {srv.exit_code()}")
