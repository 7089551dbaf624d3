"""End-to-end check of examples/demo: a normal run writes every file; pathologies raise alerts."""
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile

# The .wandb file is read with tests/wandb's own reader and uploaded with the real `wandb sync`
# (wandb 0.31) to the stand-in server there.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wandb"))

demo, config = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run_demo(cwd, *args):
    r = subprocess.run([demo, "--config", config, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"demo {args} exited {r.returncode}: {r.stderr[-2000:]}")
    line = [l for l in r.stdout.splitlines() if l.startswith("run directory: ")]
    check(len(line) == 1, f"demo {args} did not print its run directory")
    return pathlib.Path(line[0].split(": ", 1)[1]) if line else None, r


def check_wandb(path, jsonl_rows):
    """The demo's W&B run reads whole, carries the rows metrics.jsonl has, and uploads: every row, the
    summary and exit code 0 arrive at the stand-in server through the real `wandb sync`."""
    try:
        from fake_wandb_server import FakeWandbServer, sync_file
        from wandb_reader import WandbLogError, kind, read_records
    except ImportError as e:  # wandb (the oracle) not installed
        check(False, f"cannot read the .wandb file: {e}")
        return
    try:
        records = read_records(str(path))
    except WandbLogError as e:
        check(False, f"the demo's .wandb file is damaged: {e}")
        return
    kinds = [kind(r) for r in records]
    check(kinds[:1] == ["run"] and kinds[-3:] == ["summary", "exit", "final"], f".wandb record order {kinds[:2]}..{kinds[-3:]}")
    check(records[-2].exit.exit_code == 0 if len(records) > 1 else False, "exit record with code 0")

    def values(items):
        return {".".join(it.nested_key) if it.nested_key else it.key: json.loads(it.value_json) for it in items}

    hist = [values(r.history.item) for r in records if kind(r) == "history"]
    for k in ["train/loss", "model/weight_mean", "val/accuracy"]:
        want = [row[k] for row in jsonl_rows if k in row and isinstance(row[k], (int, float))]
        got = [h[k] for h in hist if k in h]
        check(len(got) == len(want) and all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, want)),
              f".wandb {k}: {len(got)} values, metrics.jsonl {len(want)}")
    # merge rows of one step, as W&B does
    merged = []
    for h in hist:
        if merged and merged[-1]["_step"] == h["_step"]:
            merged[-1].update(h)
        else:
            merged.append(dict(h))
    with FakeWandbServer() as srv:
        res = sync_file(path.parent, srv)
    check(res.returncode == 0, f"wandb sync of the demo run: {res}")
    if srv.file_stream:
        up = srv.history_rows()
        check([r.get("_step") for r in up] == [h["_step"] for h in merged],
              f"wandb sync uploaded steps {[r.get('_step') for r in up][:20]}, the run has {[h['_step'] for h in merged][:20]}")
        check(srv.exit_code() == 0, f"uploaded exit code {srv.exit_code()}")
        print(f"W&B: {len(records)} records, {len(up)} rows uploaded by wandb sync, exit code {srv.exit_code()}")
        summary = values(records[-3].summary.update)
        check(all(k in (srv.summary() or {}) for k in summary if not k.startswith("_")), "uploaded summary keys")
    else:
        check(False, "wandb sync uploaded nothing")


