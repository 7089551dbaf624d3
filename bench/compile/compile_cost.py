#!/usr/bin/env python3
"""Compile cost of including vitals, against its bare dependencies, in one run.

usage: compile_cost.py [--reps N] [--smoke] [--no-write]

Times (best of N, wall clock, one compiler process at a time) at -O0 and -O2:
  bare_deps.cpp      vitals' dependencies alone, one use of each (the baseline for .cpp files)
  readme_example     tests/foundation/readme_example.cpp: the README's example, flags as vitals::vitals
                     gives (-DVITALS_COMPILED: declarations only, the bodies are in libvitals.a)
  readme (header-only) the same file without the library (every body compiled in the file)
  log_only.cpp       #include <vitals/run.hpp> and run.log(), as vitals::vitals gives
  readme (single)    the README example through single_include/vitals.hpp, header-only
  bare_deps.cu       nvcc: CUDA runtime + CUB + std, one kernel (the baseline for .cu files)
  cuda_stats.cu      nvcc: #include <vitals/cuda.cuh>
and writes the table with ratios into bench/RESULTS.md (between the compile-cost markers) and
bench/results/compile.md. --smoke compiles two files once with -fsyntax-only and writes nothing:
CI runs it to prove the script works (no timed assertion anywhere).
"""
import argparse
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CXX = os.environ.get("CXX", "g++")
NVCC = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
INC = ["-I", str(ROOT / "include"), "-I", str(ROOT / "cuda")]
COMPILED = ["-DVITALS_COMPILED"]  # what the CMake target vitals::vitals and vitals.pc add

# (label, compiler, source, include flags, baseline label)
CASES = [
    ("bare dependencies (.cpp)", "cxx", HERE / "bare_deps.cpp", [], None),
    ("README example (vitals::vitals)", "cxx", ROOT / "tests/foundation/readme_example.cpp", INC + COMPILED,
     "bare dependencies (.cpp)"),
    ("README example, header-only", "cxx", ROOT / "tests/foundation/readme_example.cpp", INC, "bare dependencies (.cpp)"),
    ("logging only (vitals/run.hpp)", "cxx", HERE / "log_only.cpp", INC + COMPILED, "bare dependencies (.cpp)"),
    ("README example, single header", "cxx", ROOT / "tests/foundation/readme_example.cpp",
     ["-I", str(ROOT / "single_include")], "bare dependencies (.cpp)"),
    ("bare dependencies (.cu, nvcc)", "nvcc", HERE / "bare_deps.cu", [], None),
    ("CUDA statistics (.cu, nvcc)", "nvcc", HERE / "cuda_stats.cu", INC + COMPILED, "bare dependencies (.cu, nvcc)"),
]


def command(kind, src, inc, opt, syntax_only=False):
    if kind == "cxx":
        return [CXX, "-std=c++20", opt, *inc, "-c", str(src), "-o", os.devnull] + (["-fsyntax-only"] if syntax_only else [])
    return [NVCC, "-std=c++20", opt, *inc, "-c", str(src), "-o", os.devnull]


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"compile failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        for label, kind, src, inc, _ in CASES[:3:2]:
            timed(command(kind, src, inc, "-O0", syntax_only=True))
            print(f"ok {label}")
        return 0
    have_nvcc = os.path.exists(NVCC)
    rows = []
    for opt in ("-O0", "-O2"):
        best = {}
        for label, kind, src, inc, base in CASES:
            if kind == "nvcc" and not have_nvcc:
                continue
            best[label] = min(timed(command(kind, src, inc, opt)) for _ in range(args.reps))
            ratio = f"{best[label] / best[base]:.2f}×" if base else "1.00× (baseline)"
            rows.append((opt, label, best[label], ratio))
            print(f"{opt} {label:34s} {best[label]:6.2f} s  {ratio}", flush=True)
    load = os.getloadavg()
    head = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.node() or 'this machine'}: {os.cpu_count()} cores, "
            f"{CXX} {subprocess.run([CXX, '-dumpfullversion'], capture_output=True, text=True).stdout.strip()}, "
            f"load average {load[0]:.1f} at the end; best of {args.reps}, one compile at a time. "
            f"Reproduce: `python3 bench/compile/compile_cost.py --reps {args.reps}`.")
    table = ["| flags | file | time | ratio to its baseline |", "|---|---|---|---|"]
    table += [f"| `{o}` | {l} | {t:.2f} s | {r} |" for o, l, t, r in rows]
    text = "\n".join([head, "", *table]) + "\n"
    if args.no_write:
        print(text)
        return 0
    (ROOT / "bench/results/compile.md").write_text("# Compile cost of including vitals\n\n" + text)
    results = ROOT / "bench/RESULTS.md"
    begin, end = "<!-- compile-cost-begin -->", "<!-- compile-cost-end -->"
    s = results.read_text()
    block = f"{begin}\n## Compile cost (bench/compile)\n{text}{end}"
    s = s[: s.index(begin)] + block + s[s.index(end) + len(end):] if begin in s else s.rstrip() + "\n\n" + block + "\n"
    results.write_text(s)
    print("written to bench/RESULTS.md and bench/results/compile.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
