"""Oracle (issue 16): online mode streams the run while it trains, with W&B's own uploader.

parity_driver trains for 12 s in online mode (WANDB_MODE=online, the stand-in server's URL, a fake
API key in the environment only). vitals starts the real `wandb beta sync --live <run dir>`; the
stand-in server (tests/wandb/fake_wandb_server.py) must receive history rows while the driver is
still running, and at the end: system metrics (wandb-events.jsonl), console lines (output.log), the
environment (wandb-metadata.json), summary, alert, complete with exit code 0. The key is written to
no file of the run.

Then a `wandb` without `beta sync --live` (a wrapper whose help lacks it): vitals says so once and
uploads with `wandb sync` at the end; the server gets every row only after the driver has ended.

usage: test_live.py <wandb_parity_driver> <libnvml_stub.so>
"""
import glob
import json
import os
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
from fake_wandb_server import API_KEY, FakeWandbServer, sync_env  # noqa: E402
from wandb_oracle import Checker, tempdir  # noqa: E402

# Long enough that `wandb beta sync --live` (wandb-core starting up: ~1 s idle, 8 s on a machine
# loaded 5x over) streams rows while the driver still trains.
SECONDS = 12


def wrapper(dirname, live):
    """A `wandb` on PATH that runs this Python's wandb; without --live in `beta sync --help` if not live."""
    os.makedirs(dirname)
    path = os.path.join(dirname, "wandb")
    fake_help = "" if live else 'if [ "$1 $2 $3" = "beta sync --help" ]; then echo "Usage: wandb beta sync [PATHS]"; exit 0; fi\n'
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\n{fake_help}exec {sys.executable} -m wandb \"$@\"\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return dirname


def online_run(c, driver, stub, work, live):
    with FakeWandbServer() as srv:
        home = os.path.join(work, "home-live" if live else "home-end")
        os.makedirs(home)
        env = sync_env(srv, home)
        env.update(WANDB_MODE="online", WANDB_CONSOLE="wrap", WANDB_X_STATS_SAMPLING_INTERVAL="0.5",
                   WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="1",  # wandb-core batches 15 s by default
                   VITALS_NVML_LIBRARY=stub)
        env["PATH"] = wrapper(os.path.join(work, "bin-live" if live else "bin-end"), live) + os.pathsep + env["PATH"]
        runs = os.path.join(work, "runs-live" if live else "runs-end")
        os.makedirs(runs)
        p = subprocess.Popen([driver, runs, str(SECONDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=home, text=True)
        rows_while_training = 0
        start = time.time()
        while p.poll() is None and time.time() - start < SECONDS * 0.85:  # still training
            try:
                rows_while_training = len(srv.history_rows())
            except AssertionError:  # no run on the server yet
                pass
            time.sleep(0.25)
        c.check(p.poll() is None, "the driver ended before it should have finished training")
        out, err = p.communicate(timeout=180)
        name = "live" if live else "fallback"
        c.check(p.returncode == 0, f"{name}: driver status {p.returncode}: {err[-2000:]}")
        if live:
            c.check(rows_while_training >= 20, f"live: {rows_while_training} history rows reached the server while the run trained")
        else:
            c.check(rows_while_training == 0, f"fallback: {rows_while_training} rows arrived before the end")
            c.check(err.count("beta sync --live' is not available") == 1, f"fallback: said once? {err[-1500:]}")
        rows = srv.history_rows()
        c.check(len(rows) >= SECONDS * 10 and [r["_step"] for r in rows] == list(range(len(rows))),
                f"{name}: {len(rows)} history rows at the end")
        c.check(srv.completed() and srv.exit_code() == 0, f"{name}: complete {srv.completed()} exit {srv.exit_code()}")
        events = srv.events_rows()
        c.check(len(events) >= 5 and all("system.gpu.0.gpu" in e for e in events), f"{name}: events {events[:1]}")
        console = srv.console()
        c.check(any("step 10" in line for line in console) and any("err 10" in line for line in console),
                f"{name}: output.log {console[:5]}")
        up = srv.uploaded_files()
        meta = json.loads(up["wandb-metadata.json"]) if "wandb-metadata.json" in up else {}
        c.check(meta.get("gpu_count") == 2, f"{name}: wandb-metadata.json {meta}")
        c.check([a.get("title") for a in srv.alerts()] == ["plateau"], f"{name}: alerts {srv.alerts()}")
        c.check(srv.summary() and "loss" in srv.summary(), f"{name}: summary {srv.summary()}")
        for f in glob.glob(os.path.join(runs, "**"), recursive=True):
            if os.path.isfile(f):
                c.check(API_KEY.encode() not in open(f, "rb").read(), f"{name}: the API key was written to {f}")


def main():
    driver, stub = sys.argv[1], sys.argv[2]
    c = Checker()
    work = tempdir()
    online_run(c, driver, stub, work, live=True)
    online_run(c, driver, stub, work, live=False)
    return c.done("wandb_parity_live", work)


if __name__ == "__main__":
    sys.exit(main())
