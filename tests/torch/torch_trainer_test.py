"""examples/torch_trainer end to end, in CI's smoke mode: it trains, and every file it writes reads
back with the tools users read them with - pandas (metrics.jsonl, metrics.csv), tests/wandb's
.wandb reader, TensorBoard's event reader; the model is saved; WANDB_MODE=disabled still saves it."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wandb"))

trainer = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(cwd, *args, env=None):
    e = dict(os.environ)
    for k in ["WANDB_MODE", "WANDB_DISABLED", "VITALS_SINKS", "WANDB_DIR"]:
        e.pop(k, None)
    e.update(env or {})
    r = subprocess.run([trainer, "smoke=true", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=e)
    check(r.returncode == 0, f"torch_trainer {args} exited {r.returncode}: {r.stderr[-3000:]}")
    return r


with tempfile.TemporaryDirectory() as tmp:
    r = run(tmp)
    line = [l for l in r.stdout.splitlines() if l.startswith("run directory: ")]
    check(len(line) == 1, f"no run directory printed: {r.stdout[-2000:]}")
    run_dir = pathlib.Path(line[0].split(": ", 1)[1]) if line else pathlib.Path(tmp)
    if not run_dir.is_absolute():
        run_dir = pathlib.Path(tmp) / run_dir

    # The console: one sinks line, epoch rows shown whatever log_every says, no duplicate lines, no
    # "not evaluated".
    check(r.stderr.count("vitals: sinks:") == 1, f"sinks line: {r.stderr[-1000:]}")
    check("not evaluated" not in r.stdout + r.stderr, "a 'not evaluated' notice was printed")
    steps_per_epoch = (1024 - 1024 // 8) // 64
    for s in [steps_per_epoch - 1, 2 * steps_per_epoch - 1, 3 * steps_per_epoch - 1]:
        # An epoch row prints as a block headed by its step line (a step row as one "step N | ..." line).
        rows = [l for l in r.stdout.splitlines() if l.rstrip() == f"step {s:>7}" or l.startswith(f"step {s:>7} |")]
        check(len(rows) == 1, f"epoch row at step {s} not printed once:\n{r.stdout[-3000:]}")
    check("vitals: summary" in r.stdout, "no summary block")

    import pandas as pd

    rows = pd.read_json(run_dir / "metrics.jsonl", lines=True)
    csv = pd.read_csv(run_dir / "metrics.csv")
    for k in ["train/loss", "train/grad_norm", "train/grad_absmax", "model/weight_mean", "model/ema_diff",
              "model/ema_diff_rel", "train/grad_norm_mean", "train/batch_loss_cv", "val/accuracy",
              "validation/gen_std", "data_stats/normalized_mean", "data_stats/x_mean", "health/alerts_active"]:
        check(k in rows.columns, f"metrics.jsonl lacks {k}")
        check(k in csv.columns, f"metrics.csv lacks {k}")
    check(list(rows["_step"]) == list(csv["_step"]), "jsonl and csv rows differ")
    gn = rows["train/grad_norm"].dropna()
    check(len(gn) > 0 and (gn > 0).all(), f"grad norms {list(gn)}")
    ema = rows["model/ema_diff"].dropna()
    check(len(ema) > 0 and (ema > 0).all(), f"the EMA was not updated (ema_diff {list(ema)})")
    check(rows["val/accuracy"].dropna().size == 3, "one val/accuracy per epoch")
    summary = json.loads((run_dir / "summary.json").read_text())
    total = sum(h * w + h for h, w in [(64, 2), (64, 64), (2, 64)])
    check(summary.get("model_params/total_params") == total, f"count_params: {summary.get('model_params/total_params')} != {total}")
    check((run_dir / "model.pt").is_file() and (run_dir / "model.pt").stat().st_size > 0, "model.pt not saved")
    config = json.loads((run_dir / "config.json").read_text())
    check(config.get("model_params", {}).get("total_params") == total, f"config model_params: {config.get('model_params')}")
    # wandb.watch's histograms, named as it names them, every histogram_every (50) steps: step 0 only
    # in the smoke run (42 steps), and the statistics every log_every (10) steps.
    for k in ["parameters/0.weight", "parameters/4.bias", "gradients/0.weight", "gradients/2.weight"]:
        check(k in rows.columns, f"metrics.jsonl lacks {k}")
        if k in rows.columns:
            steps = list(rows.loc[rows[k].notna(), "_step"])
            check(steps == [0], f"{k} at steps {steps}, expected [0]")
            h = json.loads(rows[k].dropna().iloc[0])
            check(h.get("_type") == "histogram" and len(h["bins"]) == 65 and sum(h["values"]) > 0, f"{k}: {str(h)[:200]}")
    wm = list(rows.loc[rows["model/weight_mean"].notna(), "_step"])
    check(all(s % 10 == 0 or s % 14 == 13 for s in wm), f"model/weight_mean at steps {wm}")

    try:
        from wandb_reader import kind, read_records
        wb = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
        check(len(wb) == 1, f"one .wandb file: {wb}")
        if wb:
            recs = read_records(str(wb[0]))
            kinds = [kind(x) for x in recs]
            check(kinds[:1] == ["run"] and kinds[-3:] == ["summary", "exit", "final"], f".wandb order {kinds[-3:]}")
            hist = [{it.key: json.loads(it.value_json) for it in x.history.item} for x in recs if kind(x) == "history"]
            got = [h["train/grad_norm"] for h in hist if "train/grad_norm" in h]
            exact = [row["train/grad_norm"] for row in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())
                     if "train/grad_norm" in row]
            check(got == exact, f".wandb grad norms differ from metrics.jsonl: {got} vs {exact}")
    except ImportError as e:
        check(False, f"cannot read the .wandb file: {e}")

    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        ev = list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
        check(len(ev) == 1, f"one event file: {ev}")
        if ev:
            acc = EventAccumulator(str(ev[0]), size_guidance={"scalars": 0})
            acc.Reload()
            tags = acc.Tags()["scalars"]
            for k in ["train/loss", "train/grad_norm", "model/ema_diff", "val/accuracy"]:
                check(k in tags, f"TensorBoard lacks {k}")
            if "train/grad_norm" in tags:
                tb = [e.value for e in acc.Scalars("train/grad_norm")]
                check(len(tb) == len(gn) and all(abs(a - b) <= 1e-6 * max(1, abs(b)) for a, b in zip(tb, gn)),
                      "TensorBoard grad norms differ from metrics.jsonl")
    except ImportError as e:
        check(False, f"cannot read TensorBoard events: {e}")

    # VITALS_SINKS=jsonl,console: the console (attached in code too) runs once, the list's jsonl is
    # kept, csv/tensorboard/wandb (the code's default list) are replaced.
    r = run(tmp, env={"VITALS_SINKS": "jsonl,console"})
    check(r.stdout.count("step       0 |") == 1, f"console lines twice:\n{r.stdout[:2000]}")
    check(r.stdout.count("vitals: run finished") == 1, "two consoles")

    # WANDB_MODE=disabled: training finishes and the model is saved where the program says.
    out = pathlib.Path(tmp) / "disabled_out"
    r = run(tmp, env={"WANDB_MODE": "disabled", "VITALS_DISABLED_DIR": str(out)})
    check((out / "model.pt").is_file(), f"disabled mode did not save the model: {r.stderr[-2000:]}")

for f in failures:
    print("FAIL:", f)
print("torch_trainer end to end:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
