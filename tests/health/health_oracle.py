"""numpy float64 oracle for vitals' health statistics (accumulators, array stats, epoch aggregates).

Runs the C++ driver (stats_driver) on generated binary files and compares every statistic with
numpy in float64: random data with NaN/Inf, empty and 1-element inputs, block-boundary lengths,
|mean| >> std, fp16/bf16 inputs, and a 10^7-element array.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

BUILD = os.environ.get("VITALS_BUILD_DIR", ".")
DRIVER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(BUILD, "tests", "health", "health_stats_driver")
failures = []


def run(*args):
    out = subprocess.run([DRIVER, *map(str, args)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def close(name, got, want, rel, scale=None):
    if isinstance(want, float) and math.isnan(want):
        ok = isinstance(got, float) and math.isnan(got)
    elif isinstance(want, float) and math.isinf(want):
        ok = got == want
    else:
        s = max(abs(want), scale or 0.0, 1e-300)
        ok = abs(got - want) <= rel * s
    if not ok:
        failures.append(f"{name}: got {got!r}, numpy says {want!r} (rel tol {rel})")


def oracle(x64):
    f = x64[np.isfinite(x64)]
    n = f.size
    if n == 0:
        return dict(count=0, nonfinite=int(x64.size), mean=0.0, var=0.0, min=math.inf, max=-math.inf,
                    absmax=0.0, sum_sq=0.0, sum_abs=0.0)
    return dict(count=n, nonfinite=int(x64.size - n), mean=float(f.mean()), var=float(f.var()) if n > 1 else 0.0,
                min=float(f.min()), max=float(f.max()), absmax=float(np.abs(f).max()),
                sum_sq=float(np.sum(f * f)), sum_abs=float(np.sum(np.abs(f))))


def check_stats(label, raw_bytes, dtype_name, values64, parts=7, welford_var_rel=1e-9):
    """welford_var_rel: the element-by-element add() path (Welford) loses about
    log10(|mean| / std) - 9 digits of the variance when |mean| >> std; the blocked fast path is
    two-pass per block and always held to 1e-9."""
    with tempfile.NamedTemporaryFile(delete=False) as fh:
        fh.write(raw_bytes)
        path = fh.name
    try:
        got = run("stats", path, dtype_name, parts)
    finally:
        os.unlink(path)
    want = oracle(values64)
    sd = math.sqrt(want["var"])
    for variant in ("fast", "one_pass", "merged"):
        g = got[variant]
        tag = f"{label}/{variant}"
        for k in ("count", "nonfinite"):
            if g[k] != want[k]:
                failures.append(f"{tag} {k}: got {g[k]}, numpy says {want[k]}")
        for k in ("min", "max", "absmax"):
            close(f"{tag} {k}", g[k], want[k], 0.0)
        # mean to ~1e-12 of the data's scale; variance relative (Welford/Chan vs numpy's two-pass)
        close(f"{tag} mean", g["mean"], want["mean"], 1e-12, scale=sd)
        close(f"{tag} var", g["var"], want["var"], 1e-9 if variant == "fast" else welford_var_rel, scale=1e-300)
        close(f"{tag} sum_sq", g["sum_sq"], want["sum_sq"], 1e-12)
        close(f"{tag} sum_abs", g["sum_abs"], want["sum_abs"], 1e-12)


def f32_case(label, x32, parts=7):
    check_stats(label, x32.astype(np.float32).tobytes(), "f32", x32.astype(np.float64), parts)


def bf16_bits(x32):
    u = x32.astype(np.float32).view(np.uint32).astype(np.uint64)
    nan = np.isnan(x32)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    r[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return r


rng = np.random.default_rng(3)

# Empty, one element, one non-finite element.
f32_case("empty", np.array([], dtype=np.float32))
f32_case("one", np.array([2.5], dtype=np.float32), parts=1)
f32_case("one_nan", np.array([np.nan], dtype=np.float32), parts=1)
f32_case("all_inf", np.array([np.inf, -np.inf, np.nan], dtype=np.float32), parts=2)

# Random data with NaN/Inf sprinkled in, across block boundaries (2048) and lane tails (8).
for n in (3, 8, 2047, 2048, 2049, 10_003):
    x = rng.normal(0.5, 3.0, n).astype(np.float32)
    if n > 10:
        x[rng.integers(0, n, 5)] = np.nan
        x[rng.integers(0, n, 2)] = np.inf
        x[rng.integers(0, n, 2)] = -np.inf
    f32_case(f"f32_n{n}", x)

# Large mean, tiny spread: one-pass sum-of-squares would lose every digit.
x = (1e6 + 1e-3 * rng.standard_normal(50_000)).astype(np.float64)
check_stats("f64_offset", x.tobytes(), "f64", x, welford_var_rel=1e-6)
x = (1e4 + rng.standard_normal(30_000)).astype(np.float32)
f32_case("f32_offset", x)

# Heavy tails and mixed magnitudes.
x = rng.standard_cauchy(20_000).astype(np.float32)
f32_case("f32_cauchy", x)

# fp16 and bf16 inputs (the oracle decodes them with numpy / bit shifts).
x = rng.normal(0, 2, 9_000).astype(np.float32)
x[[5, 77, 4000]] = [np.nan, np.inf, -np.inf]
h = x.astype(np.float16)
check_stats("f16", h.view(np.uint16).tobytes(), "f16", h.astype(np.float64))
b = bf16_bits(x)
check_stats("bf16", b.tobytes(), "bf16", (b.astype(np.uint32) << 16).view(np.float32).astype(np.float64))

# 10^7 elements (the fast path's block merging over many blocks).
x = rng.normal(3.0, 2.0, 10_000_000).astype(np.float32)
f32_case("f32_1e7", x, parts=16)

# 10^8 elements in one buffer: a 1000-value period (offset 1000, so |mean|/std ~ 3500, and one NaN
# per period) repeated 10^5 times; numpy's statistics of the period are the whole buffer's.
period = (1000.0 + rng.uniform(0, 1, 1000)).astype(np.float32)
period[999] = np.nan
with tempfile.NamedTemporaryFile(delete=False) as fh:
    fh.write(period.tobytes())
    path = fh.name
got = run("big", path, 100_000_000)
os.unlink(path)
want = oracle(period.astype(np.float64))
for k in ("count", "nonfinite", "sum_sq", "sum_abs"):
    want[k] = want[k] * 100_000
for k in ("count", "nonfinite"):
    if got[k] != want[k]:
        failures.append(f"1e8 {k}: got {got[k]}, numpy says {want[k]}")
for k in ("min", "max", "absmax"):
    close(f"1e8 {k}", got[k], want[k], 0.0)
close("1e8 mean", got["mean"], want["mean"], 1e-12, scale=math.sqrt(want["var"]))
close("1e8 var", got["var"], want["var"], 1e-9)
close("1e8 sum_sq", got["sum_sq"], want["sum_sq"], 1e-11)
close("1e8 sum_abs", got["sum_abs"], want["sum_abs"], 1e-11)

# Epoch step aggregates: (grad_norm, batch_loss) pairs, one NaN loss and one Inf grad norm.
steps = np.stack([np.abs(rng.normal(1.0, 0.5, 200)), np.abs(rng.normal(2.0, 0.3, 200))], axis=1)
steps[17, 1] = np.nan
steps[40, 0] = np.inf
with tempfile.NamedTemporaryFile(delete=False) as fh:
    fh.write(steps.astype(np.float64).tobytes())
    path = fh.name
got = run("steps", path)
os.unlink(path)
for col, prefix in ((0, "train/grad_norm"), (1, "train/batch_loss")):
    v = steps[:, col]
    f = v[np.isfinite(v)]
    close(f"{prefix}_mean", got[f"{prefix}_mean"], float(f.mean()), 1e-12)
    close(f"{prefix}_std", got[f"{prefix}_std"], float(f.std()), 1e-10)
    close(f"{prefix}_max", got[f"{prefix}_max"], float(f.max()), 0.0)
    close(f"{prefix}_min", got[f"{prefix}_min"], float(f.min()), 0.0)
    close(f"{prefix}_nonfinite", got[f"{prefix}_nonfinite"], float(v.size - f.size), 0.0)
f = steps[:, 1][np.isfinite(steps[:, 1])]
close("train/batch_loss_cv", got["train/batch_loss_cv"], float(f.std() / abs(f.mean())), 1e-10)

# Dataset statistics, channels-last (N, C) and channels-first (N, C, T).
for shape, inner in (((500, 3), 1), ((40, 4, 25), 25)):
    x = rng.normal(0, 1, shape).astype(np.float32) * np.arange(1, shape[1] + 1, dtype=np.float32).reshape(
        (1, shape[1]) + (1,) * (len(shape) - 2)) + 0.25
    x.flat[11] = np.nan
    with tempfile.NamedTemporaryFile(delete=False) as fh:
        fh.write(x.tobytes())
        path = fh.name
    got = run("data", path, shape[1], inner)
    os.unlink(path)
    x64 = x.astype(np.float64)
    close("data_stats/normalized_mean", got["data_stats/normalized_mean"], float(np.nanmean(x64)), 1e-12)
    close("data_stats/normalized_std", got["data_stats/normalized_std"], float(np.nanstd(x64)), 1e-10)
    close("data_stats/normalized_min", got["data_stats/normalized_min"], float(np.nanmin(x64)), 0.0)
    close("data_stats/normalized_max", got["data_stats/normalized_max"], float(np.nanmax(x64)), 0.0)
    for c in range(shape[1]):
        ch = np.take(x64, c, axis=1)
        close(f"data_stats/c{c}_mean", got[f"data_stats/c{c}_mean"], float(np.nanmean(ch)), 1e-12)
        close(f"data_stats/c{c}_std", got[f"data_stats/c{c}_std"], float(np.nanstd(ch)), 1e-10)

# Generated outputs.
x = rng.normal(0.1, 0.05, 3_000).astype(np.float32)
with tempfile.NamedTemporaryFile(delete=False) as fh:
    fh.write(x.tobytes())
    path = fh.name
got = run("gen", path)
os.unlink(path)
x64 = x.astype(np.float64)
close("validation/gen_std", got["validation/gen_std"], float(x64.std()), 1e-10)
close("validation/gen_mean", got["validation/gen_mean"], float(x64.mean()), 1e-12)
close("validation/gen_range", got["validation/gen_range"], float(x64.max() - x64.min()), 0.0)

if failures:
    print("\n".join(failures))
    print(f"{len(failures)} mismatches against numpy")
    sys.exit(1)
print("all statistics match numpy float64")
