"""Oracle (issue 16): run-level system metrics, the run flags for sampling and console capture, and
the live sync's watchdog and bounded finish.

1. `--sinks wandb,jsonl,csv --system_metrics_to_sinks --system_metrics_interval 0.3` (and
   WANDB_X_STATS_SAMPLING_INTERVAL=0, which the flag overrides): the run's samples reach every sink.
   The W&B sink's `stats` records and the JSONL sink's metrics.system.jsonl rows are the same
   samples (same timestamps, same values, "system/" stripped for W&B); metrics.jsonl keeps one line
   per committed step 0..n-1 with no system key; metrics.system.csv has the same rows; summary.json
   holds no system key; a first sample comes at start.
2. `--wandb_console wrap` with WANDB_CONSOLE unset captures (output_raw records); bad values of
   --wandb_console / --system_metrics_interval exit 2 naming the flag; `--system_metrics_interval 0`
   writes no stats record.
3. Online live mode with a stand-in `wandb` whose `beta sync --live` never ends by itself:
   - kill -9 of the training process: the watchdog stops the live sync within seconds;
   - a normal finish with wandb_options::live_finish_timeout = 1 s: the run ends about 1 s after
     training, says the sync did not finish, stops it, and its .wandb file is complete.

4. Tables: the driver's `--table` run and a Python wandb 0.31 offline run log the same
   wandb.Table / vitals::table ({"a": 1} at step 0, the table at step 1, the same table as a summary
   value). Same file name under files/media/table/, same bytes, a files record naming it before the
   history row, and the same table-file value (less Python's artifact paths: vitals writes no
   artifact).

usage: test_system_metrics.py <wandb_parity_driver> <libnvml_stub.so>
"""
import csv
import glob
import json
import os
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
from wandb_oracle import Checker, clean_env, kind, read_records, tempdir  # noqa: E402


def run_driver(driver, stub, work, seconds, extra=(), env_extra=None, timeout=60):
    env = clean_env(work)
    env["VITALS_NVML_LIBRARY"] = stub
    env.pop("WANDB_CONSOLE", None)
    env.update(env_extra or {})
    runs = os.path.join(work, f"runs{len(os.listdir(work))}")
    os.makedirs(runs)
    p = subprocess.run([driver, runs, str(seconds), *extra], capture_output=True, text=True, env=env, cwd=work,
                       timeout=timeout)
    return p, runs


def one(pattern):
    found = glob.glob(pattern)
    if len(found) != 1:
        raise AssertionError(f"{pattern}: {found}")
    return found[0]


def to_sinks(c, driver, stub, work):
    p, runs = run_driver(driver, stub, work, 1.6,
                         ["--sinks", "wandb,jsonl,csv", "--system_metrics_to_sinks", "--system_metrics_interval", "0.3",
                          "--wandb_console", "wrap"],
                         {"WANDB_X_STATS_SAMPLING_INTERVAL": "0"})
    c.check(p.returncode == 0, f"to_sinks: driver status {p.returncode}: {p.stderr[-1500:]}")
    if p.returncode != 0:
        return
    run_dir = one(os.path.join(runs, "parity_*"))
    records = read_records(one(os.path.join(run_dir, "wandb", "offline-run-*", "*.wandb")))
    stats = [r.stats for r in records if kind(r) == "stats"]
    rows = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.system.jsonl"))]
    c.check(5 <= len(rows) <= 9, f"{len(rows)} system rows in 1.6 s at 0.3 s (one at start)")
    c.check(len(stats) == len(rows), f"{len(stats)} stats records, {len(rows)} metrics.system.jsonl rows")
    for s, row in zip(stats, rows):
        ts = s.timestamp.seconds + s.timestamp.nanos * 1e-9
        ours = {i.key: json.loads(i.value_json) for i in s.item}
        theirs = {k[len("system/"):]: v for k, v in row.items() if k.startswith("system/")}
        c.check(abs(ts - row["_timestamp"]) < 1e-6, f"stats timestamp {ts} vs row {row['_timestamp']}")
        c.check(ours.keys() == theirs.keys() and all(abs(ours[k] - theirs[k]) <= 1e-9 * max(1, abs(theirs[k])) for k in ours),
                f"stats record and system row differ: {ours} vs {theirs}")
        c.check(set(row) - set(k for k in row if k.startswith("system/")) == {"_step", "_runtime", "_timestamp"},
                f"system row's other keys: {sorted(row)}")
    start = [r.run.start_time for r in records if kind(r) == "run"][0]
    c.check(rows and rows[0]["_timestamp"] - (start.seconds + start.nanos * 1e-9) < 0.25,
            f"first sample {rows[0]['_timestamp'] if rows else None} vs start {start}")
    c.check(all("system/proc.memory.rssMB" in r and "system/gpu.0.gpu" in r for r in rows), f"system row keys {rows[:1]}")
    hist = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    c.check([h["_step"] for h in hist] == list(range(len(hist))) and len(hist) >= 20, f"metrics.jsonl steps {[h['_step'] for h in hist][:30]}")
    c.check(not any(k.startswith("system/") for h in hist for k in h), "a system key in metrics.jsonl")
    steps = {h["_step"] for h in hist}
    c.check(all(r["_step"] in steps or r["_step"] == len(hist) for r in rows), f"system rows' _step {[r['_step'] for r in rows]}")
    with open(os.path.join(run_dir, "metrics.system.csv")) as f:
        table = list(csv.DictReader(f))
    c.check(len(table) == len(rows) and all(abs(float(t["system/memory_percent"]) - r["system/memory_percent"]) < 1e-9
                                            for t, r in zip(table, rows)), f"metrics.system.csv {table[:1]}")
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        header = next(csv.reader(f))
    c.check(not any(h.startswith("system/") for h in header), f"metrics.csv header {header}")
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    c.check(not any(k.startswith("system/") for k in summary), f"summary.json {sorted(summary)}")
    wsum = [i.key for r in records if kind(r) == "summary" for i in r.summary.update]
    c.check(not any(k.startswith("system") for k in wsum), f"W&B summary {wsum}")
    out = "".join(r.output_raw.line for r in records if kind(r) == "output_raw")
    c.check("step 10" in out, f"--wandb_console wrap: output_raw {out[:100]!r}")


