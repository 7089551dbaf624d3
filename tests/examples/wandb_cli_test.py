"""examples/wandb_cli (seed 002): the seed's flags reach the run (W&B run record read back with the
wandb package's protos); train rows every 50 steps, val every 500, parameter histograms every 100
(gradient histograms only with log_gradients=true); define_metric summaries: val/loss = min,
val/accuracy = max of the history; best/final model files local with their metadata in the summary;
--no_wandb writes no W&B files; --config file.json is read.

usage: wandb_cli_test.py WANDB_CLI
"""
import json
import pathlib
import sys
import tempfile

from common import check, finish, jsonl, run, run_dirs, wandb_records

exe = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    r = run([exe, "--experiment", "milan_baseline", "--wandb_project", "discover-v2", "--wandb_name", "milan_v1",
             "--wandb_tags", "milan,baseline", "--wandb_notes", "Experiment notes", "--sinks", "jsonl", "log_gradients=true"], tmp)
    d = pathlib.Path(tmp) / run_dirs(r)[0]
    rows = jsonl(d / "metrics.jsonl")
    steps = lambda k: [row["_step"] for row in rows if k in row]
    check(steps("train/loss") == list(range(50, 3001, 50)), f"train/loss steps {steps('train/loss')[:3]}")
    check(steps("val/loss") == list(range(500, 3001, 500)), f"val/loss steps {steps('val/loss')}")
    check(steps("parameters/fc1.weight") == list(range(100, 3001, 100)), "parameter histograms every 100 steps")
    check(steps("gradients/fc2.weight") == list(range(100, 3001, 100)), "gradient histograms every 100 steps")
    vloss = [row["val/loss"] for row in rows if "val/loss" in row]
    vacc = [row["val/accuracy"] for row in rows if "val/accuracy" in row]
    check(vloss[-1] < vloss[0] and vacc[-1] > 0.8, f"val {vloss} {vacc}")
    summ = json.loads((d / "summary.json").read_text())
    check(summ["best_model/val_loss"] == min(vloss) and pathlib.Path(summ["best_model/path"]).stat().st_size == summ["best_model/size_bytes"] == 387 * 4,
          f"best model metadata {summ}")
    check(pathlib.Path(summ["final_model/path"]).is_file() and summ["final_model/total_params"] == 387, "final model metadata")
    records, kind = wandb_records(d)
    runs = [rec.run for rec in records if kind(rec) == "run"]
    if check(len(runs) == 1, "one W&B run record"):
        rr = runs[0]
        check(rr.project == "discover-v2" and rr.display_name == "milan_v1" and list(rr.tags) == ["milan", "baseline"] and
              rr.notes == "Experiment notes", f"W&B run record {rr.project} {rr.display_name} {list(rr.tags)} {rr.notes}")
    wsum = {it.key or "/".join(it.nested_key): json.loads(it.value_json) for rec in records if kind(rec) == "summary" for it in rec.summary.update}
    check(wsum.get("val/loss", {}).get("min") == min(vloss) if isinstance(wsum.get("val/loss"), dict) else False, f"W&B summary val/loss {wsum.get('val/loss')}")
    check(wsum.get("val/accuracy", {}).get("max") == max(vacc) if isinstance(wsum.get("val/accuracy"), dict) else False, f"W&B summary val/accuracy {wsum.get('val/accuracy')}")
    hists = [json.loads(it.value_json) for rec in records if kind(rec) == "history" for it in rec.history.item
             if (it.key or "/".join(it.nested_key)) == "parameters/fc1.weight"]
    check(len(hists) == 30 and all(h.get("_type") == "histogram" and len(h["bins"]) == 33 for h in hists), f"{len(hists)} W&B histograms")
    # no gradient histograms by default; --no_wandb: no W&B files; --config file.json
    (pathlib.Path(tmp) / "cfg.json").write_text(json.dumps({"steps": 200, "learning_rate": 0.02, "name": "from_file"}))
    r = run([exe, "--config", "cfg.json", "--no_wandb", "--sinks", "jsonl,wandb"], tmp)
    d = pathlib.Path(tmp) / run_dirs(r)[0]
    cfg = json.loads((d / "config.json").read_text())
    check(cfg["steps"] == 200 and cfg["learning_rate"] == 0.02 and d.name.startswith("from_file_"), f"--config: {cfg} {d.name}")
    check(not (d / "wandb").exists(), "--no_wandb left a wandb directory")
    check(not any("gradients/fc1.weight" in row for row in jsonl(d / "metrics.jsonl")), "gradient histograms without log_gradients")

finish("wandb_cli_test")
