"""Oracle (issue 16): a vitals run as a W&B user sees it, next to a Python wandb 0.31 offline run.

The vitals program (parity_driver) trains for a couple of seconds with the system sampler at 0.4 s
and NVML replaced by a stub library with two fake GPUs (nvml_stub.cpp). What wandb's own protos read
in its .wandb file:
  - an `environment` record: OS, host, program, arguments (secrets redacted: no secret reaches any
    byte of the run folder), working directory, CPU counts/model, the two GPUs, CUDA version;
  - a `files` record naming the code snapshot and config.json, both present under files/;
  - `stats` records with the key names a Python wandb 0.31 run on this machine writes (its own
    offline run is the reference), plus the GPU keys with the stub's readings;
  - exit.runtime rounded up, at least 1 s (a 0.1 s run too);
  - with WANDB_CONSOLE=wrap, `output_raw` records and files/output.log hold what the program wrote
    to stdout and stderr, which still reaches the original stdout/stderr; with auto under a
    terminal the program still sees a terminal; a run ended by SIGTERM keeps its last line.
Then the real `wandb sync` uploads it to the stand-in server: system metrics arrive as
wandb-events.jsonl rows, the environment as wandb-metadata.json, the code and config files, the
summary, the alert, the console lines (output.log) and complete with exit code 0.

usage: test_parity.py <wandb_parity_driver> <libnvml_stub.so>
"""
import glob
import json
import os
import pty
import select
import signal
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
from wandb_oracle import Checker, clean_env, kind, read_records, sync_run, tempdir  # noqa: E402

SECRETS = ("SECRETKEY1", "SECRETKEY2", "SECRETKEY3", "SECRETKEY4")
EXTRA_ARGS = ["--lr=0.1", "--wandb_key=SECRETKEY1", "--api_key", "SECRETKEY2", "WANDB_API_KEY=SECRETKEY3",
              "--wandb-token", "SECRETKEY4", "--epochs", "3"]
REDACTED = ["--lr=0.1", "--wandb_key=<redacted>", "--api_key", "<redacted>", "WANDB_API_KEY=<redacted>",
            "--wandb-token", "<redacted>", "--epochs", "3"]
# Keys wandb 0.31 writes that vitals does not (see docs/wandb.md, "Differences from a Python run").
PYTHON_ONLY_KEYS = set()

PY_RUN = textwrap.dedent("""
    import sys, time, wandb
    run = wandb.init(project="parity", mode="offline", dir=sys.argv[1], config={"lr": 0.1},
                     settings=wandb.Settings(x_stats_sampling_interval=0.4))
    for i in range(10):
        run.log({"loss": 1.0 / (i + 1)})
        time.sleep(0.2)
    run.alert(title="plateau", text="no improvement")
    run.finish()
""")


def vitals_run(driver, stub, work, seconds, extra=(), console="wrap", status=0, out=None):
    env = clean_env(work)
    env["VITALS_NVML_LIBRARY"] = stub
    env["WANDB_X_STATS_SAMPLING_INTERVAL"] = "0.4"
    env["WANDB_CONSOLE"] = console
    runs = os.path.join(work, f"runs{len(os.listdir(work))}")
    os.makedirs(runs)
    p = subprocess.run([driver, runs, str(seconds), *extra], capture_output=True, text=True, env=env, cwd=work,
                       timeout=60)
    if p.returncode != status:
        raise AssertionError(f"parity_driver ended with {p.returncode}, not {status}: {p.stderr[-2000:]}")
    if out is not None:
        out.update(stdout=p.stdout, stderr=p.stderr)
    [wandb_file] = glob.glob(os.path.join(runs, "*", "wandb", "offline-run-*", "*.wandb"))
    return wandb_file


