"""numpy float64 oracle for the CPU reference of the fused parameter statistics.

Writes random tensors (fp32, fp16, bf16; odd sizes, an empty one, misaligned buffers, NaN/Inf,
|mean| >> std) into a temp dir, runs param_stats_cli on them, and checks every statistic against
numpy in float64, the fused EMA update bit for bit against numpy's float32 math + rounding, and the
histogram against the same binning done in float32.
Usage: param_stats_oracle.py <path to param_stats_cli>
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)


def close(got, want, rtol, what):
    ok = abs(got - want) <= rtol * max(abs(want), 1e-300) or (want == 0 and abs(got) < 1e-30)
    check(ok, f"{what}: got {got!r}, want {want!r} (rtol {rtol})")


def f32_to_bf16_bits(x):
    """Round-to-nearest-even float32 -> bf16 bits (NaN kept quiet)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    r[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return r


def bf16_bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def encode(x32, dtype):
    """float32 values -> (raw bits array, decoded float32 values)."""
    if dtype == "f32":
        return x32.astype(np.float32), x32.astype(np.float32)
    if dtype == "f16":
        h = x32.astype(np.float16)
        return h, h.astype(np.float32)
    b = f32_to_bf16_bits(x32)
    return b, bf16_bits_to_f32(b)


def main():
    cli = sys.argv[1]
    rng = np.random.default_rng(1234)
    decay = np.float32(0.95)
    lo, hi, bins = np.float32(-2.5), np.float32(2.5), 16
    specs = [  # name, numel, dtype, misalign bytes, has_grad, has_ema, weight scale, weight offset
        ("a", 1000, "f32", 0, 1, 1, 1.0, 0.0),
        ("b", 16384 * 3 + 5, "f32", 4, 1, 1, 0.02, 5.0),
        ("empty", 0, "f32", 0, 1, 1, 1.0, 0.0),
        ("c", 4099, "bf16", 2, 1, 1, 0.5, 0.0),
        ("d", 777, "f16", 6, 1, 1, 0.3, 0.1),
        ("e", 9, "f32", 12, 0, 0, 1.0, 0.0),
        ("f", 20000, "bf16", 0, 1, 0, 2.0, -0.5),
    ]
    with tempfile.TemporaryDirectory() as d:
        meta = [f"decay {float(decay)!r}", f"hist {float(lo)!r} {float(hi)!r} {bins}"]
        data = {}
        for name, n, dt, mis, hg, he, scale, off in specs:
            g32 = (rng.standard_normal(n) * 1e-2).astype(np.float32)
            w32 = (rng.standard_normal(n) * scale + off).astype(np.float32)
            e32 = (w32 + rng.standard_normal(n).astype(np.float32) * np.float32(1e-2)).astype(np.float32)
            if name == "a":
                g32[7] = np.nan
                w32[11] = np.inf
                g32[12] = -np.inf
            g_bits, g = encode(g32, dt)
            w_bits, w = encode(w32, dt)
            e_bits, e = encode(e32, dt)
            for suffix, arr, present in (("g", g_bits, hg), ("w", w_bits, True), ("e", e_bits, he)):
                if present:
                    arr.tofile(os.path.join(d, f"{name}.{suffix}.bin"))
            meta.append(f"tensor {name} {n} {dt} {mis} {hg} {he}")
            data[name] = (dt, g if hg else None, w, e if he else None)
        with open(os.path.join(d, "meta.txt"), "w") as f:
            f.write("\n".join(meta) + "\n")
        out = subprocess.run([cli, d], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stdout, out.stderr)
            sys.exit(1)
        got = {}
        for line in out.stdout.splitlines():
            k, v = line.split()
            got[k] = float(v)

        tot = {"g": [], "w": [], "dd": [], "dw": []}
        hist_slots = np.zeros(bins + 2, dtype=np.int64)
        for name, (dt, g, w, e) in data.items():
            pre = f"tensor.{name}"
            wf = w[np.isfinite(w)].astype(np.float64)
            if g is not None:
                gf = g[np.isfinite(g)].astype(np.float64)
                close(got[f"{pre}.grad.sum_sq"], float(np.sum(gf * gf)), 1e-6, f"{pre} grad sum_sq")
                check(got[f"{pre}.grad.count"] == gf.size, f"{pre} grad count")
                check(got[f"{pre}.grad.nonfinite"] == g.size - gf.size, f"{pre} grad nonfinite")
                if gf.size:
                    close(got[f"{pre}.grad.absmax"], float(np.max(np.abs(gf))), 0, f"{pre} grad absmax")
                tot["g"].append(gf)
            check(got[f"{pre}.weight.count"] == wf.size, f"{pre} weight count")
            if wf.size:
                close(got[f"{pre}.weight.mean"], float(np.mean(wf)), 1e-6, f"{pre} weight mean")
                close(got[f"{pre}.weight.var"], float(np.var(wf)), 1e-5, f"{pre} weight var")
                close(got[f"{pre}.weight.sum_abs"], float(np.sum(np.abs(wf))), 1e-6, f"{pre} weight sum_abs")
                close(got[f"{pre}.weight.min"], float(np.min(wf)), 0, f"{pre} weight min")
                close(got[f"{pre}.weight.max"], float(np.max(wf)), 0, f"{pre} weight max")
                close(got[f"{pre}.weight.absmax"], float(np.max(np.abs(wf))), 0, f"{pre} weight absmax")
            tot["w"].append(wf)
            # Histogram: the kernel's binning, in float32.
            wfin = w[np.isfinite(w)].astype(np.float32)
            inv = np.float32(bins) / (hi - lo)
            under = wfin < lo
            over = wfin > hi
            mid = wfin[~under & ~over]
            b = np.clip(((mid - lo) * inv).astype(np.float32).astype(np.int64), 0, bins - 1)
            hist_slots[0] += under.sum()
            hist_slots[-1] += over.sum()
            hist_slots[1:-1] += np.bincount(b, minlength=bins)
            if e is not None:
                # The fused update in float32 (as the C++ does), rounded to the dtype, bit for bit.
                en32 = (decay * e + (np.float32(1) - decay) * w).astype(np.float32)
                want_bits, en = encode(en32, dt)
                got_bits = np.fromfile(os.path.join(d, f"{name}.e_out.bin"), dtype=want_bits.dtype)
                fin = np.isfinite(en32)
                check(np.array_equal(got_bits[fin].view(np.uint8), want_bits[fin].view(np.uint8)),
                      f"{pre} ema update bits ({int(np.sum(got_bits[fin] != want_bits[fin]))} differ)")
                with np.errstate(invalid="ignore"):
                    dd = en.astype(np.float64) - w.astype(np.float64)
                ok = np.isfinite(dd)
                close(got[f"{pre}.diff.sum_sq"], float(np.sum(dd[ok] ** 2)), 1e-5, f"{pre} diff sum_sq")
                close(got[f"{pre}.diff.sum_abs"], float(np.sum(np.abs(dd[ok]))), 1e-5, f"{pre} diff sum_abs")
                check(got[f"{pre}.diff.count"] == ok.sum(), f"{pre} diff count")
                tot["dd"].append(dd[ok])
                tot["dw"].append(w.astype(np.float64)[ok])
            else:
                check(got[f"{pre}.diff.count"] == 0, f"{pre} no ema: no diff")

        g = np.concatenate(tot["g"])
        w = np.concatenate(tot["w"])
        dd = np.concatenate(tot["dd"])
        dw = np.concatenate(tot["dw"])
        close(got["grad_norm"], float(np.linalg.norm(g)), 1e-6, "grad_norm")
        close(got["weight_mean"], float(np.mean(np.abs(w))), 1e-6, "weight_mean (mean |w|)")
        close(got["weight_std"], float(np.std(w)), 1e-6, "weight_std")
        close(got["weight_max"], float(np.max(np.abs(w))), 0, "weight_max (max |w|)")
        close(got["ema_diff"], float(np.mean(np.abs(dd))), 1e-5, "ema_diff")
        close(got["ema_diff_l2"], float(np.linalg.norm(dd)), 1e-5, "ema_diff_l2")
        close(got["ema_diff_rel"], float(np.linalg.norm(dd) / np.linalg.norm(dw)), 1e-5, "ema_diff_rel")
        check(got["hist.underflow"] == hist_slots[0], f"hist underflow {got['hist.underflow']} vs {hist_slots[0]}")
        check(got["hist.overflow"] == hist_slots[-1], f"hist overflow {got['hist.overflow']} vs {hist_slots[-1]}")
        for k in range(bins):
            check(got[f"hist.{k}"] == hist_slots[k + 1], f"hist bin {k}: {got[f'hist.{k}']} vs {hist_slots[k + 1]}")
        check(sum(got[f"hist.{k}"] for k in range(bins)) + got["hist.underflow"] + got["hist.overflow"] == w.size,
              "histogram counts every finite weight once")
    if FAILS:
        print("FAILED:")
        for f in FAILS:
            print("  " + f)
        sys.exit(1)
    print("param_stats oracle: all checks passed")


if __name__ == "__main__":
    main()
