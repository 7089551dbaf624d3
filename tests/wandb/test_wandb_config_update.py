"""Oracle for run.update_config (W&B's run.config.update): config.json is rewritten with each
update; the .wandb file holds, after the run record, one config record per update, read back with
wandb 0.31's protobuf classes (tests/wandb/wandb_reader.py), and files/config.yaml holds the final
config; the real `wandb sync` uploads the final config to the stand-in server.

usage: test_wandb_config_update.py <wandb_driver>
"""
import glob
import json
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wandb_oracle import Checker, clean_env, items_to_dict, kind, read_records, same, sync_run, tempdir_with_home  # noqa: E402

START = {"exp_name": "exp001", "optim": {"lr": 0.001, "warmup": 3}, "epochs": 3}
UPDATES = [{"epochs": 5}, {"optim": {"lr": 0.01, "warmup": 3}}, {"best_fold": "fold_2"},
           {"exp_name": "exp002", "optim": {"lr": 0.5, "warmup": 7}}]


def final_config():
    cfg = json.loads(json.dumps(START))
    for u in UPDATES:
        cfg.update(u)
    return cfg


def main():
    driver = sys.argv[1]
    c = Checker()
    work, home = tempdir_with_home()
    p = subprocess.run([driver, "config_update", os.path.join(work, "runs")], capture_output=True, text=True,
                       env=clean_env(home), timeout=60)
    c.check(p.returncode == 0, f"driver rc {p.returncode}: {p.stderr}")
    run_root = p.stdout.strip()
    want = final_config()

    with open(os.path.join(run_root, "config.json")) as f:
        text = f.read()
    c.check(same(json.loads(text), want), f"config.json {text}")
    c.check(list(json.loads(text)) == ["exp_name", "optim", "epochs", "best_fold"], f"config.json key order {text}")
    c.check(text.endswith("}\n") and not text.endswith("\n\n"), "config.json ends with one newline")
    c.check(not glob.glob(os.path.join(run_root, "config.json.*")), "no temporary file left beside config.json")

    files = glob.glob(os.path.join(run_root, "wandb", "offline-run-*", "*.wandb"))
    c.check(len(files) == 1, f"one .wandb under {run_root}")
    if files:
        recs = read_records(files[0])
        kinds = [kind(r) for r in recs]
        c.check(kinds[0] == "run", f"order {kinds}")
        start = items_to_dict(recs[0].run.config.update)
        start.pop("_wandb", None)
        c.check(same(start, START), f"run record config {start}")
        updates = [items_to_dict(r.config.update) for r in recs if kind(r) == "config"]
        c.check(len(updates) == len(UPDATES), f"{len(updates)} config records, want {len(UPDATES)}: {kinds}")
        for got, exp in zip(updates, UPDATES):
            c.check(same(got, exp), f"config record {got}, want {exp}")
        # Each update is a record where it was made: the step-1 row is pending (as in W&B) until
        # the step-2 log commits it, the step-2 row until finish.
        body = [k for k in kinds if k in ("history", "config")]
        c.check(body == ["config"] * 3 + ["history", "config", "history"], f"record order {kinds}")
        run_dir = os.path.dirname(files[0])
        with open(os.path.join(run_dir, "files", "config.yaml")) as f:
            y = yaml.safe_load(f)
        c.check(same(y, {k: {"value": v} for k, v in want.items()}), f"config.yaml {y}")
        srv, res = sync_run(run_dir)
        c.check(res.returncode == 0, f"wandb sync failed: {res}")
        got = {k: v for k, v in srv.config().items() if k != "_wandb"}
        c.check(same(got, want), f"uploaded config {got}, want {want}")

    # The metrics file is untouched by config records.
    with open(os.path.join(run_root, "metrics.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    c.check([r.get("_step") for r in rows] == [1, 2], f"metrics.jsonl rows {rows}")
    sys.exit(c.done("wandb_config_update", work))


if __name__ == "__main__":
    main()
