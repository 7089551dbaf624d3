"""PyTorch baselines for scripts/gpu_check.sh, on the same GPU and tensor sets as gpu_check_driver's
bench (GPT-2-small shapes, 148 tensors; 10,000 tiny tensors; fp32 and bf16). Writes JSON that
gpu_report.py merges into gpu_results.md.

Per set and dtype, milliseconds per call (CUDA events around `iters` back-to-back calls, after 3
warm-up calls; for many tensors the host's launch overhead is part of the time, as in training):
- foreach_norm_ms:   torch.linalg.vector_norm(torch.stack(torch._foreach_norm(g, 2)), 2), the
                     foreach fast path of clip_grad_norm_;
- total_norm_ms:     torch.nn.utils.get_total_norm(g, foreach=True) where it exists (torch >= 2.6);
- clip_ms:           torch.nn.utils.clip_grad_norm_(params, max_norm=1e30, foreach=True): the norm
                     plus the scaling pass every call of it does;
- bundle_ms:         the statistics vitals' bundle computes (global + per-tensor grad norm, mean|w|,
                     std, max|w|, fused EMA update, mean|e-w|, ||e-w||), with the fastest foreach ops
                     (two variants of the signed sum; the faster is reported);
- memcpy_ms:         a device-to-device copy of the weights' bytes (a cross-check of the driver's);
- *_kernels:         CUDA kernels one call launches (torch.profiler), where the profiler works.

  python3 gpu_torch_bench.py --json FILE [--iters N] [--dry-run]
--dry-run does not import torch: it writes the same rows (sizes only) with "skipped": "dry run", so
the check script's merge step is exercised on a machine without a GPU.
"""
import argparse
import json
import sys
import time


def gpt2_small():
    d, v, ctx = 768, 50257, 1024
    n = [v * d, ctx * d]
    for _ in range(12):
        n += [d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d]
    return "gpt2-small", n + [d, d]


def tiny():
    x, n = 12345, []
    for _ in range(10000):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        n.append(64 + (x >> 33) % 4000)
    return "tiny-10k", n


SETS = (gpt2_small, tiny)
DTYPES = ("f32", "bf16")


def timed(torch, f, iters):
    for _ in range(3):
        f()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(iters):
        f()
    b.record()
    b.synchronize()
    return a.elapsed_time(b) / iters


def kernels_per_call(torch, f):
    """CUDA kernels one call of f launches, from torch.profiler; None where it does not work."""
    try:
        from torch.profiler import ProfilerActivity, profile

        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            f()
            torch.cuda.synchronize()
        n = 0
        for e in prof.events():
            dt = str(getattr(e, "device_type", ""))
            name = e.name.lower()
            if "cuda" in dt.lower() and "memcpy" not in name and "memset" not in name:
                n += 1
        return n if n > 0 else None
    except Exception as ex:  # noqa: BLE001 - the profiler is optional
        print(f"  (profiler unavailable: {ex.__class__.__name__}: {ex})", file=sys.stderr)
        return None


