"""examples/health_monitor (seed 003): every seed metric under its exact name; a healthy run raises no
alert; each pathology raises exactly the alerts the example's README lists; the .wandb file reads back
with the wandb package's protos; the demo at a long schedule (300 epochs) raises no alert.

usage: health_monitor_test.py HEALTH_MONITOR README.md DEMO DEMO_CONFIG
"""
import json
import math
import re
import sys
import tempfile

from common import check, finish, fired, jsonl, run, run_dirs, wandb_records

exe, readme, demo, demo_config = sys.argv[1:5]

# The README's table: | pathology | alerts | why |
expected = {}
for line in open(readme, encoding="utf-8"):
    m = re.match(r"\|\s*(none|exploding|vanishing|plateau|mode_collapse|dead_neurons)\s*\|([^|]*)\|", line)
    if m:
        expected[m.group(1)] = {a.strip() for a in m.group(2).split(",") if a.strip() not in ("", "—")}
check(len(expected) == 6, f"README lists {sorted(expected)}, want 6 rows")

SEED_METRICS = [f"data_stats/normalized_{s}" for s in ("mean", "std", "min", "max")] + \
    [f"data_stats/{c}_{s}" for c in ("knee", "knee_vel", "grf_vz") for s in ("mean", "std")] + \
    [f"train/grad_norm_{s}" for s in ("mean", "std", "max", "min")] + \
    [f"train/batch_loss_{s}" for s in ("mean", "std", "max", "min", "cv")] + \
    ["model/weight_mean", "model/weight_std", "model/weight_max", "model/ema_diff", "train/loss_decrease",
     "train/loss_decrease_pct", "train/is_improving", "train/total_loss"] + \
    [f"loss_ratio/{t}" for t in ("simple", "vel", "fk", "drift", "slide")] + \
    [f"validation/{k}" for k in ("gen_std", "gen_mean", "gen_range", "knee_r_std", "knee_r_mean", "knee_healthy",
                                 "grf_vz_r_std", "grf_vz_r_mean", "grf_healthy")]
SEED_CONFIG = ["learning_rate", "weight_decay", "batch_size", "pseudo_dataset_len", "epochs", "window_len",
               "num_params", "num_train_trials"]

with tempfile.TemporaryDirectory() as tmp:
    for pathology, want in expected.items():
        sinks = "jsonl,console,wandb" if pathology == "none" else "jsonl"
        r = run([exe, f"pathology={pathology}", f"name={pathology}", "--sinks", sinks], tmp)
        dirs = run_dirs(r)
        if not check(len(dirs) == 1, f"{pathology}: run directory line in {r.stdout[-500:]}"):
            continue
        d = dirs[0]
        got = fired(d)
        check(got == want, f"{pathology}: fired {sorted(got)}, README lists {sorted(want)}")
        print(f"{pathology}: fired {sorted(got)}")
        if pathology != "none":
            continue
        rows = jsonl(d / "metrics.jsonl")
        keys = set().union(*rows)
        check(not [k for k in SEED_METRICS if k not in keys], f"seed metrics missing: {[k for k in SEED_METRICS if k not in keys]}")
        cfg = json.loads((d / "config.json").read_text())
        check(all(k in cfg for k in SEED_CONFIG) and cfg["num_params"] == 323, f"config.json {cfg}")
        losses = [row["train/total_loss"] for row in rows if "train/total_loss" in row]
        check(len(losses) == 60 and losses[-1] < 0.05 * losses[0], f"total loss {losses[:1]} -> {losses[-1:]}")
        last = [row for row in rows if "validation/knee_healthy" in row][-1]
        check(last["validation/knee_healthy"] == 1 and last["validation/grf_healthy"] == 1 and
              0.2 < last["validation/knee_r_std"] < 0.6 and 100 < last["validation/grf_vz_r_std"] < 500, f"validation {last}")
        ratios = [last[f"loss_ratio/{t}"] for t in ("simple", "vel", "fk", "drift", "slide")]
        check(abs(sum(ratios) - 1) < 1e-9, f"loss ratios sum to {sum(ratios)}")
        records, kind = wandb_records(d)
        hist = [{it.key: json.loads(it.value_json) for it in rec.history.item} for rec in records if kind(rec) == "history"]
        got_loss = [h["train/total_loss"] for h in hist if "train/total_loss" in h]
        check(got_loss == losses, f".wandb train/total_loss {len(got_loss)} values vs metrics.jsonl {len(losses)}")
        alerts = [rec for rec in records if kind(rec) == "alert"]
        check(not alerts, f"healthy run: .wandb alerts {[a.alert.title for a in alerts]}")
    # The seed's absolute thresholds on the same healthy run: the converged model "collapses".
    r = run([exe, "seed_rules=true", "name=seed_rules", "--sinks", "jsonl"], tmp)
    for d in run_dirs(r):
        check(fired(d) == {"loss_collapse"}, f"seed_rules=true: fired {sorted(fired(d))}, want loss_collapse only")
    # The demo at a long schedule: a converged model raises no alert.
    r = run([demo, "--config", demo_config, "epochs=300", "--sinks", "jsonl"], tmp)
    for d in run_dirs(r):
        check(fired(d) == set(), f"demo epochs=300: fired {sorted(fired(d))}")
        rows = [row for row in jsonl(d / "metrics.jsonl") if "health/alerts_active" in row]
        check(len(rows) == 300 and all(row["health/alerts_active"] == 0 for row in rows), f"demo: {len(rows)} epoch rows")

finish("health_monitor_test")
