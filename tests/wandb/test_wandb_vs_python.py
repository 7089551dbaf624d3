"""Oracle: the same run logged by Python `wandb` (offline) and by vitals. For the record types vitals
emits (run, metric, history, alert, exit), the parsed sequences match in order and value —
timestamps, runtimes, ids, hosts and wandb's own telemetry/stats/summary-step records excluded —
and the final summary state agrees. Then both runs go through the real `wandb sync` (wandb 0.31's
Go core) to a local stand-in server (tests/wandb/fake_wandb_server.py): the history rows, summary,
config, metric definitions, alerts and exit code that arrive agree too.

usage: test_wandb_vs_python.py <wandb_driver>
"""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wandb_oracle import (Checker, WandbLogError, clean_env, items_to_dict, kind, read_log, read_records,  # noqa: E402
                          run_driver, same, spec_value, sync_run, tempdir_with_home)

from google.protobuf.json_format import MessageToDict  # noqa: E402

COMPARED = ("run", "metric", "history", "alert", "exit")
TIMING = ("_runtime", "_timestamp")


def make_spec(out_dir):
    events = []
    for step in range(8):
        m = [[f"train/m{k}", {"f": step * 0.25 + k / 7}] for k in range(10)]
        m += [["train/flag", {"b": step % 3 == 0}], ["train/count", {"i": step * 3}]]
        if step == 3:
            m += [["bad/nan", {"nan": 1}], ["bad/inf", {"inf": 1}], ["note", {"s": "hello \"w&b\""}],
                  ["weights/h", {"s": '{"_type":"histogram","values":[3,1,4],"bins":[-1,0,1,2]}'}]]
        events.append({"kind": "history", "step": 2 * step, "metrics": m})
        if step % 4 == 3:
            events.append({"kind": "history", "step": 2 * step + 1,
                           "metrics": [["val/loss", {"f": 1.0 / (step + 1)}], ["epoch", {"i": step // 4}]]})
    events.append({"kind": "alert", "metrics": [["title", {"s": "plateau"}], ["text", {"s": "no improvement for 10 epochs"}],
                                                ["level", {"s": "warn"}]]})
    events.append({"kind": "summary", "metrics": [["fold_0/final_val_loss", {"f": 0.2}]]})
    config = {"lr": 0.0003, "optim": {"name": "adamw", "betas": [0.9, 0.999]}, "folds": [0, 1], "debug": False}
    info = {"project": "cmi", "entity": "team", "id": "cmp00001", "name": "exp/fold0", "group": "exp",
            "job_type": "train", "notes": "compare", "tags": ["fold_0", "cmp"], "dir": out_dir, "config": config,
            "start_time": 1700000000.0}
    metrics = [{"name": "val/*", "step_metric": "epoch"}, {"name": "train/m0", "summary": ["min"], "goal": "minimize"}]
    return {"info": info, "options": {"mode": "offline", "metrics": metrics}, "events": events, "exit_code": 0}


def python_run(spec, out_dir):
    import wandb

    info = spec["info"]
    run = wandb.init(project=info["project"], entity=info["entity"], id=info["id"], name=info["name"], group=info["group"],
                     job_type=info["job_type"], notes=info["notes"], tags=info["tags"], config=info["config"],
                     dir=out_dir, mode="offline", settings=wandb.Settings(silent=True, x_disable_stats=True,
                                                                           console="off", save_code=False))
    defined = set()
    for m in spec["options"]["metrics"]:
        # vitals defines a rule's step metric itself, as W&B's docs tell Python users to
        if m.get("step_metric") and m["step_metric"] not in defined:
            run.define_metric(m["step_metric"])
            defined.add(m["step_metric"])
        kw = {}
        if m.get("step_metric"):
            kw["step_metric"] = m["step_metric"]
        if m.get("summary"):
            kw["summary"] = ",".join(m["summary"])
        # wandb 0.31's define_metric has no `goal` any more (MetricRecord still has the field); vitals
        # writes it, so the comparison below leaves it out
        run.define_metric(m["name"], **kw)
    for e in spec["events"]:
        vals = {k: spec_value(v) for k, v in e["metrics"]}
        if e["kind"] == "history":
            for k, v in list(vals.items()):
                if isinstance(v, dict) and v.get("_type") == "histogram":
                    vals[k] = wandb.Histogram(np_histogram=(v["values"], v["bins"]))
            run.log(vals, step=e["step"], commit=True)
        elif e["kind"] == "alert":
            run.alert(title=vals["title"], text=vals["text"], level=wandb.AlertLevel.WARN)
        elif e["kind"] == "summary":
            for k, v in vals.items():
                run.summary[k] = v
    run.finish(exit_code=spec["exit_code"])
    # wandb-core can return from finish() before its writer has flushed the file; teardown stops
    # the service, and then we wait (bounded) for the exit record to be on disk.
    wandb.teardown()
    path = glob.glob(os.path.join(out_dir, "wandb", "offline-run-*", "*.wandb"))[0]
    for _ in range(100):
        log = read_log(path, stop_at_damage=True)  # a torn tail while it is still being written
        if any(kind(r) == "exit" for r in log.records) and log.error is None:
            break
        time.sleep(0.1)
    return path


def normalize(records):
    """(type, comparable value) for the compared record types, and the final summary state."""
    seq = []
    summary = {}
    for r in records:
        k = kind(r)
        if k == "summary":
            for key, v in items_to_dict(r.summary.update).items():
                if isinstance(v, dict) and isinstance(summary.get(key), dict):
                    summary[key].update(v)
                else:
                    summary[key] = v
        if k not in COMPARED:
            continue
        if k == "run":
            run = r.run
            cfg = items_to_dict(run.config.update)
            cfg.pop("_wandb", None)
            seq.append((k, {"project": run.project, "entity": run.entity, "run_id": run.run_id, "name": run.display_name,
                            "group": run.run_group, "job_type": run.job_type, "notes": run.notes, "tags": list(run.tags),
                            "config": cfg}))
        elif k == "history":
            h = items_to_dict(r.history.item)
            for t in TIMING:
                h.pop(t, None)
            seq.append((k, {"items": h, "step": r.history.step.num}))
        elif k == "metric":
            m = MessageToDict(r.metric)
            m.pop("goal", None)  # see python_run
            if m.get("expandedFromGlob"):
                # vitals writes a glob's expansion before the first matching row, as wandb <= 0.22's
                # client did; 0.31's client leaves expansion to its core and writes none. 0.31's sync
                # uploads the same definitions either way (compared below), so they are left out here.
                continue
            seq.append((k, m))
        elif k == "alert":
            seq.append((k, MessageToDict(r.alert)))
        elif k == "exit":
            seq.append((k, {"exit_code": r.exit.exit_code}))
    for t in TIMING + ("_wandb",):
        summary.pop(t, None)
    return seq, summary


def upload_view(srv):
    """The comparable part of what arrived at the stand-in server (timings and wandb's telemetry
    dropped)."""
    history = [{k: v for k, v in row.items() if k not in TIMING} for row in srv.history_rows()]
    summary = {k: v for k, v in (srv.summary() or {}).items() if k not in TIMING + ("_wandb",)}
    config = srv.config()
    metrics = config.pop("_wandb", {}).get("m", [])
    state = srv.run_state()
    run = {k: state.get(k) for k in ("name", "project", "entity", "groupName", "jobType", "displayName", "notes", "tags")}
    alerts = srv.alerts()
    return {"history": history, "summary": summary, "config": config, "metrics": metrics, "alerts": alerts, "run": run,
            "exit_code": srv.exit_code()}


def main():
    driver = sys.argv[1]
    c = Checker()
    work, home = tempdir_with_home()
    os.environ.update(clean_env(home))
    for k in [k for k in os.environ if k.startswith("WANDB_")]:
        del os.environ[k]
    os.environ.update({"WANDB_MODE": "offline", "WANDB_API_KEY": "dummy", "WANDB_SILENT": "true"})

    spec = make_spec(os.path.join(work, "vitals"))
    p = run_driver(driver, spec, work, clean_env(home))
    c.check(p.returncode == 0, f"driver rc {p.returncode}: {p.stderr}")
    ours_path = glob.glob(os.path.join(p.stdout.strip().splitlines()[-1], "*.wandb"))[0]
    theirs_path = python_run(spec, os.path.join(work, "python"))

    ours, ours_summary = normalize(read_records(ours_path))
    theirs_records = read_records(theirs_path)
    theirs, theirs_summary = normalize(theirs_records)
    c.check([k for k, _ in ours] == [k for k, _ in theirs],
            f"record order differs:\n vitals {[k for k, _ in ours]}\n wandb  {[k for k, _ in theirs]}")
    for i, ((ka, a), (kb, b)) in enumerate(zip(ours, theirs)):
        c.check(ka == kb and same(a, b), f"record {i} ({ka}/{kb}) differs:\n vitals {a}\n wandb  {b}")
    c.check(same(ours_summary, theirs_summary), f"summary differs:\n vitals {ours_summary}\n wandb  {theirs_summary}")
    print(f"compared {len(ours)} records and {len(ours_summary)} summary keys")

    # What the real `wandb sync` uploads: history rows, the final summary, the run's config (with
    # the metric definitions in _wandb.m), alerts and the exit code must agree.
    ups = []
    for path in (ours_path, theirs_path):
        srv, res = sync_run(os.path.dirname(path))
        c.check(res.returncode == 0 and "Finished syncing" in res.stdout + res.stderr, f"wandb sync failed: {res}")
        c.check(not srv.unknown_operations(), f"unknown requests: {srv.unknown_operations()}")
        ups.append(upload_view(srv))
    ours_up, theirs_up = ups
    # the goal (key "8" in _wandb.m) reaches the server from vitals; wandb 0.31's Python API cannot set one
    goals = {m.get("1"): m.pop("8", None) for m in ours_up["metrics"]}
    c.check(goals.get("train/m0") == 1, f"train/m0's goal (minimize) uploaded: {goals}")
    # wandb-core numbers the definitions in the order it meets them, which is not fixed from run to
    # run; "5" (a step metric) is a 1-based index into that list: compare by names instead.
    def by_name(ms):
        names = [m.get("1") or m.get("2") for m in ms]
        out = {}
        for m in ms:
            d = dict(m)
            if isinstance(d.get("5"), int) and 0 < d["5"] <= len(names):
                d["5"] = names[d["5"] - 1]
            out[d.get("1") or d.get("2")] = d
        return out
    ours_up["metrics"], theirs_up["metrics"] = by_name(ours_up["metrics"]), by_name(theirs_up["metrics"])
    for part in ("history", "summary", "config", "metrics", "alerts", "run", "exit_code"):
        c.check(same(ours_up[part], theirs_up[part]),
                f"`wandb sync` would upload different {part}:\n vitals {ours_up[part]}\n wandb  {theirs_up[part]}")
    c.check(len(ours_up["history"]) == sum(1 for k, _ in ours if k == "history"), "every history row is uploaded")
    return c.done("wandb_vs_python", work)


if __name__ == "__main__":
    sys.exit(main())
