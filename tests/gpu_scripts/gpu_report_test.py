"""gpu_report.py on a synthetic GPU run: the goal arithmetic (bandwidth fraction, speed-ups against
PyTorch's JSON, launches), the merge of the PyTorch rows and the step table, without a GPU.

Usage: gpu_report_test.py <path to scripts/gpu_report.py>
"""
import json
import os
import subprocess
import sys
import tempfile

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)


def row(set_, dt, params, memcpy_gbs, bundle_ms, bundle_gbs, grad_ms, grad_gbs, launches=2):
    return {"set": set_, "dtype": dt, "tensors": 148 if set_ == "gpt2-small" else 10000, "params": params,
            "memcpy_bytes": params * 4, "memcpy_ms": 0.3, "memcpy_gbs": memcpy_gbs, "bundle_bytes": params * 16,
            "bundle_ms": bundle_ms, "bundle_gbs": bundle_gbs, "bundle_graph_ms": bundle_ms * 0.98,
            "grad_bytes": params * 4, "grad_ms": grad_ms, "grad_gbs": grad_gbs, "launches_bundle": launches,
            "launches_grad": 2}


def main():
    report = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "logs"))
        with open(os.path.join(d, "steps.tsv"), "w") as f:
            f.write("step\tstatus\tseconds\tnote\n")
            f.write("gpu_tests\tpass\t3\tall GPU checks passed\n")
            f.write("sanitizer_racecheck\tunsupported\t2\tDevice not supported\n")
            f.write("sanitizer_memcheck\tfail\t9\texit 86: ERROR SUMMARY: 1 error | detail\n")
        with open(os.path.join(d, "logs", "gpu_tests.log"), "w") as f:
            f.write("device: NVIDIA H200\ngraph: 4 nodes, 2 kernel nodes for 7 tensors\nall GPU checks passed\n")
        with open(os.path.join(d, "logs", "gpu_stats_bench.log"), "w") as f:
            f.write("device: NVIDIA H200\n\n| tensor set | dtype |\n|---|---|\n| gpt2 | f32 |\n")
        json.dump({"mode": "gpu", "name": "NVIDIA H200", "cc": "9.0", "sms": 132, "mem_gib": 139.8, "driver": "580.65",
                   "driver_api": "13.0", "runtime": "13.0", "sm_clock_mhz": 1980, "sm_clock_max_mhz": 1980,
                   "mem_clock_mhz": 3201, "peak_dram_gbs": 4915}, open(os.path.join(d, "info.json"), "w"))
        g = 124_439_808
        t = 20_340_000
        json.dump({"mode": "gpu", "iters": 20, "rows": [
            row("gpt2-small", "f32", g, 4000.0, 0.55, 3620.0, 0.14, 3555.0),      # 90.5% / 88.9%
            row("gpt2-small", "bf16", g, 4000.0, 0.28, 3700.0, 0.07, 3700.0),
            row("tiny-10k", "f32", t, 3000.0, 0.05, 3254.0, 0.02, 4068.0, launches=3),
            row("tiny-10k", "bf16", t, 3000.0, 0.04, 2034.0, 0.015, 2712.0),
        ]}, open(os.path.join(d, "bench.json"), "w"))
        json.dump({"mode": "gpu", "torch": "2.11.0", "torch_cuda": "13.0", "device": "NVIDIA H200", "rows": [
            {"set": "gpt2-small", "dtype": "f32", "params": g, "bundle_ms": 2.2, "foreach_norm_ms": 0.3, "clip_ms": 0.5,
             "total_norm_ms": 0.3, "bundle_kernels": 40, "clip_kernels": 6},
            {"set": "gpt2-small", "dtype": "bf16", "params": g, "bundle_ms": 0.7, "foreach_norm_ms": 0.2, "clip_ms": 0.3},
            {"set": "tiny-10k", "dtype": "f32", "params": t, "bundle_ms": 60.0, "foreach_norm_ms": 1.0, "clip_ms": 2.5},
            {"set": "tiny-10k", "dtype": "bf16", "params": t + 1, "bundle_ms": 60.0, "foreach_norm_ms": 1.0, "clip_ms": 2.5},
        ]}, open(os.path.join(d, "torch.json"), "w"))
        p = subprocess.run([sys.executable, report, "--out", d, "--seconds", "123"], capture_output=True, text=True)
        check(p.returncode == 0, f"gpu_report.py exit {p.returncode}: {p.stderr}")
        md = open(os.path.join(d, "gpu_results.md")).read()
        res = json.load(open(os.path.join(d, "results.json")))
        summary = open(os.path.join(d, "summary.txt")).read()
        goals = {x["goal"]: x for x in res["goals"]}

        def goal(prefix):
            hits = [v for k, v in goals.items() if k.startswith(prefix)]
            check(len(hits) == 1, f"one goal starting {prefix!r}, got {len(hits)}")
            return hits[0] if hits else {}

        bw = goal("bundle bandwidth")
        check(bw.get("met") is True and abs(bw.get("worst", 0) - 0.905) < 1e-9, f"bundle bandwidth goal: {bw}")
        gbw = goal("grad-norm bandwidth")
        check(gbw.get("met") is False and abs(gbw.get("worst", 0) - 3555 / 4000) < 1e-9, f"grad bandwidth goal: {gbw}")
        x = goal("bundle speed-up vs PyTorch foreach bundle (GPT-2")
        check(x.get("met") is False and abs(x.get("worst", 0) - 0.7 / 0.28) < 1e-9, f"gpt2 speed-up goal: {x}")
        clip = goal("grad-norm speed-up vs clip_grad_norm_")
        # bf16 tiny row has a different size in torch.json: it must not be compared
        check(clip.get("measured") == "125.00" and clip.get("met") is True, f"tiny clip goal: {clip}")
        launches = goal("kernel launches")
        check(launches.get("met") is False and launches.get("worst") == 3.0, f"launch goal: {launches}")
        check("NVIDIA H200 (sm_90, 132 SMs" in md, "device line")
        check("| sanitizer_racecheck | **unsupported** |" in md, "unsupported step shown")
        check("ERROR SUMMARY: 1 error / detail" in md, "pipes in notes escaped")
        check("2 kernel nodes for 7 tensors" in md, "graph line")
        check("## bench/gpu/gpu_stats_bench (same run)" in md and "| gpt2 | f32 |" in md, "gpu_stats_bench table")
        check("FAILED: sanitizer_memcheck" in summary, "summary names the failed step")
        check("(4.0×)" in md, "speed-up column (2.2 / 0.55 = 4.0)")
    if FAILS:
        print("\n".join(FAILS))
        return 1
    print("gpu_report.py: GPU-mode report ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
