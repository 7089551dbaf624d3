#!/usr/bin/env python3
"""Statistics merged over MPI (4 ranks on loopback) against numpy float64 over every rank's data.

usage: mpi_oracle.py <dist_mpi_stats> [mpirun]

Each rank of dist_mpi_stats writes its inputs (its batch, its batch losses, its shards of two
parameter tensors) and what vitals::dist merged. numpy recomputes everything from the inputs:
sharded statistics = those of the concatenated shards; replicated = those of one copy (not
sqrt(4) times the norm); data statistics = those of all ranks' batches together."""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

PROGRAM = sys.argv[1]
MPIRUN = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else shutil.which("mpirun")
WORLD = 4
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def close(got, want, rtol, what):
    ok = got is not None and abs(got - want) <= rtol * max(abs(want), 1e-300)
    check(ok, f"{what}: {got!r} vs numpy {want!r} (rtol {rtol:g})")


def param_stats(grads, weights, emas, bins, lo, hi):
    g = np.concatenate([x.astype(np.float64) for x in grads])
    w = np.concatenate([x.astype(np.float64) for x in weights])
    e = np.concatenate([x.astype(np.float64) for x in emas])
    d = e - w
    hist, _ = np.histogram(w, bins=bins, range=(lo, hi))
    return {
        "grad_norm": np.sqrt(np.sum(g * g)), "grad_absmax": np.max(np.abs(g)), "weight_mean": np.mean(np.abs(w)),
        "weight_std": np.std(w), "weight_min": np.min(w), "weight_max": np.max(np.abs(w)), "weight_count": w.size,
        "ema_diff": np.mean(np.abs(d)), "ema_diff_l2": np.sqrt(np.sum(d * d)),
        "ema_diff_rel": np.sqrt(np.sum(d * d)) / np.sqrt(np.sum(w * w)), "histogram": hist,
        "underflow": int(np.sum(w < lo)), "overflow": int(np.sum(w > hi)),
    }


def compare_params(got, want, tensor_norms, label):
    for k in ["grad_norm", "grad_absmax", "weight_mean", "weight_std", "weight_min", "weight_max", "ema_diff",
              "ema_diff_l2", "ema_diff_rel"]:
        # fp32 inputs, per-thread fp32 partials (DESIGN.md: within 1e-5 of float64).
        close(got[k], want[k], 1e-5, f"{label} {k}")
    check(got["weight_count"] == want["weight_count"], f"{label} weight count {got['weight_count']} == {want['weight_count']}")
    for t, n in enumerate(tensor_norms):
        close(got["tensor_grad_norms"][t], n, 1e-5, f"{label} grad norm of tensor {t}")
    h, wh = np.array(got["histogram"]), want["histogram"]
    # vitals bins in float32 arithmetic: a value on a bin edge may land one bin over.
    check(h.sum() + got["underflow"] + got["overflow"] == want["weight_count"] and np.abs(h - wh).max() <= 2,
          f"{label} histogram matches numpy's (max bin difference {np.abs(h - wh).max()})")


if not MPIRUN:
    print("skip: mpirun not found")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    out = pathlib.Path(tmp)
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(WORLD), "--mca", "btl", "self,tcp",
           "--mca", "btl_tcp_if_include", "lo", PROGRAM, str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        sys.exit(1)
    results = [json.loads((out / f"result_{r}.json").read_text()) for r in range(WORLD)]
    check(all(r == results[0] for r in results), "every rank holds the same merged results, bit for bit")
    res = results[0]

    # Data statistics over every rank's batch.
    data = np.concatenate([np.fromfile(out / f"data_{r}.f32", dtype=np.float32).astype(np.float64) for r in range(WORLD)])
    close(res["data_stats/normalized_mean"], data.mean(), 1e-12, "data mean")
    close(res["data_stats/normalized_std"], data.std(), 1e-9, "data std")
    close(res["data_stats/normalized_min"], data.min(), 0, "data min")
    close(res["data_stats/normalized_max"], data.max(), 0, "data max")
    per_channel = data.reshape(-1, 3)
    for c, name in enumerate("abc"):
        close(res[f"data_stats/{name}_mean"], per_channel[:, c].mean(), 1e-12, f"channel {name} mean")
        close(res[f"data_stats/{name}_std"], per_channel[:, c].std(), 1e-9, f"channel {name} std")

    # Batch losses of every rank; the replicated grad-norm series counted once.
    losses = np.concatenate([np.fromfile(out / f"losses_{r}.f64", dtype=np.float64) for r in range(WORLD)])
    check(res["batch_loss_count"] == losses.size, f"batch loss count {res['batch_loss_count']} == {losses.size}")
    close(res["train/batch_loss_mean"], losses.mean(), 1e-14, "batch loss mean")
    close(res["train/batch_loss_std"], losses.std(), 1e-12, "batch loss std")
    close(res["train/batch_loss_min"], losses.min(), 0, "batch loss min")
    close(res["train/batch_loss_max"], losses.max(), 0, "batch loss max")
    gn = 0.5 + 0.01 * np.arange(6)
    check(res["grad_norm_count"] == 6, "grad-norm series not merged (6 steps, not 24)")
    close(res["train/grad_norm_mean"], gn.mean(), 1e-14, "grad norm mean")
    close(res["accuracy"], sum(50 + r for r in range(WORLD)) / (64 * WORLD), 1e-15, "accuracy")

    def shards(kind, t):
        return [np.fromfile(out / f"{kind}_{r}_{t}.f32", dtype=np.float32) for r in range(WORLD)]

    grads = shards("grad", 0) + shards("grad", 1)
    weights = shards("weight", 0) + shards("weight", 1)
    emas = shards("ema", 0) + shards("ema", 1)
    whole = param_stats(grads, weights, emas, 40, -4.0, 4.0)
    norms = [np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in shards("grad", t))) for t in range(2)]
    compare_params(res["sharded"], whole, norms, "sharded")
    # Replicated: every rank holds the whole tensors (the concatenated shards): one copy's values.
    compare_params(res["replicated"], whole, norms, "replicated")
    merged_naively = np.sqrt(WORLD) * whole["grad_norm"]
    check(abs(res["replicated"]["grad_norm"] - merged_naively) > 0.5 * whole["grad_norm"],
          f"replicated grad norm is not sqrt({WORLD}) x ({res['replicated']['grad_norm']:.6g} vs {merged_naively:.6g})")
    check(res["ranks_that_caught_divergence"] == WORLD, f"every rank caught the diverged replica ({res['ranks_that_caught_divergence']})")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
