"""Helpers shared by the examples' smoke tests: run a program, find its run directory, read files."""
import json
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wandb"))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "SLURM_")) and k not in ("VITALS_SINKS", "PROJECT_ROOT")}
    env.update(extra)
    return env


def run(cmd, cwd, env=None, timeout=60):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env or clean_env(), timeout=timeout)
    check(r.returncode == 0, f"{cmd}: exit {r.returncode}: {r.stderr[-1500:]}")
    return r


def run_dirs(r):
    """Every 'run directory: X' line a program printed, as paths."""
    return [pathlib.Path(l.split(": ", 1)[1]) for l in r.stdout.splitlines() if l.startswith("run directory: ")]


def jsonl(path):
    return [json.loads(l) for l in pathlib.Path(path).read_text().splitlines() if l.strip()]


def fired(run_dir):
    """The rules that fired at least once (alerts.jsonl)."""
    return {a["rule"] for a in jsonl(run_dir / "alerts.jsonl") if a["state"] == "fired"}


def wandb_records(run_dir):
    from wandb_reader import kind, read_records
    files = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    check(len(files) == 1, f"one .wandb file in {run_dir}: {files}")
    return (read_records(str(files[0])) if files else []), kind


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failure(s):\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"{name}: ok")