def flags(c, driver, stub, work):
    for extra, flag in ((["--wandb_console", "sometimes"], "--wandb_console"),
                        (["--system_metrics_interval", "-1"], "--system_metrics_interval"),
                        (["--system_metrics_interval=soon"], "--system_metrics_interval")):
        p, _ = run_driver(driver, stub, work, 0.1, extra)
        c.check(p.returncode == 2 and flag in p.stderr and "terminate" not in p.stderr,
                f"{extra}: status {p.returncode}, stderr {p.stderr[-500:]!r}")
    p, runs = run_driver(driver, stub, work, 0.5, ["--system_metrics_interval", "0"],
                         {"WANDB_X_STATS_SAMPLING_INTERVAL": "0.1"})
    c.check(p.returncode == 0, f"interval 0: status {p.returncode} {p.stderr[-500:]}")
    if p.returncode == 0:
        records = read_records(one(os.path.join(runs, "*", "wandb", "offline-run-*", "*.wandb")))
        c.check(not [r for r in records if kind(r) == "stats"], "--system_metrics_interval 0 still wrote stats records")
        c.check(not [r for r in records if kind(r) == "output_raw"], "console captured without being asked")


FAKE_WANDB = """#!/bin/sh
# A `wandb` whose `beta sync --live` runs until it is stopped, and says when it is.
if [ "$1 $2 $3" = "beta sync --help" ]; then echo "Usage: wandb beta sync [OPTIONS] [PATHS] --live"; exit 0; fi
if [ "$1 $2 $3" = "beta sync --live" ]; then
  echo $$ > "{marks}/live.pid"
  trap 'echo stopped > "{marks}/live.stopped"; exit 143' TERM
  while true; do sleep 0.1; done
fi
exit 0
"""


