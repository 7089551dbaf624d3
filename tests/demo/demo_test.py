"""End-to-end check of examples/demo: a normal run writes every file; pathologies raise alerts."""
import json
import pathlib
import subprocess
import sys
import tempfile

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


with tempfile.TemporaryDirectory() as tmp:
    run_dir, r = run_demo(tmp, "--wandb_tags", "demo,ci")
    for f in ["config.json", "metadata.json", "metrics.jsonl", "metrics.csv", "summary.json", "alerts.jsonl"]:
        check((run_dir / f).is_file(), f"missing {f}")
    cfg = json.loads((run_dir / "config.json").read_text())
    check(cfg.get("epochs") == 3 and cfg.get("optim", {}).get("lr") == 0.5, f"config.json: {cfg}")
    rows = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines()]
    keys = set().union(*rows)
    for k in ["train/loss", "train/grad_norm", "train/grad_norm_mean", "train/batch_loss_cv", "model/weight_mean",
              "model/ema_diff", "model/ema_diff_rel", "health/alerts_active", "val/accuracy",
              "model_params/total_params"]:
        check(k in keys, f"metrics.jsonl lacks {k}")
    summary = json.loads((run_dir / "summary.json").read_text())
    check(summary.get("final/accuracy", 0) > 0.8, f"the demo model did not learn: {summary.get('final/accuracy')}")
    check(list((run_dir / "wandb").glob("offline-run-*/run-*.wandb")), "no .wandb file")
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
