#!/usr/bin/env python3
"""Header hygiene: every public header compiles on its own, included twice, with one compiler.

usage: check_headers.py {gcc|clang|nvcc} [--jobs N] [--single]

gcc and clang use -Wall -Wextra -Werror; nvcc compiles each header as the host part of a .cu file
(cuda/ headers too, which only nvcc can see). --single checks single_include/vitals.hpp alone.
Optional adapters (vitals/torch.hpp) are skipped unless their dependency is found.
"""
import argparse
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OPTIONAL = {"vitals/torch.hpp": "torch/torch.h"}


def has_header(name):
    return any((pathlib.Path(d) / name).exists() for d in ["/usr/include", "/usr/local/include"])


def headers(compiler, single):
    if single:
        return [("single_include", "vitals.hpp")]
    out = [("include", str(p.relative_to(ROOT / "include"))) for p in sorted((ROOT / "include").rglob("*.hpp"))]
    if compiler == "nvcc":
        out += [("cuda", str(p.relative_to(ROOT / "cuda"))) for p in sorted((ROOT / "cuda").rglob("*.cuh"))]
    return [(d, h) for d, h in out if h not in OPTIONAL or has_header(OPTIONAL[h])]


def command(compiler, src):
    inc = ["-I", str(ROOT / "include"), "-I", str(ROOT / "cuda"), "-I", str(ROOT / "single_include")]
    if compiler == "gcc":
        return ["g++", "-std=c++20", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", *inc, str(src)]
    if compiler == "clang":
        return ["clang++", "-std=c++20", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", *inc, str(src)]
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    return [nvcc, "-std=c++20", "-x", "cu", "-c", "-o", os.devnull, *inc, str(src)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("compiler", choices=["gcc", "clang", "nvcc"])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--single", action="store_true")
    args = ap.parse_args()
    if args.compiler == "nvcc" and not (shutil.which("nvcc") or os.path.exists("/usr/local/cuda/bin/nvcc")):
        print("skipped: nvcc not found")
        return 0
    if args.compiler == "clang" and not shutil.which("clang++"):
        print("clang++ not found (install Debian's clang)")
        return 1
    todo = headers(args.compiler, args.single)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="vitals-hygiene-"))

    def check(item):
        _, h = item
        src = tmp / (h.replace("/", "__") + (".cu" if args.compiler == "nvcc" else ".cpp"))
        # Included twice: a missing include guard shows up as a redefinition.
        src.write_text(f'#include "{h}"\n#include "{h}"\n')
        r = subprocess.run(command(args.compiler, src), capture_output=True, text=True)
        return h, r.returncode, r.stdout + r.stderr

    failed = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for h, rc, log in pool.map(check, todo):
            print(f"{'ok  ' if rc == 0 else 'FAIL'} {args.compiler} {h}")
            if rc:
                failed.append(h)
                print(log[-4000:])
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(todo) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
