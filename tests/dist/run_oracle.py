#!/usr/bin/env python3
"""Rank-aware runs, 4 ranks on this machine: started with torchrun's variables (no MPI) and, when
mpirun is installed, under mpirun --oversubscribe -np 4.

usage: run_oracle.py <dist_run_driver>

Checks: one run directory written by rank 0 only, every rank reporting the same run id; per-rank
mode writes 4 runs in one group; killing one rank mid-run leaves rank 0's files readable; a bad
option on every rank prints one error and every rank exits 2."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import uuid

DRIVER = sys.argv[1]
MPIRUN = shutil.which("mpirun")
LAUNCHER_PREFIXES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "OMPI_", "PMI_", "PMIX_", "SLURM_", "TORCHELASTIC_",
                     "WANDB_", "VITALS_", "MPI_LOCALRANKID")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(LAUNCHER_PREFIXES)}
    env.update(extra)
    return env


def torchrun(root, args=(), **extra):
    """4 processes with the variables torchrun sets; returns (returncodes, stdouts, stderrs)."""
    run_id = str(uuid.uuid4())
    procs = []
    for r in range(4):
        env = clean_env(RANK=str(r), WORLD_SIZE="4", LOCAL_RANK=str(r), LOCAL_WORLD_SIZE="4", GROUP_RANK="0",
                        MASTER_ADDR="127.0.0.1", MASTER_PORT="29500", TORCHELASTIC_RUN_ID=run_id, **extra)
        procs.append(subprocess.Popen([DRIVER, "--wandb_dir", str(root), *args], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=60) for p in procs]
    return [p.returncode for p in procs], [o for o, _ in outs], [e for _, e in outs]


def mpirun(root, args=(), timeout=60, **extra):
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", "4", "--mca", "btl", "self,tcp",
           "--mca", "btl_tcp_if_include", "lo", DRIVER, "--wandb_dir", str(root), *args]
    p = subprocess.run(cmd, env=clean_env(**extra), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_dirs(root):
    return sorted(d for d in pathlib.Path(root).iterdir() if d.is_dir()) if pathlib.Path(root).exists() else []


def ranks_lines(stdout):
    """{rank: (id, writes)} from the drivers' 'rank R id ID writes W dir D' lines."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] == "rank":
            out[int(parts[1])] = (parts[3], parts[5])
    return out


def readable(run_dir, min_rows=1):
    """Every file rank 0 wrote parses: metadata.json, config.json, each JSONL line."""
    json.loads((run_dir / "metadata.json").read_text())
    json.loads((run_dir / "config.json").read_text())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return len(rows) >= min_rows


def one_run_by_rank_zero(root, stdout, label):
    dirs = run_dirs(root)
    check(len(dirs) == 1, f"{label}: one run directory ({[d.name for d in dirs]})")
    lines = ranks_lines(stdout)
    check(sorted(lines) == [0, 1, 2, 3], f"{label}: every rank reported ({lines})")
    ids = {v[0] for v in lines.values()}
    check(len(ids) == 1, f"{label}: every rank has the same run id ({ids})")
    check(all(w == ("1" if r == 0 else "0") for r, (_, w) in lines.items()), f"{label}: only rank 0 writes")
    if dirs:
        meta = json.loads((dirs[0] / "metadata.json").read_text())
        check(meta.get("distributed", {}).get("world_size") == 4 and meta["distributed"]["rank"] == 0,
              f"{label}: metadata.json records rank 0 of 4 ({meta.get('distributed')})")
        check(dirs[0].name.endswith("_" + ids.pop()) if len(ids) == 1 else False, f"{label}: the directory has the id")
        rows = [json.loads(l) for l in (dirs[0] / "metrics.jsonl").read_text().splitlines() if l.strip()]
        check(len(rows) == 10 and all(r["rank"] == 0 for r in rows), f"{label}: 10 rows, all from rank 0")


def per_rank(root, label):
    dirs = run_dirs(root)
    check(len(dirs) == 4, f"{label}: 4 runs ({[d.name for d in dirs]})")
    metas = [json.loads((d / "metadata.json").read_text()) for d in dirs]
    check({m["group"] for m in metas} == {"dist"}, f"{label}: one group 'dist'")
    check(sorted(m["name"] for m in metas) == [f"dist-rank{r}" for r in range(4)], f"{label}: names dist-rank0..3")
    check(len({m["id"] for m in metas}) == 4, f"{label}: 4 distinct ids")


def bad_option(codes, stderr, label):
    errors = [l for l in stderr.splitlines() if "error:" in l]
    check(len(errors) == 1, f"{label}: one error printed ({errors})")
    check(all(c == 2 for c in codes), f"{label}: every rank exits 2 ({codes})")


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    codes, outs, errs = torchrun(tmp / "t1")
    check(codes == [0] * 4, f"torchrun: all ranks exit 0 ({codes}; {errs})")
    one_run_by_rank_zero(tmp / "t1", "".join(outs), "torchrun")

    codes, outs, errs = torchrun(tmp / "t2", VITALS_RANK_MODE="per_rank")
    check(codes == [0] * 4, f"torchrun per-rank: all ranks exit 0 ({codes})")
    per_rank(tmp / "t2", "torchrun per-rank")

    codes, outs, errs = torchrun(tmp / "t3", ["--wandb_mode", "bogus"])
    bad_option(codes, "".join(errs), "torchrun bad option")
    check(not run_dirs(tmp / "t3"), "torchrun bad option: nothing written")

    if MPIRUN:
        rc, out, err = mpirun(tmp / "m1")
        check(rc == 0, f"mpirun: exit 0 ({err[-2000:]})")
        one_run_by_rank_zero(tmp / "m1", out, "mpirun")

        rc, out, err = mpirun(tmp / "m2", VITALS_RANK_MODE="per_rank")
        check(rc == 0, f"mpirun per-rank: exit 0 ({err[-2000:]})")
        per_rank(tmp / "m2", "mpirun per-rank")

        rc, out, err = mpirun(tmp / "m3", ["--wandb_mode", "bogus"])
        errors = [l for l in err.splitlines() if "error:" in l and "bogus" in l]
        check(len(errors) == 1, f"mpirun bad option: one error printed ({err[-2000:]})")
        check(rc == 2, f"mpirun bad option: exit code 2 ({rc})")

        # Rank 3 dies at step 30 of 400 (10 ms a step); mpirun then stops the others.
        rc, out, err = mpirun(tmp / "m4", ["--steps", "400", "--sleep_ms", "10", "--kill_rank", "3", "--kill_step", "30"])
        check(rc != 0, f"mpirun kill: the job fails ({rc})")
        dirs = run_dirs(tmp / "m4")
        check(len(dirs) == 1, "mpirun kill: rank 0's run directory exists")
        if dirs:
            try:
                check(readable(dirs[0]), "mpirun kill: rank 0's files parse, with rows")
            except Exception as e:  # noqa: BLE001 - any parse error is the failure
                check(False, f"mpirun kill: rank 0's files parse ({e})")
    else:
        print("skip: mpirun not installed (scripts/deps.sh installs openmpi-bin)")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
