"""Oracle: pandas reads metrics.jsonl and metrics.csv written by vitals and every value equals
what oracle_writer.cpp logged (recomputed here with the same formulas)."""
import json
import math
import os
import subprocess
import sys
import tempfile

import pandas as pd

writer = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    run_dir = subprocess.run([writer, tmp], check=True, capture_output=True, text=True).stdout.strip()
    steps = 200

    def expected(i):
        loss = 1.0 / (1 + i) + 1e-3 * math.sin(i)
        if i == 7:
            loss = float("nan")
        if i == 8:
            loss = float("inf")
        row = {"_step": i, "train/loss": loss, "lr": 1e-4 * (i % 10), "count": i * 1000003}
        if i % 10 == 0:
            row["val/acc"] = 0.5 + i * 0.001
            row["phase"] = 'a,"quoted"' if i % 20 == 0 else "plain"
        if i >= 100:
            row["struct/loss"] = loss * 2
            row["struct/epoch"] = i // 50
            row["struct/improving"] = i % 3 == 0
            row["struct/grad/norm"] = i * 0.25
            row["struct/grad/max"] = i * 0.5
        return row

    def same(a, b):
        if isinstance(b, float) and math.isnan(b):
            return isinstance(a, float) and math.isnan(a)
        if isinstance(b, bool):
            return bool(a) == b
        if isinstance(b, float):
            return a == b or abs(a - b) <= 1e-15 * max(1.0, abs(b))
        if isinstance(b, int):
            return int(a) == b
        return a == b

    failures = []
    for fmt in ("jsonl", "csv"):
        path = os.path.join(run_dir, "metrics." + fmt)
        df = pd.read_json(path, lines=True) if fmt == "jsonl" else pd.read_csv(path)
        if len(df) != steps:
            failures.append(f"{fmt}: {len(df)} rows, expected {steps}")
            continue
        for col in ("_runtime", "_timestamp"):
            if col not in df.columns or not df[col].is_monotonic_increasing:
                failures.append(f"{fmt}: {col} missing or not increasing")
        all_keys = set()
        for i in range(steps):
            exp = expected(i)
            all_keys |= set(exp)
            row = df.iloc[i]
            for k, v in exp.items():
                if k not in df.columns or not same(row[k], v):
                    failures.append(f"{fmt} step {i} {k}: got {row.get(k)!r}, expected {v!r}")
            for k in df.columns:
                if k not in exp and k not in ("_runtime", "_timestamp") and not pd.isna(row[k]):
                    failures.append(f"{fmt} step {i}: unexpected value {row[k]!r} for {k}")
        if fmt == "csv" and list(df.columns) != sorted(all_keys | {"_runtime", "_timestamp"}):
            failures.append(f"csv header not the sorted union of keys: {list(df.columns)}")

    with open(os.path.join(run_dir, "config.json")) as f:
        if json.load(f) != {"lr": 0.001, "exp": {"name": "baseline", "folds": [0, 1, 2]}}:
            failures.append("config.json differs")
    with open(os.path.join(run_dir, "summary.json")) as f:
        summary = json.load(f)
    if summary.get("best/val_acc") != 0.9 or summary.get("_step") != steps - 1 or summary.get("count") != 199 * 1000003:
        failures.append(f"summary.json: {summary}")
    with open(os.path.join(run_dir, "metadata.json")) as f:
        meta = json.load(f)
    if meta.get("name") != "exp/fold0" or meta.get("exit_code") != 0 or meta.get("project") != "oracle":
        failures.append(f"metadata.json: {meta}")
    if os.path.dirname(run_dir) != os.path.realpath(tmp) and os.path.dirname(run_dir) != tmp:
        failures.append(f"run dir {run_dir} is not directly inside {tmp}")

    if failures:
        print("\n".join(failures[:40]))
        sys.exit(1)
    print("ok: pandas reads back every logged value from metrics.jsonl and metrics.csv")
