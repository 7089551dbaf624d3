"""Oracle: the same run logged by Python `wandb` (offline) and by vitals. For the record types vitals
emits (run, metric, history, alert, exit), the parsed sequences match in order and value —
timestamps, runtimes, ids, hosts and wandb's own telemetry/stats/summary-step records excluded —
and the final summary state agrees. Then both files go through wandb's own `wandb sync` sender
(network stubbed): the history rows, summary, config, metric definitions and alerts it would
upload agree too.

usage: test_wandb_vs_python.py <wandb_driver>
"""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wandb_oracle import (Checker, clean_env, items_to_dict, kind, read_records, run_driver, same, sender_payloads,  # noqa: E402
                          spec_value, tempdir)

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
        if m.get("goal"):
            kw["goal"] = m["goal"]
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
        try:
            if any(kind(r) == "exit" for r in read_records(path)):
                break
        except AssertionError:  # a torn tail while it is still being written
            pass
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
            seq.append((k, MessageToDict(r.metric)))
        elif k == "alert":
            seq.append((k, MessageToDict(r.alert)))
        elif k == "exit":
            seq.append((k, {"exit_code": r.exit.exit_code}))
    for t in TIMING + ("_wandb",):
        summary.pop(t, None)
    return seq, summary


def upload_view(pushes, upserts, alerts):
    """The comparable part of what wandb's sender uploads (timings and wandb's telemetry dropped)."""
    history = [{k: v for k, v in row.items() if k not in TIMING} for name, row in pushes if name == "wandb-history.jsonl"]
    summaries = [row for name, row in pushes if name == "wandb-summary.json"]
    summary = {k: v for k, v in (summaries[-1] if summaries else {}).items() if k not in TIMING + ("_wandb",)}
    config = {}
    metrics = []
    for u in upserts:
        for k, v in (u.get("config") or {}).items():
            if k == "_wandb":
                metrics = v["value"].get("m", metrics)
            else:
                config[k] = v["value"]
    run = {k: upserts[0].get(k) for k in ("name", "project", "entity", "group", "job_type", "display_name", "notes", "tags")}
    return {"history": history, "summary": summary, "config": config, "metrics": metrics, "alerts": alerts, "run": run}


def main():
    driver = sys.argv[1]
    c = Checker()
    work = tempdir()
    home = os.path.join(work, "home")
    os.makedirs(home)
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

    # What `wandb sync` would upload, from wandb's own sender: history rows, the final summary,
    # the run's config (with the metric definitions in _wandb.m) and alerts must agree.
    ours_up = upload_view(*sender_payloads(ours_path, work))
    theirs_up = upload_view(*sender_payloads(theirs_path, work))
    for part in ("history", "summary", "config", "metrics", "alerts", "run"):
        c.check(same(ours_up[part], theirs_up[part]),
                f"`wandb sync` would upload different {part}:\n vitals {ours_up[part]}\n wandb  {theirs_up[part]}")
    c.check(len(ours_up["history"]) == sum(1 for k, _ in ours if k == "history"), "every history row is uploaded")
    return c.done("wandb_vs_python", work)


if __name__ == "__main__":
    sys.exit(main())
