"""Merges what scripts/gpu_check.sh wrote into one results file (standard library only).

Reads <out>/steps.tsv, info.json, bench.json (gpu_check_driver bench), torch.json
(gpu_torch_bench.py), logs/gpu_stats_bench.log, logs/gpu_tests.log, logs/ncu.log, BUILD_INFO.txt;
writes <out>/gpu_results.md (the format of bench/results/cuda.md), <out>/results.json and
<out>/summary.txt.

  python3 gpu_report.py --out DIR [--seconds N] [--dry-run]
"""
import argparse
import json
import os
import re
import sys
import time

GOAL_BW = 0.90        # of device-to-device memcpy bandwidth (GPT-2-small rows)
GOAL_GPT2 = 3.0       # x PyTorch's foreach bundle on GPT-2 small
GOAL_TINY = 10.0      # x PyTorch on 10k tiny tensors
GOAL_LAUNCHES = 2     # kernel launches per call


def load_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def fmt(x, spec=".3f", none="—"):
    return none if x is None else format(x, spec)


def gbs(x):
    return "—" if x is None else (f"{x:.0f}" if x >= 100 else f"{x:.2f}")


def ratio(a, b):
    return a / b if a and b else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    out = a.out
    steps = []
    for line in read(os.path.join(out, "steps.tsv")).splitlines()[1:]:
        parts = line.split("\t") + ["", "", "", ""]
        steps.append({"step": parts[0], "status": parts[1], "seconds": parts[2], "note": parts[3]})
    info = load_json(os.path.join(out, "info.json"), {})
    bench = load_json(os.path.join(out, "bench.json"), {"rows": []})
    torch = load_json(os.path.join(out, "torch.json"), {"rows": []})
    tmap = {(r["set"], r["dtype"]): r for r in torch.get("rows", [])}
    gpu = bench.get("mode") == "gpu"

    rows = []
    for r in bench.get("rows", []):
        t = tmap.get((r["set"], r["dtype"]), {})
        m = dict(r)
        m["frac_bundle"] = ratio(r.get("bundle_gbs"), r.get("memcpy_gbs"))
        m["frac_grad"] = ratio(r.get("grad_gbs"), r.get("memcpy_gbs"))
        m["torch_bundle_ms"] = t.get("bundle_ms")
        m["torch_foreach_norm_ms"] = t.get("foreach_norm_ms")
        m["torch_clip_ms"] = t.get("clip_ms")
        m["torch_total_norm_ms"] = t.get("total_norm_ms")
        m["torch_bundle_kernels"] = t.get("bundle_kernels")
        m["torch_clip_kernels"] = t.get("clip_kernels")
        same = t.get("params") == r.get("params")
        m["same_sizes"] = same
        m["x_bundle"] = ratio(t.get("bundle_ms"), r.get("bundle_ms")) if same and gpu else None
        m["x_foreach_norm"] = ratio(t.get("foreach_norm_ms"), r.get("grad_ms")) if same and gpu else None
        m["x_clip"] = ratio(t.get("clip_ms"), r.get("grad_ms")) if same and gpu else None
        rows.append(m)

    def rows_of(key):
        return [m for m in rows if m["set"] == key]

    goals = []

    def goal(name, target, values, kind, threshold):
        """kind "min": every value >= threshold; "max": every value <= threshold."""
        vals = [v for v in values if v is not None]
        if not vals:
            goals.append({"goal": name, "target": target, "measured": "not measured", "met": None})
            return
        met = all(v >= threshold for v in vals) if kind == "min" else all(v <= threshold for v in vals)
        goals.append({"goal": name, "target": target, "measured": ", ".join(f"{v:.2f}" for v in vals),
                      "worst": min(vals) if kind == "min" else max(vals), "met": met})

    goal("bundle bandwidth / memcpy bandwidth (GPT-2 small, f32 & bf16)", f"≥ {GOAL_BW:.0%}",
         [m["frac_bundle"] if gpu else None for m in rows_of("gpt2-small")], "min", GOAL_BW)
    goal("grad-norm bandwidth / memcpy bandwidth (GPT-2 small)", f"≥ {GOAL_BW:.0%}",
         [m["frac_grad"] if gpu else None for m in rows_of("gpt2-small")], "min", GOAL_BW)
    goal("bundle speed-up vs PyTorch foreach bundle (GPT-2 small)", f"≥ {GOAL_GPT2:.0f}×",
         [m["x_bundle"] for m in rows_of("gpt2-small")], "min", GOAL_GPT2)
    goal("grad-norm speed-up vs clip_grad_norm_(foreach=True) (10k tiny)", f"≥ {GOAL_TINY:.0f}×",
         [m["x_clip"] for m in rows_of("tiny-10k")], "min", GOAL_TINY)
    goal("bundle speed-up vs PyTorch foreach bundle (10k tiny)", f"≥ {GOAL_TINY:.0f}×",
         [m["x_bundle"] for m in rows_of("tiny-10k")], "min", GOAL_TINY)
    goal("kernel launches per call (every set, bundle and grad norm)", f"≤ {GOAL_LAUNCHES}",
         [float(m[k]) if gpu else None for m in rows for k in ("launches_bundle", "launches_grad")], "max", GOAL_LAUNCHES)

    # Device line.
    if info.get("mode") == "gpu":
        dev = (f"{info.get('name')} (sm_{info.get('cc', '?').replace('.', '')}, {info.get('sms')} SMs, "
               f"{info.get('mem_gib', 0):.0f} GiB; theoretical DRAM {info.get('peak_dram_gbs', 0):.0f} GB/s), "
               f"driver {info.get('driver', '?')} (CUDA {info.get('driver_api', '?')}), runtime {info.get('runtime', '?')}, "
               f"SM clock now {info.get('sm_clock_mhz', '?')} MHz (max {info.get('sm_clock_max_mhz', '?')} MHz), "
               f"memory clock {info.get('mem_clock_mhz', '?')} MHz")
    elif a.dry_run:
        dev = "no GPU: dry run with the CPU reference (gpu_check_driver --cpu); sizes scaled down"
    else:
        dev = "no GPU device information (the info step failed: see logs/info.log and steps below)"
    build = read(os.path.join(out, "BUILD_INFO.txt")).strip()
    commit = re.search(r"^commit: (.*)$", build, re.M)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    L = []
    L.append("# Fused CUDA statistics — GPU check results")
    L.append("")
    L.append(f"{'**DRY RUN** (no GPU; every step walked with the CPU reference, GPU-only steps skipped). ' if a.dry_run else ''}"
             f"{when}, `scripts/gpu_check.sh` in {a.seconds} s; commit {commit.group(1) if commit else 'unknown'}.")
    L.append("")
    L.append(f"Device: {dev}.")
    L.append("")
    L.append("## GPU (tests/gpu_scripts/gpu_check_driver.cpp `bench`, scripts/gpu_torch_bench.py, same run)")
    L.append("Per call; bandwidth = bytes read + written / time; memcpy = device-to-device copy of the weights' "
             "bytes (2 × bytes / time); bundle = global + per-tensor grad norm, weight mean|w|/std/max, fused EMA "
             "update, EMA diff; launches = kernel nodes of one captured call (bundle/grad norm); ×: PyTorch time / "
             "vitals time.")
    L.append("")
    L.append("| tensor set | dtype | params | memcpy GB/s | bundle ms | bundle GB/s (of memcpy) | bundle as graph ms | "
             "grad-norm ms | grad-norm GB/s (of memcpy) | launches | torch foreach bundle ms (×) | torch _foreach_norm ms (×) | "
             "torch clip_grad_norm_ ms (×) | torch kernels bundle/clip |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for m in rows:
        pct = lambda f: "" if f is None else f" ({f:.0%})"  # noqa: E731
        xs = lambda v, x: "—" if v is None else (f"{v:.3f}" + ("" if x is None else f" ({x:.1f}×)"))  # noqa: E731
        L.append(f"| {m['set']} ({m['tensors']} tensors) | {m['dtype']} | {m['params'] / 1e6:.1f} M | {gbs(m['memcpy_gbs'])} | "
                 f"{m['bundle_ms']:.3f} | {gbs(m['bundle_gbs'])}{pct(m['frac_bundle'])} | "
                 f"{fmt(m['bundle_graph_ms'] if m.get('bundle_graph_ms', -1) >= 0 else None)} | {m['grad_ms']:.3f} | "
                 f"{gbs(m['grad_gbs'])}{pct(m['frac_grad'])} | {m['launches_bundle']}/{m['launches_grad']} | "
                 f"{xs(m['torch_bundle_ms'], m['x_bundle'])} | {xs(m['torch_foreach_norm_ms'], m['x_foreach_norm'])} | "
                 f"{xs(m['torch_clip_ms'], m['x_clip'])} | {m['torch_bundle_kernels'] or '—'}/{m['torch_clip_kernels'] or '—'} |")
    if not rows:
        L.append("| (no benchmark rows: see logs/bench.log) |||||||||||||| ")
    if torch.get("mode") == "gpu":
        L.append("")
        L.append(f"PyTorch {torch.get('torch')} (CUDA {torch.get('torch_cuda')}) on {torch.get('device')}; the bundle uses "
                 "the faster of two signed-sum variants per row (see torch.json).")
    elif torch.get("skipped"):
        L.append("")
        L.append(f"PyTorch: {torch['skipped']}.")
    L.append("")
    L.append("## Goals")
    L.append("| goal | target | measured | met |")
    L.append("|---|---|---|---|")
    for g in goals:
        met = "—" if g["met"] is None else ("yes" if g["met"] else "**no**")
        L.append(f"| {g['goal']} | {g['target']} | {g['measured']} | {met} |")
    L.append("")
    L.append("## Steps (correctness, sanitizers, tools)")
    L.append("| step | status | s | note |")
    L.append("|---|---|---|---|")
    for s in steps:
        note = s["note"].replace("|", "/")
        status = s["status"] if s["status"] in ("pass", "skip") else f"**{s['status']}**"
        L.append(f"| {s['step']} | {status} | {s['seconds']} | {note} |")
    graph = re.search(r"^graph: .*$", read(os.path.join(out, "logs", "gpu_tests.log")), re.M)
    if graph:
        L.append("")
        L.append(f"CUDA graph (gpu_param_stats_test): {graph.group(0)[7:]}.")
    ncu = read(os.path.join(out, "logs", "ncu.log"))
    metric_lines = [ln.strip() for ln in ncu.splitlines()
                    if re.search(r"param_stats|gpu__time|dram__|launch__|sm__warps", ln)][:24]
    if metric_lines:
        L.append("")
        L.append("### ncu (first two calls of the GPT-2-small f32 bundle)")
        L.append("```")
        L.extend(metric_lines)
        L.append("```")
    gsb = read(os.path.join(out, "logs", "gpu_stats_bench.log"))
    table = [ln for ln in gsb.splitlines() if ln.startswith("|") or ln.startswith("device:")]
    if table:
        L.append("")
        L.append("## bench/gpu/gpu_stats_bench (same run)")
        L.extend(table)
    if build:
        L.append("")
        L.append("## Build")
        L.append("```")
        L.append(build)
        L.append("```")
    with open(os.path.join(out, "gpu_results.md"), "w") as f:
        f.write("\n".join(L) + "\n")

    counts = {}
    for s in steps:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    S = [f"GPU check ({'dry run, CPU reference' if a.dry_run else 'GPU'}): {dev}",
         "steps: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))]
    bad = [s["step"] for s in steps if s["status"] in ("fail", "timeout")]
    if bad:
        S.append("FAILED: " + ", ".join(bad))
    for g in goals:
        met = "n/a" if g["met"] is None else ("met" if g["met"] else "NOT met")
        S.append(f"goal {g['target']:>6} {g['goal']}: {g['measured']} -> {met}")
    S.append(f"results: {os.path.join(out, 'gpu_results.md')}")
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(S) + "\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"dry_run": a.dry_run, "info": info, "rows": rows, "goals": goals, "steps": steps,
                   "torch": {k: v for k, v in torch.items() if k != "rows"}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
