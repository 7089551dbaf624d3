"""Oracle: every record vitals writes, read back with our reader (tests/wandb/wandb_reader.py) and
wandb 0.31's protobuf classes, field by field; wandb's Go reader (`wandb leet inspect --json`) lists
every record; the real `wandb sync` uploads the run to a local stand-in server (every history row,
the summary, config, alert and exit code arrive); files/ and latest-run; the API key never lands
in a file we write; online mode runs `wandb sync` (a stand-in on PATH records its
arguments and environment) or says what to run; disabled mode writes nothing.

usage: test_wandb_records.py <wandb_driver>
"""
import glob
import json
import math
import os
import stat
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wandb_oracle import (Checker, clean_env, items_to_dict, kind, leet_inspect, leet_problems, read_records,  # noqa: E402
                          run_driver, same, spec_value, sync_run, tempdir_with_home)

SECRET = "vitals-test-secret-key-0123456789abcdef0123"
HIST = '{"_type":"histogram","values":[1,2,3],"bins":[0,0.5,1,1.5]}'


def scenario(out_dir, mode="offline", **options):
    config = {"lr": 0.001, "exp": {"name": "exp001", "folds": [0, 1, 2], "debug": False}, "note": "a \"quoted\" / text",
              "fold": 0, "experiment_type": "kfold", "nothing": None}
    events = []
    t0 = 1700000000.25
    for step in range(6):
        m = [["train/loss", {"f": 1.0 / (step + 1)}], ["lr", {"f": 0.001}], ["train/is_improving", {"b": step % 2 == 0}],
             ["train/grad_norm_max", {"f": 12.5 * step}], ["count", {"i": step * 10}], ["phase", {"s": "warm\tup"}]]
        if step == 0:
            m += [["model_params/total_params", {"i": 1234567}], ["model_params/model_size_mb", {"f": 1234567 * 4 / 2**20}]]
        if step == 2:
            m += [["bad/nan", {"nan": 1}], ["bad/inf", {"inf": 1}], ["bad/ninf", {"-inf": 1}], ["weights/hist", {"s": HIST}]]
        if step % 2 == 1:  # an epoch's validation values join the step's row, as a run commits them
            m += [["val/loss", {"f": 0.9 / (step + 1)}], ["val/acc", {"f": 0.5 + step / 100}], ["epoch", {"i": step // 2}]]
        # A run hands sinks history records with strictly increasing steps (the pipeline keeps
        # W&B's step rule), so the stream fed to the sink here does too.
        events.append({"kind": "history", "step": step, "runtime": 0.5 * step, "timestamp": t0 + 0.5 * step, "metrics": m})
    events.append({"kind": "alert", "step": 5, "runtime": 3.0, "timestamp": t0 + 3,
                   "metrics": [["title", {"s": "exploding gradients"}], ["text", {"s": "grad_norm_max 62.5 > 10"}],
                               ["level", {"s": "warning"}], ["state", {"s": "fired"}]]})
    events.append({"kind": "alert", "step": 5, "runtime": 3.0, "timestamp": t0 + 3,
                   "metrics": [["title", {"s": "exploding gradients"}], ["text", {"s": "cleared"}],
                               ["level", {"s": "info"}], ["state", {"s": "cleared"}]]})
    events.append({"kind": "summary", "metrics": [["fold_0/final_val_loss", {"f": 0.125}], ["train/loss", {"f": 0.0625}]]})
    opts = {"mode": mode, "metrics": [{"name": "val/*", "step_metric": "epoch"},
                                      {"name": "train/loss", "summary": ["min", "last"], "goal": "minimize"}]}
    opts.update(options)
    return {"info": {"project": "cmi", "entity": "team", "id": "k3x9q2ab", "name": "exp001/fold0", "group": "exp001",
                     "job_type": "train", "notes": "notes with ünïcode", "tags": ["fold_0", "baseline"], "dir": out_dir,
                     "config": config, "start_time": t0},
            "options": opts, "events": events, "exit_code": 0}


def check_run(c, spec, records, run_dir):
    info = spec["info"]
    kinds = [kind(r) for r in records]
    c.check(kinds[0] == "run", f"first record is run, got {kinds[:3]}")
    c.check(kinds[-3:] == ["summary", "exit", "final"], f"ends with summary, exit, final: {kinds[-3:]}")
    c.check([r.num for r in records] == list(range(1, len(records) + 1)), "Record.num counts 1, 2, ...")
    run = records[0].run
    for field, key in (("run_id", "id"), ("entity", "entity"), ("project", "project"), ("run_group", "group"),
                       ("job_type", "job_type"), ("display_name", "name"), ("notes", "notes")):
        c.check(getattr(run, field) == info[key], f"run.{field} {getattr(run, field)!r} == {info[key]!r}")
    c.check(list(run.tags) == info["tags"], f"run.tags {list(run.tags)}")
    c.check(run.host != "", "run.host set")
    c.check(run.start_time.seconds == int(info["start_time"]) and run.start_time.nanos == 250000000,
            f"run.start_time {run.start_time}")
    cfg = items_to_dict(run.config.update)
    c.check(cfg.pop("_wandb", None) == {}, "config starts with _wandb: {} as wandb.init writes it")
    c.check(same(cfg, info["config"]), f"run.config {cfg} == {info['config']}")
    c.check([it.key for it in run.config.update] == ["_wandb"] + list(info["config"]), "config keys in order")

    # metric definitions: step metric first, then the rules, as wandb.define_metric writes them
    metrics = [r.metric for r in records if kind(r) == "metric"]
    c.check(metrics[0].name == "epoch" and metrics[0].options.defined, f"epoch defined first: {metrics[0]}")
    c.check(metrics[1].glob_name == "val/*" and metrics[1].step_metric == "epoch" and metrics[1].options.step_sync
            and metrics[1].options.defined, f"glob rule: {metrics[1]}")
    c.check(metrics[2].name == "train/loss" and metrics[2].summary.min and metrics[2].summary.last
            and metrics[2].goal == metrics[2].GOAL_MINIMIZE, f"train/loss rule: {metrics[2]}")
    expanded = [m for m in metrics if m.expanded_from_glob]
    c.check(sorted(m.name for m in expanded) == ["val/acc", "val/loss"], f"expanded globs: {[m.name for m in expanded]}")
    c.check(all(m.step_metric == "epoch" and m._control.overwrite and m.HasField("summary") for m in expanded), "expanded fields")
    first_val = next(i for i, r in enumerate(records) if kind(r) == "history" and any(it.key == "val/loss" for it in r.history.item))
    c.check(all(kind(records[i]) == "metric" for i in (first_val - 1, first_val - 2)), "expanded metrics precede the first val/ row")

    # history: every value logged, plus _step / _runtime / _timestamp, in order
    hist = [r.history for r in records if kind(r) == "history"]
    want = [e for e in spec["events"] if e["kind"] == "history"]
    c.check(len(hist) == len(want), f"{len(hist)} history records == {len(want)}")
    last = {}
    for h, e in zip(hist, want):
        got = items_to_dict(h.item)
        exp = {k: spec_value(v) for k, v in e["metrics"]}
        exp.update({"_step": e["step"], "_runtime": e["runtime"], "_timestamp": e["timestamp"]})
        c.check(same(got, exp), f"history step {e['step']}: {got} != {exp}")
        c.check(h.step.num == e["step"] and h.HasField("step"), f"history.step.num {h.step.num}")
        last.update(exp)
    h2 = next(h for h in hist if any(it.key == "weights/hist" for it in h.item))
    hist2 = items_to_dict(h2.item)["weights/hist"]
    c.check(hist2 == json.loads(HIST) and hist2["_type"] == "histogram", f"histogram JSON {hist2}")
    raw = {it.key: it.value_json for it in h2.item}
    c.check(raw["bad/nan"] == "NaN" and raw["bad/inf"] == "Infinity" and raw["bad/ninf"] == "-Infinity", f"non-finite {raw}")

    # alerts: the fired one only (W&B alerts have no cleared state)
    alerts = [r.alert for r in records if kind(r) == "alert"]
    c.check(len(alerts) == 1, f"one alert, got {len(alerts)}")
    if alerts:
        a = alerts[0]
        c.check((a.title, a.text, a.level, a.wait_duration) == ("exploding gradients", "grad_norm_max 62.5 > 10", "WARN", 60000),
                f"alert {a}")

    # summary: last value of each key, explicit values win, plus _wandb.runtime
    summary = items_to_dict(records[-3].summary.update)
    exp = dict(last)
    for e in spec["events"]:
        if e["kind"] == "summary":
            exp.update({k: spec_value(v) for k, v in e["metrics"]})
    runtime = max(1, math.ceil(max(e.get("runtime", 0) for e in spec["events"])))  # rounded up, at least 1 s
    exp["_wandb"] = {"runtime": runtime}
    c.check(same(summary, exp), f"summary {summary} != {exp}")
    c.check(records[-2].exit.exit_code == spec["exit_code"] and records[-2].exit.runtime == runtime, f"exit {records[-2].exit}")

    # files/
    with open(os.path.join(run_dir, "files", "config.yaml")) as f:
        y = yaml.safe_load(f)
    c.check(same(y, {k: {"value": v} for k, v in info["config"].items()}), f"config.yaml {y}")
    with open(os.path.join(run_dir, "files", "wandb-summary.json")) as f:
        c.check(same(json.load(f), exp), "wandb-summary.json == summary record")
    with open(os.path.join(run_dir, "files", "wandb-metadata.json")) as f:
        meta = json.load(f)
    c.check(meta.get("startedAt", "").startswith("2023-11-14T22:13:20"), f"metadata {meta}")
    c.check(os.path.isdir(os.path.join(run_dir, "logs")), "logs/ exists")
    latest = os.path.join(os.path.dirname(run_dir), "latest-run")
    c.check(os.path.islink(latest) and os.readlink(latest) == os.path.basename(run_dir), "latest-run -> run dir")
    c.check(os.path.basename(run_dir).startswith("offline-run-") and run_dir.endswith("-" + info["id"]), f"run dir name {run_dir}")


def check_sync(c, spec, records, run_dir):
    """`wandb sync` (0.31's Go core) uploads the run to the stand-in server: every history row with
    its values, the final summary, the config, the alert, the exit code."""
    srv, res = sync_run(run_dir)
    c.check(res.returncode == 0 and "Finished syncing" in res.stderr + res.stdout, f"wandb sync failed: {res}")
    c.check(not srv.unknown_operations(), f"wandb sync sent requests the stand-in does not know: {srv.unknown_operations()}")
    c.check(srv.operations().count("UpsertBucket") >= 1, f"operations {srv.operations()}")
    rows = srv.history_rows()
    hist = merge_steps([items_to_dict(r.history.item) for r in records if kind(r) == "history"])
    c.check([r.get("_step") for r in rows] == [h["_step"] for h in hist],
            f"uploaded steps {[r.get('_step') for r in rows]}, logged {[h['_step'] for h in hist]} (wandb 0.31's sync "
            "gives a history record whose step is not above the previous one the previous step + 1: rows of one step "
            "must be one record)")
    if [r.get("_step") for r in rows] == [h["_step"] for h in hist]:
        for got, want in zip(rows, hist):
            c.check(same(got, want), f"uploaded row differs:\n got {got}\n want {want}")
    summary = items_to_dict(records[-3].summary.update)
    summary["_step"] = hist[-1]["_step"] if hist else summary.get("_step")
    got = srv.summary() or {}
    c.check(same(got, summary), f"uploaded summary differs:\n got {got}\n want {summary}")
    c.check(srv.exit_code() == spec["exit_code"], f"uploaded exit code {srv.exit_code()}")
    cfg = {k: v for k, v in srv.config().items() if k != "_wandb"}
    c.check(same(cfg, spec["info"]["config"]), f"uploaded config {cfg}")
    state = srv.run_state()
    info = spec["info"]
    c.check((state.get("entity"), state.get("project"), state.get("name"), state.get("groupName"), state.get("jobType"),
             state.get("displayName"), state.get("notes"), state.get("tags")) ==
            (info["entity"], info["project"], info["id"], info["group"], info["job_type"], info["name"], info["notes"],
             info["tags"]), f"uploaded run {state}")
    metrics = srv.config().get("_wandb", {}).get("m", [])
    c.check(any(m.get("2") == "val/*" for m in metrics) and any(m.get("1") == "train/loss" for m in metrics),
            f"metric definitions uploaded in _wandb.m: {metrics}")
    alerts = srv.alerts()
    c.check([(a["title"], a["text"], a["severity"], a.get("waitDuration")) for a in alerts]
            == [("exploding gradients", "grad_norm_max 62.5 > 10", "WARN", 60000)], f"uploaded alerts {alerts}")
    return srv


def merge_steps(rows):
    """What W&B makes of history rows: rows logged at the same step are one row (later values win),
    as wandb.log(..., step=s) does for a repeated step."""
    out = []
    for r in rows:
        if out and out[-1]["_step"] == r["_step"]:
            out[-1].update(r)
        else:
            out.append(dict(r))
    return out


def grep_secret(c, root, secret):
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                continue
            with open(p, "rb") as f:
                c.check(secret.encode() not in f.read(), f"API key found in {p}")


def main():
    driver = sys.argv[1]
    c = Checker()
    work, home = tempdir_with_home()

    # 1. offline run, with an API key in the environment that must not be written anywhere
    out = os.path.join(work, "offline")
    env = clean_env(home)
    env["WANDB_API_KEY"] = SECRET
    spec = scenario(out)
    p = run_driver(driver, spec, work, env)
    c.check(p.returncode == 0, f"driver rc {p.returncode}: {p.stderr}")
    run_dir = p.stdout.strip().splitlines()[-1]
    wandb_file = glob.glob(os.path.join(run_dir, "*.wandb"))[0]
    records = read_records(wandb_file)
    check_run(c, spec, records, run_dir)
    grep_secret(c, out, SECRET)

    # 2. wandb's own Go reader lists every record, and the real `wandb sync` uploads the run
    listed, err, rc = leet_inspect(wandb_file, home)
    c.check(rc == 0 and not leet_problems(err), f"wandb leet inspect rc {rc}: {err[-2000:]}")
    c.check(len(listed) == len(records), f"leet inspect lists {len(listed)} of {len(records)} records")
    c.check([r.get("type") for r in listed] == [kind(r) for r in records], "leet inspect: same record types in order")
    c.check(listed and listed[0].get("run", {}).get("run_id") == "k3x9q2ab", "leet inspect shows our run")
    c.check(any(r.get("alert", {}).get("title") == "exploding gradients" for r in listed), "leet inspect shows our alert")
    check_sync(c, spec, records, run_dir)

    # 3. online mode: the stand-in `wandb` on PATH gets `sync <run dir>` and the key from ~/.netrc,
    #    once per sync_interval flush and once at finish; the key stays out of our files
    fakebin = os.path.join(work, "fakebin")
    os.makedirs(fakebin)
    log = os.path.join(work, "standin.log")
    with open(os.path.join(fakebin, "wandb"), "w") as f:
        f.write(f'#!/bin/sh\necho "ARGS $*" >> {log}\necho "KEY $WANDB_API_KEY" >> {log}\nexit 0\n')
    os.chmod(os.path.join(fakebin, "wandb"), stat.S_IRWXU)
    netrc_key = "netrc-secret-key-fedcba9876543210fedcba98"
    with open(os.path.join(home, ".netrc"), "w") as f:
        f.write(f"machine api.wandb.ai\n  login user\n  password {netrc_key}\n")
    out2 = os.path.join(work, "online")
    env2 = clean_env(home)
    env2["PATH"] = fakebin + os.pathsep + env2.get("PATH", "")
    spec2 = scenario(out2, mode="online", sync_interval_s=0.000001)
    spec2["events"].insert(3, {"kind": "flush"})
    spec2["exit_code"] = 1
    p = run_driver(driver, spec2, work, env2)
    c.check(p.returncode == 0, f"online driver rc {p.returncode}: {p.stderr}")
    run_dir2 = p.stdout.strip().splitlines()[-1]
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    c.check(lines.count(f"ARGS sync {run_dir2}") == 2, f"stand-in called twice with sync <dir>: {lines}")
    c.check(lines.count(f"KEY {netrc_key}") == 2, "stand-in got the key from ~/.netrc")
    recs2 = read_records(glob.glob(os.path.join(run_dir2, "*.wandb"))[0])
    check_sync(c, spec2, recs2, run_dir2)
    c.check(recs2[-2].exit.exit_code == 1, "exit code 1 recorded")
    grep_secret(c, out2, netrc_key)

    # 4. online mode with no wandb CLI: the run is kept and stderr says what to run
    out3 = os.path.join(work, "nocli")
    env3 = clean_env(os.path.join(work, "emptyhome"))
    env3["PATH"] = os.path.join(work, "nothing-here")
    env3["WANDB_API_KEY"] = SECRET
    p = run_driver(driver, scenario(out3, mode="automatic", quiet=False), work, env3)
    c.check(p.returncode == 0, f"no-cli driver rc {p.returncode}: {p.stderr}")
    run_dir3 = p.stdout.strip().splitlines()[-1]
    c.check(f"wandb sync {run_dir3}" in p.stderr and "not on PATH" in p.stderr, f"tells what to run: {p.stderr}")
    grep_secret(c, out3, SECRET)

    # 5. disabled: WANDB_MODE=disabled wins over an explicit offline; nothing is written
    out4 = os.path.join(work, "disabled")
    env4 = clean_env(home)
    env4["WANDB_MODE"] = "disabled"
    p = run_driver(driver, scenario(out4), work, env4)
    c.check(p.returncode == 0 and not os.path.exists(os.path.join(out4, "wandb")), f"disabled wrote files: {p.stderr}")
    p = run_driver(driver, scenario(out4, mode="disabled"), work, clean_env(home))
    c.check(p.returncode == 0 and not os.path.exists(os.path.join(out4, "wandb")), "mode=disabled wrote files")

    # 6. end to end: a k-fold vitals::run with --sinks wandb (the registered sink): fold tags,
    #    group, config with fold/experiment_type, model_params/*, fold_k/final_*, histogram, alert
    out5 = os.path.join(work, "e2e")
    p = subprocess.run([driver, "e2e", out5], capture_output=True, text=True, env=clean_env(home), timeout=60)
    c.check(p.returncode == 0, f"e2e rc {p.returncode}: {p.stderr}")
    for fold, run_root in enumerate(p.stdout.split()):
        files = glob.glob(os.path.join(run_root, "wandb", "offline-run-*", "*.wandb"))
        c.check(len(files) == 1, f"fold {fold}: one .wandb under {run_root}")
        if not files:
            continue
        recs = read_records(files[0])
        kinds = [kind(r) for r in recs]
        c.check(kinds[0] == "run" and kinds[-3:] == ["summary", "exit", "final"], f"fold {fold} order {kinds}")
        run = recs[0].run
        c.check(f"fold_{fold}" in run.tags and run.run_group == "exp001" and run.display_name == f"exp001_fold_{fold}",
                f"fold {fold} tags/group/name {run.tags} {run.run_group} {run.display_name}")
        cfg = items_to_dict(run.config.update)
        c.check(cfg.get("fold") == fold and cfg.get("experiment_type") == "kfold" and cfg["train"]["lr"] == 0.001, f"config {cfg}")
        summary = items_to_dict(recs[-3].summary.update)
        c.check(summary.get("model_params/total_params") == 1000000 and summary.get("model_params/trainable_params") == 900000
                and same(summary.get("model_params/model_size_mb"), 1000000 * 4 / 2**20), f"model_params summary {summary}")
        c.check(same(summary.get(f"fold_{fold}/final_val_loss"), 0.5 / (fold + 1)), f"fold_{fold}/final_val_loss")
        c.check(summary.get("weights/all", {}).get("_type") == "histogram", "histogram in summary")
        hist = [items_to_dict(r.history.item) for r in recs if kind(r) == "history"]
        c.check(not any("model_params/total_params" in h for h in hist), "model_params are summary values, not a history row")
        c.check([h["train/loss"] for h in hist if "train/loss" in h] == [1.0 / (s + 1 + fold) for s in range(1, 6)], "train/loss rows")
        c.check(kinds.count("alert") == 1, "the run's alert reached W&B")

    return c.done("wandb_records", work)


if __name__ == "__main__":
    sys.exit(main())
