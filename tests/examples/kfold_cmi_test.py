"""examples/kfold_cmi (seed 000): one run per fold named {exp}_fold_{k}, tag fold_{k}, group = exp, config
with fold, experiment_type and model_params; fold_{k}/final_val_* in each fold's summary; the cross-fold
summary.csv equals a pandas computation (mean, std with ddof=1, best fold) over the fold runs'
summary.json files; the .wandb files read back with the wandb package's protos. The summary run's
cross-fold table is a W&B table as Python wandb 0.31 writes one: a files record names
media/table/cv_summary_table_<step>_<sha256[:20]>.table.json, the file's numbers equal pandas', the
summary value is {"_type": "table-file", sha256, size, path, ncols, nrows} matching the file, and the
real `wandb sync` to the stand-in server uploads the file.

usage: kfold_cmi_test.py KFOLD_CMI
"""
import hashlib
import json
import pathlib
import sys
import tempfile

import pandas as pd

from common import check, finish, run, run_dirs, wandb_records

exe = sys.argv[1]
METRICS = ["final_val_loss", "final_val_cmi_score", "final_val_multiclass_loss", "final_val_binary_loss"]

with tempfile.TemporaryDirectory() as tmp:
    r = run([exe, "experiment=exp005", "experiment_type=length_grouping_schedule_free", "tags=[imu,cv]",
             "--sinks", "jsonl,wandb"], tmp)
    dirs = run_dirs(r)
    check(len(dirs) == 6, f"5 fold runs + 1 summary run, got {dirs}")
    rows = []
    for k, d in enumerate(dirs[:5]):
        d = pathlib.Path(tmp) / d
        meta = json.loads((d / "metadata.json").read_text())
        cfg = json.loads((d / "config.json").read_text())
        summ = json.loads((d / "summary.json").read_text())
        check(meta["name"] == f"exp005_fold_{k}" and meta["group"] == "exp005" and meta["tags"] == ["imu", "cv", f"fold_{k}"],
              f"fold {k} metadata {meta['name']} {meta['group']} {meta['tags']}")
        check(cfg["fold"] == k and cfg["experiment_type"] == "length_grouping_schedule_free", f"fold {k} config {cfg}")
        check(cfg["model_params"]["total_params"] == summ["model_params/total_params"] == 1733 and
              abs(cfg["model_params"]["model_size_mb"] - 1733 * 4 / 2**20) < 1e-12, f"fold {k} model_params")
        row = {"fold": k}
        for m in METRICS:
            v = summ.get(f"fold_{k}/{m}")
            check(isinstance(v, float), f"fold {k}: summary lacks fold_{k}/{m}")
            row[m] = v
        check(0 < row["final_val_loss"] < 1.5 and 0.5 < row["final_val_cmi_score"] <= 1, f"fold {k} values {row}")
        rows.append(row)
        records, kind = wandb_records(d)
        runs = [rec.run for rec in records if kind(rec) == "run"]
        if check(len(runs) == 1, f"fold {k}: one run record"):
            wcfg = {it.key: json.loads(it.value_json) for it in runs[0].config.update}
            check(runs[0].display_name == f"exp005_fold_{k}" and runs[0].run_group == "exp005" and
                  list(runs[0].tags) == ["imu", "cv", f"fold_{k}"] and wcfg.get("fold") == k, f"fold {k} W&B run record")
        wsum = {it.key: json.loads(it.value_json) for rec in records if kind(rec) == "summary" for it in rec.summary.update}
        check(wsum.get(f"fold_{k}/final_val_loss") == row["final_val_loss"], f"fold {k}: W&B summary final_val_loss")
    df = pd.DataFrame(rows).set_index("fold")
    exp_dir = pathlib.Path(tmp) / "runs" / "exp005"
    got = pd.read_csv(exp_dir / "summary.csv").set_index("metric")
    for m in METRICS:
        check(abs(got.loc[m, "mean"] - df[m].mean()) <= 1e-12 * abs(df[m].mean()), f"{m} mean {got.loc[m, 'mean']} vs pandas {df[m].mean()}")
        check(abs(got.loc[m, "std"] - df[m].std()) <= 1e-9 * abs(df[m].std()) + 1e-15, f"{m} std {got.loc[m, 'std']} vs pandas {df[m].std()}")
        check(list(got.loc[m, [f"fold_{k}" for k in range(5)]]) == list(df[m]), f"{m} per-fold values")
    best = int(df["final_val_cmi_score"].idxmax())
    check(f"best fold (final_val_cmi_score): {best}" in r.stdout, f"best fold {best} not printed: {r.stdout[-400:]}")
    md = (exp_dir / "summary.md").read_text()
    check(f"{df['final_val_loss'].mean():.4f} ± {df['final_val_loss'].std():.4f}" in md, f"summary.md {md}")
    table = json.loads((exp_dir / "cross_fold_summary.table.json").read_text())
    check(table["columns"] == ["metric", "mean", "std", "best_fold"] and [row[0] for row in table["data"]] == METRICS and
          all(abs(row[1] - df[row[0]].mean()) <= 1e-12 * abs(df[row[0]].mean()) for row in table["data"]), f"table {table}")
    s = pathlib.Path(tmp) / dirs[5]
    meta = json.loads((s / "metadata.json").read_text())
    check(meta["name"] == "exp005_summary" and meta["group"] == "exp005", f"summary run {meta['name']} {meta['group']}")
    records, kind = wandb_records(s)
    wsum = {it.key: json.loads(it.value_json) for rec in records if kind(rec) == "summary" for it in rec.summary.update}
    check(abs(wsum.get("cv/final_val_cmi_score_mean", -1) - df["final_val_cmi_score"].mean()) < 1e-12 and
          wsum.get("cv/best_fold") == best, f"summary run W&B summary {wsum}")
    # The W&B table on the summary run.
    files = [f.path for rec in records if kind(rec) == "files" for f in rec.files.files]
    tv = wsum.get("cv/summary_table", {})
    check(isinstance(tv, dict) and tv.get("_type") == "table-file" and tv.get("path") in files, f"table value {tv} / files {files}")
    if isinstance(tv, dict) and tv.get("path"):
        [wandb_dir] = list((s / "wandb").glob("offline-run-*"))
        raw = (wandb_dir / "files" / tv["path"]).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        check(tv["sha256"] == digest and tv["size"] == len(raw) and tv["ncols"] == 4 and tv["nrows"] == 4 and
              tv["path"].startswith("media/table/cv_summary_table_") and tv["path"].endswith(f"_{digest[:20]}.table.json"),
              f"table-file value {tv} vs the file ({len(raw)} bytes, sha256 {digest})")
        wt = json.loads(raw)
        check(wt["columns"] == ["metric", "mean", "std", "best_fold"] and [row[0] for row in wt["data"]] == METRICS, f"W&B table {wt}")
        for name, mean, std, bf in wt["data"]:
            col = df[name]
            check(abs(mean - col.mean()) <= 1e-12 * abs(col.mean()) and abs(std - col.std()) <= 1e-9 * abs(col.std()) + 1e-15
                  and bf == int(col.idxmax() if name == "final_val_cmi_score" else col.idxmin()),
                  f"W&B table row {name}: {mean} {std} {bf} vs pandas {col.mean()} {col.std()}")
        from wandb_oracle import sync_run
        srv, result = sync_run(str(wandb_dir))
        check(result.returncode == 0, f"wandb sync of the summary run: {result}")
        up = srv.uploaded_files()
        check(up.get(tv["path"]) == raw, f"uploaded files {sorted(up)}: the table file is not among them (or differs)")
    print(df.agg(["mean", "std"]).T)

finish("kfold_cmi_test")
