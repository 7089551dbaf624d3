"""examples/array_jobs (seed 001): launch.sh runs three tasks in parallel; three distinct run dirs
runs/{name}_{id}/ with config.json holding each task's setting and state.pth with the weights;
a bad SLURM_ARRAY_TASK_ID is a usage error (exit 2) with no run directory.

usage: array_jobs_test.py ARRAY_JOBS LAUNCH_SH
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

from common import check, clean_env, finish, run, run_dirs

exe, launch = sys.argv[1:3]
SETTINGS = [(0.05, 32, 1e-3), (0.02, 64, 1e-3), (0.1, 16, 1e-4)]

with tempfile.TemporaryDirectory() as tmp:
    r = run(["bash", launch, exe, tmp, "epochs=3"], tmp)
    dirs = run_dirs(r)
    check(len(set(dirs)) == 3, f"three distinct run dirs: {dirs}")
    for task in range(3):
        out = (pathlib.Path(tmp) / f"task_{task}.out").read_text()
        d = pathlib.Path(tmp) / [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("run directory: ")][0]
        cfg = json.loads((d / "config.json").read_text())
        meta = json.loads((d / "metadata.json").read_text())
        check((cfg["learning_rate"], cfg["embedding"], cfg["weight_decay"]) == SETTINGS[task] and cfg["epochs"] == 3,
              f"task {task}: config {cfg}")
        check(d.name == f"{meta['name']}_{meta['id']}" and re.fullmatch(r"[a-z0-9]{8}", meta["id"]), f"task {task}: dir {d.name}")
        state = (d / "state.pth").read_bytes()
        n_params = 16 * e + e + e * 16 + 16 if (e := SETTINGS[task][1]) else 0
        check(state.startswith(b"fc1.weight ") and len(state) > 4 * n_params, f"task {task}: state.pth {len(state)} bytes")
        summ = json.loads((d / "summary.json").read_text())
        check(summ["model_params/total_params"] == n_params and 0 < summ["final/train_loss"] < 0.2, f"task {task}: summary {summ}")
    bad = subprocess.run([exe], cwd=tmp, capture_output=True, text=True, env=clean_env(SLURM_ARRAY_TASK_ID="7"), timeout=30)
    check(bad.returncode == 2 and "SLURM_ARRAY_TASK_ID" in bad.stderr, f"task 7: exit {bad.returncode} {bad.stderr}")
    check(len(list((pathlib.Path(tmp) / "runs").iterdir())) == 3, "a refused task left a run directory")

finish("array_jobs_test")