def run_set(torch, name, numels, dt_name, iters):
    dt = {"f32": torch.float32, "bf16": torch.bfloat16}[dt_name]
    gen = torch.Generator(device="cuda").manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(k, device="cuda", dtype=dt, generator=gen) * 0.1) for k in numels]
    for p in params:
        p.grad = torch.randn(p.shape, device="cuda", dtype=dt, generator=gen) * 0.01
    g = [p.grad for p in params]
    w = [p.detach() for p in params]
    e = [x.clone() for x in w]
    count = sum(numels)
    decay = 0.999

    def foreach_norm():
        return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(g, 2.0)), 2.0)

    get_total_norm = getattr(torch.nn.utils, "get_total_norm", None)

    def total_norm():
        return get_total_norm(g, 2.0, foreach=True)

    def clip():
        return torch.nn.utils.clip_grad_norm_(params, max_norm=1e30, foreach=True)

    def bundle(signed_sum):
        def f():
            per = torch.stack(torch._foreach_norm(g, 2.0))
            gnorm = torch.linalg.vector_norm(per, 2.0)
            wabs = torch.stack(torch._foreach_norm(w, 1.0)).float().sum() / count
            wsq = torch.stack(torch._foreach_norm(w, 2.0)).float().pow(2).sum()
            wsum = signed_sum()
            wstd = (wsq / count - (wsum / count) ** 2).clamp_min(0).sqrt()
            wmax = torch.stack(torch._foreach_norm(w, float("inf"))).max()
            torch._foreach_lerp_(e, w, 1 - decay)
            diff = torch._foreach_sub(e, w)
            dabs = torch.stack(torch._foreach_norm(diff, 1.0)).float().sum() / count
            dl2 = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(diff, 2.0)).float(), 2.0)
            return gnorm, wabs, wstd, wmax, dabs, dl2

        return f

    def sum_loop():
        return torch.stack([x.sum(dtype=torch.float32) for x in w]).sum()

    def sum_cat():
        return torch.cat([x.reshape(-1) for x in w]).sum(dtype=torch.float32)

    flat = torch.empty(count, device="cuda", dtype=dt)
    dst = torch.empty_like(flat)

    row = {"set": name, "dtype": dt_name, "tensors": len(numels), "params": count}
    row["memcpy_ms"] = timed(torch, lambda: dst.copy_(flat), iters)
    row["memcpy_bytes"] = count * flat.element_size()
    row["foreach_norm_ms"] = timed(torch, foreach_norm, iters)
    row["total_norm_ms"] = timed(torch, total_norm, iters) if get_total_norm else None
    row["clip_ms"] = timed(torch, clip, iters)
    loop_ms = timed(torch, bundle(sum_loop), iters)
    cat_ms = timed(torch, bundle(sum_cat), iters)
    row["bundle_ms"] = min(loop_ms, cat_ms)
    row["bundle_variant"] = "per-tensor sum" if loop_ms <= cat_ms else "cat + sum"
    row["foreach_norm_kernels"] = kernels_per_call(torch, foreach_norm)
    row["clip_kernels"] = kernels_per_call(torch, clip)
    row["bundle_kernels"] = kernels_per_call(torch, bundle(sum_loop if loop_ms <= cat_ms else sum_cat))
    # The grad norm itself, as a cross-check of the tensors (not compared with vitals' values,
    # which the driver takes on other data).
    row["grad_norm"] = float(foreach_norm())
    del params, g, w, e, flat, dst
    torch.cuda.empty_cache()
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    out = {"rows": []}
    if a.dry_run:
        out.update(mode="dry-run", skipped="dry run: torch not imported")
        for s in SETS:
            name, numels = s()
            for dt in DTYPES:
                out["rows"].append({"set": name, "dtype": dt, "tensors": len(numels), "params": sum(numels)})
        print(f"gpu_torch_bench: dry run, {len(out['rows'])} rows (sizes only)")
    else:
        t0 = time.time()
        import torch

        if not torch.cuda.is_available():
            print("gpu_torch_bench: torch.cuda.is_available() is False", file=sys.stderr)
            return 3
        out.update(mode="gpu", torch=torch.__version__, torch_cuda=torch.version.cuda,
                   device=torch.cuda.get_device_name(), import_s=round(time.time() - t0, 2))
        print(f"gpu_torch_bench: torch {torch.__version__} (CUDA {torch.version.cuda}) on {out['device']}")
        print("| set | dtype | memcpy ms | _foreach_norm ms | get_total_norm ms | clip_grad_norm_ ms | bundle ms | kernels (norm/clip/bundle) |")
        print("|---|---|---|---|---|---|---|---|")
        for s in SETS:
            name, numels = s()
            for dt in DTYPES:
                r = run_set(torch, name, numels, dt, a.iters)
                out["rows"].append(r)
                tn = "-" if r["total_norm_ms"] is None else f"{r['total_norm_ms']:.3f}"
                print(f"| {name} | {dt} | {r['memcpy_ms']:.3f} | {r['foreach_norm_ms']:.3f} | {tn} | {r['clip_ms']:.3f} | "
                      f"{r['bundle_ms']:.3f} ({r['bundle_variant']}) | {r['foreach_norm_kernels']}/{r['clip_kernels']}/{r['bundle_kernels']} |",
                      flush=True)
                with open(a.json, "w") as f:  # partial results survive a timeout
                    json.dump(out, f, indent=1)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
