"""Oracle: the real `wandb sync` (wandb 0.31's Go core, which parses the .wandb file itself) uploads a
run vitals wrote, to a local stand-in W&B server (tests/wandb/fake_wandb_server.py) that records
every request. Every history row arrives with every value (NaN/Infinity, strings, histograms
included), the summary equals vitals' summary record, the exit code, config, run metadata, metric
definitions and the alert arrive; `wandb beta sync` does the same. A run killed after a flush
uploads exactly its flushed rows; a file with a damaged chunk does not upload the rows behind it.

usage: test_wandb_sync.py <wandb_driver>
"""
import glob
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wandb_reader as wr  # noqa: E402
from fake_wandb_server import FakeWandbServer, sync_file  # noqa: E402
from wandb_oracle import Checker, clean_env, items_to_dict, kind, read_records, run_driver, same, spec_value, tempdir_with_home  # noqa: E402

HIST = '{"_type":"histogram","values":[2,0,5],"bins":[-1,0,1,2]}'
ROWS = 60


def make_spec(out_dir, run_id="syn00001", exit_code=3):
    events = []
    t0 = 1700000000.5
    for i in range(ROWS):
        step = 2 * i  # gaps: the uploaded _step must be the logged one, not a counter
        m = [["train/loss", {"f": 1.0 / (i + 1)}], ["lr", {"f": 3e-4}], ["train/ok", {"b": i % 3 != 0}],
             ["count", {"i": i * 7}], ["phase", {"s": "warm \"up\"\t\u00fc"}]]
        if i == 4:
            m += [["bad/nan", {"nan": 1}], ["bad/inf", {"inf": 1}], ["bad/ninf", {"-inf": 1}], ["weights/w", {"s": HIST}]]
        if i % 10 == 9:
            m += [["val/loss", {"f": 0.5 / (i + 1)}], ["epoch", {"i": i // 10}]]
        events.append({"kind": "history", "step": step, "runtime": 0.25 * i, "timestamp": t0 + 0.25 * i, "metrics": m})
    events.append({"kind": "alert", "step": 2 * ROWS, "runtime": 20.0, "timestamp": t0 + 20,
                   "metrics": [["title", {"s": "exploding gradients"}], ["text", {"s": "grad norm 1e3 > 100"}],
                               ["level", {"s": "error"}], ["state", {"s": "fired"}]]})
    events.append({"kind": "summary", "metrics": [["fold_0/final_val_loss", {"f": 0.0625}], ["best/epoch", {"i": 5}]]})
    return {"info": {"project": "vitals-sync", "entity": "team", "id": run_id, "name": "sync-oracle", "group": "g1",
                     "job_type": "train", "notes": "synced by the real wandb", "tags": ["fold_0", "sync"], "dir": out_dir,
                     "config": {"lr": 3e-4, "model": {"layers": [64, 64], "act": "gelu"}, "debug": False, "seed": 7},
                     "start_time": t0},
            "options": {"mode": "offline", "metrics": [{"name": "val/*", "step_metric": "epoch"},
                                                       {"name": "train/loss", "summary": ["min", "last"], "goal": "minimize"}]},
            "events": events, "exit_code": exit_code}


def check_upload(c, name, srv, res, spec, records):
    """Everything vitals wrote arrived at the server."""
    c.check(res.returncode == 0 and "Finished syncing" in res.stdout + res.stderr, f"{name}: {res}")
    c.check(not srv.unknown_operations(), f"{name}: requests the stand-in does not know: {srv.unknown_operations()}")
    c.check(all(r.get("authorized") for r in srv.requests if r["path"] == "/graphql"), f"{name}: GraphQL without the API key")
    rows = srv.history_rows()
    want = [items_to_dict(r.history.item) for r in records if kind(r) == "history"]
    c.check(len(rows) == len(want) == ROWS, f"{name}: {len(rows)} rows arrived, {len(want)} written, {ROWS} logged")
    for got, exp in zip(rows, want):
        c.check(same(got, exp), f"{name}: row differs:\n got  {got}\n want {exp}")
    logged = [e for e in spec["events"] if e["kind"] == "history"]
    for got, e in zip(rows, logged):  # and against what was logged, independently of our reader
        exp = {k: spec_value(v) for k, v in e["metrics"]}
        exp.update({"_step": e["step"], "_runtime": e["runtime"], "_timestamp": e["timestamp"]})
        c.check(same(got, exp), f"{name}: row for step {e['step']} is not what was logged:\n got  {got}\n want {exp}")
    summary = items_to_dict(next(r for r in reversed(records) if kind(r) == "summary").summary.update)
    c.check(same(srv.summary(), summary), f"{name}: summary differs:\n got  {srv.summary()}\n want {summary}")
    c.check((srv.summary() or {}).get("fold_0/final_val_loss") == 0.0625, f"{name}: explicit summary value")
    c.check((srv.summary() or {}).get("train/loss") == {"min": 1.0 / ROWS, "last": 1.0 / ROWS}
            or same((srv.summary() or {}).get("train/loss"), {"min": 1.0 / ROWS, "last": 1.0 / ROWS}),
            f"{name}: define_metric summary of train/loss: {(srv.summary() or {}).get('train/loss')}")
    c.check(srv.completed() and srv.exit_code() == spec["exit_code"], f"{name}: exit code {srv.exit_code()}")
    info = spec["info"]
    cfg = srv.config()
    c.check(same({k: v for k, v in cfg.items() if k != "_wandb"}, info["config"]), f"{name}: config {cfg}")
    defs = cfg.get("_wandb", {}).get("m", [])
    m = {d.get("1") or d.get("2"): d for d in defs}
    # "5" is the 1-based index of the step metric in the order wandb-core met the definitions
    # (not fixed from run to run): resolve it to a name.
    names = [d.get("1") or d.get("2") for d in defs]
    step_of = lambda d: names[d["5"] - 1] if isinstance(d.get("5"), int) and 0 < d["5"] <= len(names) else None
    c.check(set(m) >= {"epoch", "val/*", "train/loss"} and step_of(m["val/*"]) == "epoch" and m["train/loss"].get("8") == 1,
            f"{name}: metric definitions {m}")
    st = srv.run_state()
    c.check((st.get("entity"), st.get("project"), st.get("name"), st.get("displayName"), st.get("groupName"),
             st.get("jobType"), st.get("notes"), st.get("tags")) ==
            (info["entity"], info["project"], info["id"], info["name"], info["group"], info["job_type"], info["notes"],
             info["tags"]), f"{name}: run metadata {st}")
    c.check([(a["title"], a["severity"]) for a in srv.alerts()] == [("exploding gradients", "ERROR")], f"{name}: alerts {srv.alerts()}")
    files = srv.uploaded_files()
    c.check("config.yaml" in files and "wandb-summary.json" in files, f"{name}: uploaded files {sorted(files)}")


def main():
    driver = sys.argv[1]
    c = Checker()
    work, home = tempdir_with_home()

    # 1. a finished run, through `wandb sync` and through `wandb beta sync`
    spec = make_spec(os.path.join(work, "run"))
    p = run_driver(driver, spec, work, clean_env(home))
    c.check(p.returncode == 0, f"driver rc {p.returncode}: {p.stderr}")
    run_dir = p.stdout.strip().splitlines()[-1]
    path = glob.glob(os.path.join(run_dir, "*.wandb"))[0]
    records = read_records(path)
    for name, beta in (("wandb sync", False), ("wandb beta sync", True)):
        with FakeWandbServer(log_path=os.path.join(work, f"requests-{'beta' if beta else 'sync'}.json")) as srv:
            res = sync_file(run_dir, srv, beta=beta)
        print(f"{name}: GraphQL {srv.operations()}, {len(srv.requests)} requests")
        check_upload(c, name, srv, res, spec, records)

    # 2. killed after a flush: the flushed rows arrive, nothing else, and the run is not "finished ok"
    spec2 = make_spec(os.path.join(work, "killed"), run_id="syn00002")
    spec_path = os.path.join(work, "killed.json")
    import json
    with open(spec_path, "w") as f:
        json.dump(spec2, f)
    proc = subprocess.Popen([driver, "crash", spec_path, "25"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=clean_env(home))
    line = proc.stdout.readline()
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    c.check(line.strip() == "flushed 25", f"driver said {line!r}")
    run_dir2 = glob.glob(os.path.join(work, "killed", "wandb", "offline-run-*"))[0]
    with FakeWandbServer() as srv:
        res = sync_file(run_dir2, srv)
    c.check(res.returncode == 0, f"killed run: {res}")
    steps = [r.get("_step") for r in srv.history_rows()]
    c.check(steps == [2 * i for i in range(25)], f"killed run: uploaded steps {steps}")
    c.check(srv.exit_code() != 0, f"killed run uploaded as a success (exit code {srv.exit_code()})")
    print(f"killed run: {len(steps)} rows, complete={srv.completed()}, exit code {srv.exit_code()}")

    # 3. one damaged chunk in the middle: the rows behind it must not arrive as if nothing happened
    with open(path, "rb") as f:
        data = bytearray(f.read())
    log = wr.read_log(path)
    hist_idx = [i for i, r in enumerate(log.records) if kind(r) == "history"]
    victim = hist_idx[len(hist_idx) // 2]
    data[log.offsets[victim] + 7 + 3] ^= 0xFF
    run_dir3 = os.path.join(work, "damaged", os.path.basename(run_dir))
    os.makedirs(os.path.join(run_dir3, "files"))
    with open(os.path.join(run_dir3, os.path.basename(path)), "wb") as f:
        f.write(data)
    with FakeWandbServer() as srv:
        res = sync_file(run_dir3, srv)
    got = len(srv.history_rows()) if srv.file_stream else 0
    print(f"damaged file: wandb sync rc {res.returncode}, {got} of {ROWS} rows uploaded")
    c.check(got < ROWS, f"damaged file: all {got} rows uploaded although one chunk is corrupt")
    return c.done("wandb_sync", work)


if __name__ == "__main__":
    sys.exit(main())