with tempfile.TemporaryDirectory() as tmp:
    run_dir, r = run_demo(tmp, "--wandb_tags", "demo,ci")
    for f in ["config.json", "metadata.json", "metrics.jsonl", "metrics.csv", "summary.json", "alerts.jsonl",
              "report.html"]:
        check((run_dir / f).is_file(), f"missing {f}")
    cfg = json.loads((run_dir / "config.json").read_text())
    check(cfg.get("epochs") == 3 and cfg.get("optim", {}).get("lr") == 0.5, f"config.json: {cfg}")
    rows = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines()]
    keys = set().union(*rows)
    for k in ["train/loss", "train/grad_norm", "train/grad_norm_mean", "train/batch_loss_cv", "model/weight_mean",
              "model/ema_diff", "model/ema_diff_rel", "health/alerts_active", "val/accuracy"]:
        check(k in keys, f"metrics.jsonl lacks {k}")
    summary = json.loads((run_dir / "summary.json").read_text())
    # Seed 000: model size goes to the summary (and metadata), not to a history row that takes a step.
    check("model_params/total_params" not in keys and summary.get("model_params/total_params", 0) > 0,
          f"model_params: history keys {sorted(k for k in keys if k.startswith('model_params'))}, summary {summary}")
    steps = [r["_step"] for r in rows]
    check(steps == sorted(set(steps)), "metrics.jsonl steps are not strictly increasing")
    check(summary.get("final/accuracy", 0) > 0.8, f"the demo model did not learn: {summary.get('final/accuracy')}")
    wandb_files = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    check(len(wandb_files) == 1, f"one .wandb file, found {wandb_files}")
    if wandb_files:
        check_wandb(wandb_files[0], rows)
    check(list((run_dir / "tensorboard").glob("events.out.tfevents.*")), "no TensorBoard event file")
    healthy_alerts = [json.loads(l) for l in (run_dir / "alerts.jsonl").read_text().splitlines()]
    check(not [a for a in healthy_alerts if a["state"] == "fired"], f"a healthy run raised alerts: {healthy_alerts}")

    # --show-config prints the composed config and exits without creating a run.
    r = subprocess.run([demo, "--config", config, "epochs=7", "--show-config"], cwd=tmp, capture_output=True, text=True)
    check(r.returncode == 0 and "epochs: 7" in r.stdout, f"--show-config: {r.stdout} {r.stderr}")
    # A bad value is reported with its key and source, and nothing is started.
    before = set(pathlib.Path(tmp, "runs").iterdir())
    r = subprocess.run([demo, "--config", config, "optim.lr=fast"], cwd=tmp, capture_output=True, text=True)
    check(r.returncode != 0 and "optim.lr" in r.stderr, f"bad override: rc={r.returncode} {r.stderr}")
    check(set(pathlib.Path(tmp, "runs").iterdir()) == before, "a bad config still created a run directory")

    # log_every=1: every step has its train/loss row (epoch rows join the epoch's last step, so
    # no step is pushed out by W&B's step rule), and the config's project reaches the W&B run.
    run_dir, r = run_demo(tmp, "log_every=1", "--sinks", "jsonl,wandb")
    rows = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines()]
    loss_steps = [row["_step"] for row in rows if "train/loss" in row]
    check(loss_steps == list(range(3 * (4096 // 32))), f"log_every=1: train/loss at {len(loss_steps)} steps, expected 384")
    meta = json.loads((run_dir / "metadata.json").read_text())
    check(meta.get("out_of_order_steps") == 0 and "dropped" not in r.stderr, f"dropped steps: {meta.get('out_of_order_steps')}")
    check(meta.get("project") == "vitals-demo", f"project in metadata: {meta.get('project')}")
    try:
        from wandb_reader import kind, read_records
        wb = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
        runs = [rec.run for rec in read_records(str(wb[0])) if kind(rec) == "run"] if wb else []
        check(runs and runs[0].project == "vitals-demo", f"W&B run record project: {[x.project for x in runs]}")
    except ImportError as e:
        check(False, f"cannot read the .wandb file: {e}")

    run_dir, _ = run_demo(tmp, "pathology=exploding", "--sinks", "jsonl")
    fired = {a["rule"] for a in map(json.loads, (run_dir / "alerts.jsonl").read_text().splitlines()) if a["state"] == "fired"}
    check({"exploding_gradients", "exploding_weights"} <= fired, f"exploding pathology fired {fired}")
    run_dir, _ = run_demo(tmp, "pathology=plateau", "epochs=12", "--sinks", "jsonl")
    fired = {a["rule"] for a in map(json.loads, (run_dir / "alerts.jsonl").read_text().splitlines()) if a["state"] == "fired"}
    check("plateau" in fired, f"plateau pathology fired {fired}")

for f in failures:
    print("FAIL:", f)
print(f"demo end-to-end: {'failed' if failures else 'passed'}")
sys.exit(1 if failures else 0)
