"""PyTorch baselines for bench/gpu/gpu_stats_bench (run on the same GPU, same tensor sets).

- grad norm alone: clip_grad_norm_'s foreach path, torch._foreach_norm + stack + norm;
- the full bundle: global + per-tensor grad norm, weight mean|w| / std / max|w|, fused EMA update
  and EMA diff (mean |d|, ||d||_2), with the fastest foreach ops (several passes over memory).
Usage: python3 torch_baseline.py   (needs torch with CUDA)
"""
import torch


def gpt2_small():
    d, v, ctx = 768, 50257, 1024
    n = [v * d, ctx * d]
    for _ in range(12):
        n += [d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d]
    return "gpt2-small (148 tensors)", n + [d, d]


def tiny():
    x, n = 12345, []
    for _ in range(10000):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        n.append(64 + (x >> 33) % 4000)
    return "10k tiny tensors", n


def timed(f, iters=20):
    for _ in range(3):
        f()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(iters):
        f()
    b.record()
    b.synchronize()
    return a.elapsed_time(b) / iters


def main():
    print("device:", torch.cuda.get_device_name())
    print("| tensor set | dtype | grad norm (foreach) ms | bundle (foreach) ms |")
    print("|---|---|---|---|")
    for name, numels in (gpt2_small(), tiny()):
        for dt in (torch.float32, torch.bfloat16):
            g = [torch.randn(k, device="cuda", dtype=dt) for k in numels]
            w = [torch.randn(k, device="cuda", dtype=dt) for k in numels]
            e = [x.clone() for x in w]
            decay = 0.999

            def grad_norm():
                return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(g, 2.0)), 2.0)

            def bundle():
                per = torch.stack(torch._foreach_norm(g, 2.0))
                gnorm = torch.linalg.vector_norm(per, 2.0)
                count = sum(numels)
                wabs = torch.stack(torch._foreach_norm(w, 1.0)).sum() / count
                wsq = torch.stack(torch._foreach_norm(w, 2.0)).pow(2).sum()
                wsum = torch.stack([x.sum(dtype=torch.float32) for x in w]).sum()
                wstd = (wsq / count - (wsum / count) ** 2).clamp_min(0).sqrt()
                wmax = torch.stack(torch._foreach_norm(w, float("inf"))).max()
                torch._foreach_lerp_(e, w, 1 - decay)
                diff = torch._foreach_sub(e, w)
                dabs = torch.stack(torch._foreach_norm(diff, 1.0)).sum() / count
                dl2 = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(diff, 2.0)), 2.0)
                return gnorm, wabs, wstd, wmax, dabs, dl2

            print(f"| {name} | {str(dt).replace('torch.', '')} | {timed(grad_norm):.3f} | {timed(bundle):.3f} |")
            del g, w, e
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