def fake_wandb(work, name):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "bin"))
    path = os.path.join(d, "bin", "wandb")
    with open(path, "w") as f:
        f.write(FAKE_WANDB.replace("{marks}", d))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return d


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def wait_for(cond, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def live_env(work, d, stub):
    env = clean_env(work)
    env.update(WANDB_MODE="online", WANDB_X_STATS_SAMPLING_INTERVAL="0", VITALS_NVML_LIBRARY=stub,
               PATH=os.path.join(d, "bin") + os.pathsep + os.environ["PATH"])
    env.pop("WANDB_CONSOLE", None)
    return env


def killed_trainer(c, driver, stub, work):
    d = fake_wandb(work, "kill9")
    runs = os.path.join(d, "runs")
    os.makedirs(runs)
    p = subprocess.Popen([driver, runs, "30"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=live_env(work, d, stub), cwd=work)
    pid_file = os.path.join(d, "live.pid")
    started = wait_for(lambda: os.path.exists(pid_file) and open(pid_file).read().strip(), 20)
    c.check(started, "kill -9: the live sync never started")
    if not started:
        p.kill()
        p.wait()
        return
    live = int(open(pid_file).read())
    time.sleep(0.5)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)
    t0 = time.time()
    gone = wait_for(lambda: not alive(live), 15)
    c.check(gone and os.path.exists(os.path.join(d, "live.stopped")),
            f"kill -9 of the trainer: live sync still running {time.time() - t0:.1f} s later")
    print(f"kill -9: live sync stopped {time.time() - t0:.2f} s after the trainer died")
    if not gone:
        os.kill(live, signal.SIGKILL)


def finish_timeout(c, driver, stub, work):
    d = fake_wandb(work, "timeout")
    runs = os.path.join(d, "runs")
    os.makedirs(runs)
    env = live_env(work, d, stub)
    env["VITALS_TEST_LIVE_FINISH_TIMEOUT"] = "1"
    t0 = time.time()
    p = subprocess.run([driver, runs, "0.5"], capture_output=True, text=True, env=env, cwd=work, timeout=60)
    took = time.time() - t0
    c.check(p.returncode == 0, f"finish timeout: status {p.returncode} {p.stderr[-1000:]}")
    c.check(1.4 <= took < 8, f"finish timeout 1 s: the run took {took:.1f} s for 0.5 s of training")
    c.check("did not finish within 1 s" in p.stderr and p.stderr.count("wandb sync ") >= 1,
            f"finish timeout: stderr {p.stderr[-800:]!r}")
    c.check(wait_for(lambda: os.path.exists(os.path.join(d, "live.stopped")), 5), "finish timeout: the live sync was not stopped")
    pid_file = os.path.join(d, "live.pid")
    if os.path.exists(pid_file):
        live = int(open(pid_file).read())
        c.check(wait_for(lambda: not alive(live), 5), "finish timeout: the live sync outlived the run")
    kinds = [kind(r) for r in read_records(one(os.path.join(runs, "*", "wandb", "offline-run-*", "*.wandb")))]
    c.check(kinds[-2:] == ["exit", "final"], f"finish timeout: the .wandb file ends {kinds[-3:]}")
    print(f"finish timeout: run took {took:.2f} s")


PY_TABLE = """
import sys, wandb
run = wandb.init(project="parity", mode="offline", dir=sys.argv[1], settings=wandb.Settings(x_disable_stats=True))
t = wandb.Table(columns=["fold", "val_loss", "name"], data=[[0, 0.5, "x"], [1, 0.25, "y"]])
run.log({"a": 1})
run.log({"cross_fold": t})
run.summary["summ_tbl"] = t
run.finish()
"""


def table_values(records):
    """(files paths in order with the index of their record, history table value, summary value)."""
    files, hist, summ = [], None, None
    for n, r in enumerate(records):
        k = kind(r)
        if k == "files":
            files += [(n, f.path) for f in r.files.files if f.path.startswith("media/")]
        elif k == "history":
            items = {}
            for i in r.history.item:
                key = list(i.nested_key) or [i.key]
                if key[0] == "cross_fold":
                    if len(key) == 1:
                        items.update(json.loads(i.value_json))
                    else:
                        items[key[1]] = json.loads(i.value_json)
            if items:
                hist = (n, items)
        elif k == "summary":
            for i in r.summary.update:
                if (i.key or (list(i.nested_key) or [""])[0]) == "summ_tbl":
                    summ = json.loads(i.value_json)
    return files, hist, summ


def tables(c, driver, stub, work):
    py_dir = os.path.join(work, "py-table")
    os.makedirs(py_dir)
    env = clean_env(work)
    p = subprocess.run([sys.executable, "-c", PY_TABLE, py_dir], capture_output=True, text=True, env=env, cwd=work, timeout=120)
    c.check(p.returncode == 0, f"python table run: {p.stderr[-1500:]}")
    p2, runs = run_driver(driver, stub, work, 0, ["--table"], {"WANDB_X_STATS_SAMPLING_INTERVAL": "0"})
    c.check(p2.returncode == 0, f"driver --table: {p2.stderr[-1500:]}")
    if p.returncode or p2.returncode:
        return
    py_run = one(os.path.join(py_dir, "wandb", "offline-run-*"))
    our_run = one(os.path.join(runs, "*", "wandb", "offline-run-*"))
    py_files, py_hist, py_summ = table_values(read_records(one(os.path.join(py_run, "*.wandb"))))
    files, hist, summ = table_values(read_records(one(os.path.join(our_run, "*.wandb"))))
    c.check([f for _, f in files] == [f for _, f in py_files] and len(files) == 1, f"table files {files} vs Python {py_files}")
    c.check(hist and files and files[0][0] < hist[0], f"files record (#{files[0][0] if files else None}) before the row ({hist and hist[0]})")
    if files and py_files:
        ours = open(os.path.join(our_run, "files", files[0][1]), "rb").read()
        theirs = open(os.path.join(py_run, "files", py_files[0][1]), "rb").read()
        c.check(ours == theirs, f"table file bytes {ours!r} vs Python {theirs!r}")
    drop = {"artifact_path", "_latest_artifact_path"}
    want_hist = {k: v for k, v in (py_hist[1] if py_hist else {}).items() if k not in drop}
    c.check(hist and hist[1] == want_hist, f"history value {hist and hist[1]} vs Python {want_hist}")
    want_summ = {k: v for k, v in (py_summ or {}).items() if k not in drop}
    c.check(summ == want_summ, f"summary value {summ} vs Python {want_summ}")


def main():
    driver, stub = sys.argv[1], sys.argv[2]
    c = Checker()
    work = tempdir()
    to_sinks(c, driver, stub, work)
    flags(c, driver, stub, work)
    killed_trainer(c, driver, stub, work)
    finish_timeout(c, driver, stub, work)
    tables(c, driver, stub, work)
    return c.done("wandb_parity_system", work)


if __name__ == "__main__":
    sys.exit(main())
