#!/usr/bin/env python3
"""Override-grammar oracle: a fixed list plus seeded random override strings, each parsed by
vitals (compose_oracle_driver --parse, one process for all) and by Hydra's OverridesParser; the
results must agree: both reject, or both accept with the same operation, key, package and value
(or sweep values), compared as data.

Usage: grammar_oracle.py <compose_oracle_driver> [-v]
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

FIXED = [
    "a=1", "a=-1", "a=+1", "a=1_000", "a=0", "a=00", "a=007", "a=1.5", "a=.5", "a=5.", "a=1e3", "a=1E-3",
    "a=-1.5e+2", "a=1_0.5", "a=true", "a=False", "a=TRUE", "a=null", "a=NULL", "a=nan_x", "a=yes", "a=on",
    "a=abc", "a=a b", "a= padded ", "a=a-b_c", "a=/abs/path", "a=x.y.z", "a=$x", "a=%d", "a=a*b", "a=a@b",
    "a=a?b", "a=a|b", "a=a:b", "a=http://x.y/z", "a=\\,", "a=a\\,b", "a=a\\ b", "a=\\(x\\)", "a=\\[\\]",
    "a=\\{\\}", "a=\\=", "a=\\\\", "a=\\q", "a='q'", "a=\"q\"", "a='a,b'", "a=\"a b\"", "a='it\\'s'",
    "a=''", "a=\"\"", "a=", "a=[]", "a=[1]", "a=[1,2]", "a=[ 1 , 2 ]", "a=[a,[b,c]]", "a=[1,'x y']",
    "a={}", "a={k:1}", "a={k: v, j: [1]}", "a={k: {n: null}}", "a={1: x}", "a=${b}", "a=${b.c}_x",
    "a=x_${oc.env:HOME}", "a=1,2", "a=a,b,c", "a=[1],[2]", "a=choice(1,2)", "a=choice(a, 'b c')",
    "a=range(3)", "a=range(1,4)", "a=range(0,1,0.25)", "a=range(5,0,-2)", "+a=1", "++a=1", "~a", "~a=1",
    "~a=", "a.b.c=1", "a/b=x", "a@p=x", "a@=x", "+a@p.q=x", "a_b-c=1", "$a=1", "a.0=1", "a", "=1",
    "a==1", "a=b=c", "a=[1", "a={k}", "a=(x)", "a=x)", "a=#x", "a=x'y'", "a b=1", "~", "+", "a=,",
    "a=1,", "a=,1", "@p=1", "0=1", "0.a=1", "a.01=1", "-a=1", "a/0=1", "a/$b=1", "a.$b=1", "a=choice()", "a=[1,]", "a=x,[1,2],{k: v}", "a=\t1\t", "a=inf", "a=-inf", "a=1,'2'",
]

# Accepted by Hydra's grammar, rejected by vitals (DIFFERENCES.md): an empty key.
STRICTER = {"=1", "~", "@p=1"}

PIECES = ["1", "-2", "0.5", "1e2", "true", "null", "abc", "x y", "'q'", "\"q\"", "[1,2]", "{k: v}", ",",
          " ", "\\,", "\\ ", ":", "/", "$", "${b}", "@", "=", "[", "]", "{", "}", "(", ")", "'", "\"", "_",
          "-", ".", "+", "*", "?", "|", "%", "~", "#", "a"]
KEYS = ["a", "+a", "++a", "~a", "a.b", "a@p", "g/h", "a_b", "a-1", "0"]


def corpus(n=400, seed=1234):
    rng = random.Random(seed)
    out = list(FIXED)
    for _ in range(n):
        value = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
        out.append(f"{rng.choice(KEYS)}={value}")
    return out


def hydra_parse(text):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    try:
        o = OverridesParser.create().parse_override(text)
        op = "delete" if o.is_delete() else "force_add" if o.is_force_add() else "add" if o.is_add() else "set"
        r = {"ok": True, "op": op, "key": o.key_or_group, "package": o.package}
        if o.is_sweep_override():
            v = o.value()
            if not isinstance(v, (ChoiceSweep, RangeSweep)):
                return {"ok": False, "error": f"sweep type {type(v).__name__}"}
            r["sweep"] = [plain(x) for x in o.sweep_iterator()]
        else:
            r["value"] = plain(o.value())
        return r
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}


def plain(v):
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, str):
        return str(v)
    if hasattr(v, "text") and hasattr(v, "quote"):  # QuotedString (sweep items keep their quotes)
        return v.text
    return v


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, str) and isinstance(b, (int, float)) and a in ("inf", "-inf", "nan"):
        return same(float(a), b)  # JSON has no inf: the driver writes it as a string
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    verbose = "-v" in sys.argv[2:]
    lines = corpus()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(lines, f)
        path = f.name
    try:
        out = subprocess.run([sys.argv[1], "--parse", path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        sys.exit(f"driver failed: {out.stderr}")
    ours = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    assert len(ours) == len(lines), (len(ours), len(lines))
    failures = []
    for text, v in zip(lines, ours):
        h = hydra_parse(text)
        if text in STRICTER:
            if v["ok"] or not h["ok"]:
                failures.append(f"{text!r}: expected vitals to reject and Hydra to accept (DIFFERENCES.md)")
            continue
        if v["ok"] != h["ok"]:
            failures.append(f"{text!r}: vitals ok={v['ok']} hydra ok={h['ok']}\n    vitals: {v.get('error', v)}\n    hydra: {h.get('error', h)}")
            continue
        if not v["ok"]:
            if verbose:
                print(f"{text!r}: both reject\n    vitals: {v['error']}\n    hydra: {h['error']}")
            continue
        for k in ("op", "key", "package", "value", "sweep"):
            if (k in v or k in h) and not same(v.get(k), h.get(k)):
                failures.append(f"{text!r}: {k}: vitals {v.get(k)!r} != hydra {h.get(k)!r}")
    print(f"{len(lines)} override strings ({len(FIXED)} fixed, the rest random)")
    if failures:
        print(f"{len(failures)} FAILED:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("vitals parses every override as Hydra does")


if __name__ == "__main__":
    main()