def vitals_run_in_terminal(driver, stub, work):
    """The driver with stdout and stderr on a pseudo-terminal and WANDB_CONSOLE=auto: (.wandb, what
    the terminal showed)."""
    env = clean_env(work)
    env.update(VITALS_NVML_LIBRARY=stub, WANDB_X_STATS_SAMPLING_INTERVAL="0", WANDB_CONSOLE="auto")
    runs = os.path.join(work, f"runs{len(os.listdir(work))}")
    os.makedirs(runs)
    master, slave = pty.openpty()
    p = subprocess.Popen([driver, runs, "0.6"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=work)
    os.close(slave)
    shown = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        shown += data
    p.wait(timeout=30)
    os.close(master)
    [wandb_file] = glob.glob(os.path.join(runs, "*", "wandb", "offline-run-*", "*.wandb"))
    return wandb_file, shown.decode(errors="replace")


def console_text(records, stream):
    return "".join(r.output_raw.line for r in records if kind(r) == "output_raw" and r.output_raw.output_type == stream)


def python_run(work):
    env = clean_env(work)
    out = os.path.join(work, "py")
    os.makedirs(out)
    p = subprocess.run([sys.executable, "-c", PY_RUN, out], capture_output=True, text=True, env=env, cwd=work,
                       timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"python wandb run failed: {p.stderr[-2000:]}")
    [wandb_file] = glob.glob(os.path.join(out, "wandb", "offline-run-*", "*.wandb"))
    return wandb_file


def stats_keys(records):
    keys = set()
    for r in records:
        if kind(r) == "stats":
            keys |= {i.key for i in r.stats.item}
    return keys


def main():
    driver, stub = sys.argv[1], sys.argv[2]
    c = Checker()
    work = tempdir()
    shown = {}
    path = vitals_run(driver, stub, work, 2.5, EXTRA_ARGS, out=shown)
    run_dir = os.path.dirname(path)
    records = read_records(path)
    kinds = [kind(r) for r in records]

    # No secret anywhere in the run folder (the .wandb file, files/, logs/).
    for f in glob.glob(os.path.join(run_dir, "**"), recursive=True):
        if os.path.isfile(f):
            data = open(f, "rb").read()
            c.check(not any(s.encode() in data for s in SECRETS), f"a secret argument reached {f}")

    # environment
    envs = [r.environment for r in records if kind(r) == "environment"]
    c.check(len(envs) == 1, f"one environment record, got {len(envs)}: {kinds}")
    if envs:
        e = envs[0]
        c.check(e.os.startswith(os.uname().sysname + "-" + os.uname().release), f"environment.os {e.os!r}")
        c.check(e.host == os.uname().nodename, f"environment.host {e.host!r}")
        c.check(os.path.basename(e.program) == os.path.basename(driver), f"environment.program {e.program!r}")
        c.check(list(e.args)[2:] == REDACTED, f"environment.args {list(e.args)}")
        c.check(os.path.realpath(e.root) == os.path.realpath(work), f"environment.root {e.root!r}")
        c.check(e.cpu_count_logical == os.cpu_count() and e.cpu.count_logical == os.cpu_count() and e.cpu_count >= 1,
                f"cpu counts {e.cpu_count}/{e.cpu_count_logical}")
        c.check(e.memory.total > 0 and len(e.disk) == 1, f"memory/disk {e.memory} {dict(e.disk)}")
        c.check(e.gpu_count == 2 and [g.name for g in e.gpu_nvidia] == ["Fake GPU 0", "Fake GPU 1"]
                and all(g.memory_total == 80 << 30 for g in e.gpu_nvidia) and e.gpu_type == "Fake GPU 0",
                f"GPUs from the NVML stub: {e.gpu_count} {list(e.gpu_nvidia)}")
        c.check(e.cuda_version == "12.4", f"cuda_version {e.cuda_version!r}")

    # files
    files = [i.path for r in records if kind(r) == "files" for i in r.files.files]
    c.check(files == ["code/train_snapshot.py", "config.json"], f"files record {files}")
    for f in files:
        c.check(os.path.isfile(os.path.join(run_dir, "files", f)), f"files/{f} missing")
    c.check(kinds[:3] == ["run", "files", "environment"], f"record order {kinds[:5]} (Python: run, files, environment)")

    # stats
    stats = [r.stats for r in records if kind(r) == "stats"]
    c.check(len(stats) >= 3, f"{len(stats)} stats records in 2.5 s at 0.4 s")
    # As wandb 0.31: a first sample at start (without cpu, which needs an interval), not one interval later.
    start = [r.run.start_time for r in records if kind(r) == "run"][0]
    first = stats[0].timestamp.seconds + stats[0].timestamp.nanos * 1e-9 - (start.seconds + start.nanos * 1e-9) if stats else 99
    c.check(0 <= first < 0.3, f"first stats record {first:.3f} s after start (the interval is 0.4 s)")
    c.check(stats and "cpu" not in {i.key for i in stats[0].item} and "network.tcpRetransmits" in {i.key for i in stats[0].item},
            f"first sample's keys {sorted(i.key for i in stats[0].item) if stats else None}")
    last = {i.key: json.loads(i.value_json) for i in stats[-1].item} if stats else {}
    want_gpu = {"gpu.0.gpu": 37, "gpu.1.gpu": 38, "gpu.0.memory": 11, "gpu.0.temp": 50, "gpu.1.temp": 51,
                "gpu.0.powerWatts": 200, "gpu.1.powerWatts": 201, "gpu.0.enforcedPowerLimitWatts": 400,
                "gpu.0.powerPercent": 50, "gpu.0.memoryAllocated": 10, "gpu.1.memoryAllocated": 20,
                "gpu.1.memoryAllocatedBytes": 16 << 30}
    for k, v in want_gpu.items():
        c.check(k in last and abs(last[k] - v) < 1e-6, f"stats {k} = {last.get(k)}, the stub reports {v}")
    c.check(0 < last.get("proc.memory.rssMB", 0) < 1e5 and 0 < last.get("memory_percent", 0) <= 100
            and 0 <= last.get("cpu", -1), f"stats values {last}")

    # exit.runtime: rounded up, at least 1 s, also for a run of 0.1 s
    exits = [r.exit for r in records if kind(r) == "exit"]
    c.check(exits and exits[-1].runtime == 3, f"exit after 2.5 s: {exits}")
    short = [r.exit for r in read_records(vitals_run(driver, stub, work, 0.1)) if kind(r) == "exit"]
    c.check(short and short[-1].runtime == 1, f"exit after 0.1 s: {short}")

    # console: recorded, and still shown
    out, err = console_text(records, 1), console_text(records, 0)
    c.check(out.startswith("isatty=0\nstep 0\nstep 10\n") and "err" not in out, f"stdout as recorded: {out[:200]!r}")
    c.check("\nerr 0\nerr 10\n" in err and "step" not in err, f"stderr as recorded: {err[:200]!r}")
    c.check(shown["stdout"].startswith("isatty=0\nstep 0\nstep 10\n") and "err 0\n" in shown["stderr"],
            f"the program's output did not reach its stdout/stderr: {shown}")
    log = open(os.path.join(run_dir, "files", "output.log")).read()
    c.check("step 10\n" in log and "err 10\n" in log, f"files/output.log: {log[:200]!r}")
    off = read_records(vitals_run(driver, stub, work, 0.1, console="off"))
    c.check(not [r for r in off if kind(r) == "output_raw"], "WANDB_CONSOLE=off still captured")
    tty_path, tty_shown = vitals_run_in_terminal(driver, stub, work)
    tty = read_records(tty_path)
    c.check(console_text(tty, 1).startswith("isatty=1\n") and "isatty=1" in tty_shown and "step 0" in tty_shown,
            f"under a terminal (auto): recorded {console_text(tty, 1)[:100]!r}, shown {tty_shown[:200]!r}")
    died = read_records(vitals_run(driver, stub, work, 0.3, extra=["--die"], status=-signal.SIGTERM))
    c.check(console_text(died, 1).endswith("last words\n"), f"tail after SIGTERM: {console_text(died, 1)[-100:]!r}")
    c.check([kind(r) for r in died][-2:] == ["exit", "final"], f"run ended by SIGTERM: {[kind(r) for r in died][-4:]}")

    # The Python wandb 0.31 run on this machine: the same record kinds, the same system keys.
    py = read_records(python_run(work))
    py_kinds = [kind(r) for r in py]
    ours_gpu_free = {k for k in stats_keys(records) if not k.startswith("gpu.")}
    py_keys = stats_keys(py)
    c.check(ours_gpu_free <= py_keys, f"stats keys Python does not write: {sorted(ours_gpu_free - py_keys)}")
    c.check(py_keys - ours_gpu_free <= PYTHON_ONLY_KEYS,
            f"stats keys Python writes and vitals does not: {sorted(py_keys - ours_gpu_free - PYTHON_ONLY_KEYS)}")
    for k in ("files", "environment", "stats", "run", "history", "alert", "exit"):
        c.check(k in py_kinds and k in kinds, f"record kind {k}: python {k in py_kinds}, vitals {k in kinds}")
    print("python kinds:", sorted(set(py_kinds)), "vitals kinds:", sorted(set(kinds)))

    # The real `wandb sync` to the stand-in server.
    srv, result = sync_run(run_dir)
    c.check(result.returncode == 0, f"wandb sync failed: {result}")
    events = srv.events_rows()
    c.check(len(events) >= 3 and all("system.gpu.1.temp" in e and "system.proc.memory.rssMB" in e for e in events),
            f"wandb-events.jsonl rows: {events[:2]}")
    uploaded = srv.uploaded_files()
    c.check({"code/train_snapshot.py", "config.json", "wandb-metadata.json"} <= set(uploaded),
            f"uploaded files {sorted(uploaded)}")
    if "wandb-metadata.json" in uploaded:
        meta = json.loads(uploaded["wandb-metadata.json"])
        c.check(meta.get("gpu_count") == 2 and meta.get("host") == os.uname().nodename
                and meta.get("args", [])[2:] == REDACTED and meta.get("cudaVersion", meta.get("cuda_version")) == "12.4",
                f"wandb-metadata.json as uploaded: {meta}")
    if "code/train_snapshot.py" in uploaded:
        c.check(uploaded["code/train_snapshot.py"] == b"print('the code snapshot')\n", "code snapshot content")
    c.check(srv.exit_code() == 0 and srv.completed(), f"exit code {srv.exit_code()}")
    c.check(srv.summary() is not None and "loss" in srv.summary(), f"summary {srv.summary()}")
    c.check([a.get("title") for a in srv.alerts()] == ["plateau"], f"alerts {srv.alerts()}")
    lines = srv.console()
    c.check(any("step 10" in l for l in lines) and any("err 10" in l for l in lines), f"output.log as streamed: {lines[:6]}")
    return c.done("wandb_parity_metadata", work)


if __name__ == "__main__":
    sys.exit(main())
