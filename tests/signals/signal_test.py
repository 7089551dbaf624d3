#!/usr/bin/env python3
"""SIGTERM and SIGINT at random moments to a program logging every step.

Every process must end within 5 s with 128+signal (the default action re-raised: a negative
returncode here), every file must read back whole (JSONL line by line, CSV with pandas, the .wandb
log with tests/wandb/wandb_reader.py ending in an exit record that carries 128+signal, TensorBoard
by its own reader), and metadata.json must say exit_code 128+signal. Also with SIGINT ignored
beforehand (it stays ignored; SIGTERM still finishes the run) and with a user handler chained.

Usage: signal_test.py <signal_driver> [rounds per signal, default 50]
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
import wandb_reader  # noqa: E402

DRIVER = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("VITALS_SIGNAL_ROUNDS", "50"))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def start(root, run_id, mode):
    p = subprocess.Popen([DRIVER, root, run_id, mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("ready "), f"driver did not start: {line!r} {p.stderr.read()}"
    return p, line.split(" ", 1)[1].strip()


def wait_exit(p, what):
    t0 = time.monotonic()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        check(False, f"{what}: still running 5 s after the signal (hang)")
        return None
    return time.monotonic() - t0


def check_files(run_dir, code, what):
    meta = json.load(open(os.path.join(run_dir, "metadata.json")))
    check(meta.get("exit_code") == code, f"{what}: metadata exit_code {meta.get('exit_code')} != {code}")
    json.load(open(os.path.join(run_dir, "summary.json")))
    steps = []
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for n, line in enumerate(f):
            check(line.endswith("\n"), f"{what}: metrics.jsonl line {n + 1} is torn")
            steps.append(json.loads(line)["_step"])
    check(steps == list(range(len(steps))), f"{what}: JSONL steps are not 0..n-1 (a row was lost)")
    if os.path.getsize(os.path.join(run_dir, "metrics.csv")) > 0:
        import pandas
        df = pandas.read_csv(os.path.join(run_dir, "metrics.csv"))
        check(len(df) == len(steps), f"{what}: CSV has {len(df)} rows, JSONL {len(steps)}")
    wandb_dir = os.path.join(run_dir, "wandb")
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(wandb_dir) for f in fs if f.endswith(".wandb")]
    if not check(len(files) == 1, f"{what}: {len(files)} .wandb files"):
        return
    records = wandb_reader.read_records(files[0])
    kinds = [wandb_reader.kind(r) for r in records]
    check(kinds[0] == "run", f"{what}: first .wandb record is {kinds[0]}")
    history = sum(1 for k in kinds if k == "history")
    check(history == len(steps), f"{what}: .wandb has {history} history rows, JSONL {len(steps)}")
    exits = [r for r in records if wandb_reader.kind(r) == "exit"]
    if check(len(exits) == 1, f"{what}: {len(exits)} exit records"):
        check(exits[0].exit.exit_code == code, f"{what}: .wandb exit code {exits[0].exit.exit_code} != {code}")
    check(kinds[-1] == "final", f"{what}: .wandb ends with {kinds[-1]}, not final")


def signal_rounds(root, sig, mode, rounds):
    times = []
    for k in range(rounds):
        what = f"{signal.Signals(sig).name} round {k} ({mode})"
        p, run_dir = start(root, f"{mode[:2]}{sig:02d}{k:04d}", mode)
        time.sleep(random.uniform(0, 0.25))
        p.send_signal(sig)
        took = wait_exit(p, what)
        if took is None:
            continue
        times.append(took)
        if mode == "chain":
            check(p.returncode == 128 + sig, f"{what}: exit status {p.returncode}, expected {128 + sig} from the user's handler")
            check(os.path.exists(os.path.join(root, f"chained-{mode[:2]}{sig:02d}{k:04d}")), f"{what}: user handler did not run")
        else:
            check(p.returncode == -sig, f"{what}: returncode {p.returncode}, expected death by signal {sig}")
        check_files(run_dir, 128 + sig, what)
    if times:
        print(f"{signal.Signals(sig).name} ({mode}): {len(times)} runs, exit after signal max {max(times):.3f} s, "
              f"mean {sum(times) / len(times):.3f} s", flush=True)


def ignored_sigint(root, rounds):
    for k in range(rounds):
        what = f"ignored SIGINT round {k}"
        p, run_dir = start(root, f"ig{k:06d}", "ignore_int")
        time.sleep(random.uniform(0, 0.1))
        p.send_signal(signal.SIGINT)
        time.sleep(0.2)
        check(p.poll() is None, f"{what}: SIGINT was ignored before the run, yet the process ended ({p.returncode})")
        p.send_signal(signal.SIGTERM)
        if wait_exit(p, what) is None:
            continue
        check(p.returncode == -signal.SIGTERM, f"{what}: returncode {p.returncode} (134 = std::terminate)")
        check_files(run_dir, 128 + signal.SIGTERM, what)


def main():
    random.seed(int(os.environ.get("VITALS_SIGNAL_SEED", "12")))
    with tempfile.TemporaryDirectory(prefix="vitals-signals-") as root:
        signal_rounds(root, signal.SIGTERM, "default", ROUNDS)
        signal_rounds(root, signal.SIGINT, "default", ROUNDS)
        ignored_sigint(root, max(3, ROUNDS // 10))
        signal_rounds(root, signal.SIGTERM, "chain", max(3, ROUNDS // 10))
        signal_rounds(root, signal.SIGINT, "chain", max(3, ROUNDS // 10))
    if failures:
        print(f"{len(failures)} failures", flush=True)
        sys.exit(1)
    print("all signal rounds passed")


if __name__ == "__main__":
    main()
