#!/usr/bin/env python3
"""Header hygiene: every public header compiles on its own, included twice, with one compiler.

usage: check_headers.py {gcc|clang|nvcc} [--jobs N] [--single] [--compiled]

gcc and clang compile every header alone with -Wall -Wextra -Werror. nvcc costs ~9 s a header
here, so it compiles every header through the layer umbrellas (vitals.hpp, vitals/<layer>.hpp) plus
each cuda/ kernel header alone; what nvcc needs of a single header (fmt's and simdjson's macros) is
enforced for every header by a rule checked in gcc mode: only vitals/detail/fmt.hpp and
vitals/detail/simdjson.hpp may include fmt and simdjson. --single checks single_include/vitals.hpp.
Optional adapters (vitals/torch.hpp) are skipped unless their dependency is found. --compiled
compiles each header as a user of the compiled library sees it (-DVITALS_COMPILED: declarations
only). In gcc mode it also checks the `.ipp` rules (version.hpp): each is included only by its own
header, inside `#if VITALS_HEADER_BODIES`, and reached from src/vitals.cpp.
"""
import argparse
import re
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Headers whose dependency may be absent: skipped unless it is found. mpi.h lives outside the
# default include path (its compiler wrapper adds it), so vitals/dist/mpi.hpp is compiled by its
# tests (tests/dist) instead; nccl.h ships with the CUDA toolkit.
OPTIONAL = {"vitals/torch.hpp": "torch/torch.h", "vitals/dist/mpi.hpp": "mpi.h", "vitals/nccl.cuh": "nccl.h"}


def has_header(name):
    return any((pathlib.Path(d) / name).exists() for d in ["/usr/include", "/usr/local/include", "/usr/local/cuda/include"])


def headers(compiler, single):
    if single:
        return [("single_include", "vitals.hpp")]
    out = [("include", str(p.relative_to(ROOT / "include"))) for p in sorted((ROOT / "include").rglob("*.hpp"))]
    if compiler == "nvcc":
        out = [(d, h) for d, h in out if h == "vitals.hpp" or h.count("/") == 1 and h.endswith(".hpp")
               and (ROOT / "include" / h).parent == ROOT / "include" / "vitals"]
        out += [("cuda", str(p.relative_to(ROOT / "cuda"))) for p in sorted((ROOT / "cuda").rglob("*.cuh"))]
    return [(d, h) for d, h in out if h not in OPTIONAL or has_header(OPTIONAL[h])]


THIRD_PARTY_GATES = {"<fmt/": "vitals/detail/fmt.hpp", "<simdjson": "vitals/detail/simdjson.hpp"}


def gate_violations():
    """Headers that include fmt or simdjson directly instead of through their detail/ gate."""
    bad = []
    for p in sorted((ROOT / "include").rglob("*.[hi]pp")):
        rel = str(p.relative_to(ROOT / "include"))
        for line in p.read_text().splitlines():
            for prefix, gate in THIRD_PARTY_GATES.items():
                if line.strip().startswith("#include " + prefix) and rel != gate:
                    bad.append(f"{rel}: includes {line.strip()[9:]} directly; include \"{gate}\" (nvcc needs its macros)")
    return bad


# Inline code that depends on flags which may differ between the files of one program breaks the
# ODR. Instruction-set macros are never tested; __CUDACC__ only where the difference is harmless
# (macros for third-party headers, __host__ __device__ markers, extra declarations) or carries its
# own inline-namespace name (array_stats.hpp: stats_vector / stats_scalar). tests/foundation/odr
# links such files into one program and checks they compute the same bits.
ISA_MACROS = ("__AVX", "__SSE", "__FMA__", "__ARM_NEON", "__AVX512", "__BMI", "__F16C__")
CUDACC_ALLOWED = {"vitals/detail/fmt.hpp", "vitals/detail/simdjson.hpp", "vitals/detail/hd.hpp", "vitals.hpp",
                  "vitals/health/array_stats.hpp"}


def flag_violations():
    bad = []
    for p in sorted((ROOT / "include").rglob("*.[hi]pp")):
        rel = str(p.relative_to(ROOT / "include"))
        for n, line in enumerate(p.read_text().splitlines(), 1):
            t = line.strip()
            if not t.startswith("#if") and not t.startswith("#elif"):
                continue
            if any(m in t for m in ISA_MACROS):
                bad.append(f"{rel}:{n}: tests an instruction-set macro; inline code must not depend on per-file flags (dispatch at run time)")
            if "__CUDACC__" in t and rel not in CUDACC_ALLOWED:
                bad.append(f"{rel}:{n}: tests __CUDACC__; inline code that differs between .cu and .cpp files needs its own name (see array_stats.hpp)")
    return bad


# Every vitals name lives in the versioned inline namespace (vitals/version.hpp's VITALS_ABI): a
# plain `namespace vitals {` would put its names outside it, so two vitals versions in one program
# (or a header that forgot) would share symbols again.
NAMESPACE_OPEN = re.compile(r"^\s*namespace vitals\b(.*)\{")


def namespace_violations():
    bad = []
    for d in ("include", "cuda"):
        for p in sorted((ROOT / d).rglob("*")):
            if p.suffix not in (".hpp", ".cuh", ".ipp"):
                continue
            for n, line in enumerate(p.read_text().splitlines(), 1):
                m = NAMESPACE_OPEN.match(line)
                if m and not m.group(1).startswith("::inline VITALS_ABI"):
                    bad.append(f"{p.relative_to(ROOT)}:{n}: opens namespace vitals without the versioned inline namespace "
                               "(write `namespace vitals::inline VITALS_ABI {`)")
    return bad


def ipp_violations():
    bad = []
    ipps = sorted((ROOT / "include").rglob("*.ipp"))
    if not ipps:
        return bad
    for ipp in ipps:
        rel = str(ipp.relative_to(ROOT / "include"))
        own = ipp.with_suffix(".hpp")
        if not own.exists():
            bad.append(f"{rel}: no {own.name} beside it (a .ipp holds the bodies of the header of the same name)")
            continue
        text = own.read_text()
        want = f'#if VITALS_HEADER_BODIES\n#include "{rel}"\n#endif'
        if want not in text:
            bad.append(f"{own.relative_to(ROOT)}: must end with `{want!r}`")
        for p in sorted((ROOT / "include").rglob("*.[hi]pp")):
            if p != own and f'#include "{rel}"' in p.read_text():
                bad.append(f"{p.relative_to(ROOT)}: includes {rel}; only {own.name} may (include the header)")
    r = subprocess.run(["g++", "-std=c++20", "-DVITALS_IMPLEMENTATION", "-I", str(ROOT / "include"), "-H", "-fsyntax-only",
                        str(ROOT / "src" / "vitals.cpp")], capture_output=True, text=True)
    reached = {pathlib.Path(line.lstrip(". ").strip()).resolve() for line in r.stderr.splitlines() if line.startswith(".")}
    for ipp in ipps:
        if ipp.resolve() not in reached:
            bad.append(f"{ipp.relative_to(ROOT)}: not reached from src/vitals.cpp (the compiled library would lack its bodies)")
    return bad


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
    ap.add_argument("--compiled", action="store_true")
    args = ap.parse_args()
    if args.compiler == "nvcc" and not (shutil.which("nvcc") or os.path.exists("/usr/local/cuda/bin/nvcc")):
        print("skipped: nvcc not found")
        return 0
    if args.compiler == "clang" and not shutil.which("clang++"):
        print("clang++ not found (install Debian's clang)")
        return 1
    todo = headers(args.compiler, args.single)
    gate_failures = []
    if args.compiler == "gcc" and not args.single and not args.compiled:
        gate_failures = gate_violations() + flag_violations() + namespace_violations() + ipp_violations()
    for line in gate_failures:
        print("FAIL", line)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="vitals-hygiene-"))

    def check(item):
        _, h = item
        src = tmp / (h.replace("/", "__") + (".cu" if args.compiler == "nvcc" else ".cpp"))
        # Included twice: a missing include guard shows up as a redefinition.
        src.write_text(f'#include "{h}"\n#include "{h}"\n')
        cmd = command(args.compiler, src)
        if args.compiled:
            cmd.insert(2, "-DVITALS_COMPILED")
        r = subprocess.run(cmd, capture_output=True, text=True)
        return h, r.returncode, r.stdout + r.stderr

    failed = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for h, rc, log in pool.map(check, todo):
            print(f"{'ok  ' if rc == 0 else 'FAIL'} {args.compiler} {h}")
            if rc:
                failed.append(h)
                print(log[-4000:])
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(todo) - len(failed)} passed, {len(failed) + len(gate_failures)} failed")
    return 1 if failed or gate_failures else 0


if __name__ == "__main__":
    sys.exit(main())
