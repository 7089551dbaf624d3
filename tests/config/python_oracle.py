"""Oracle: every JSON/YAML file vitals writes is read by Python's json and PyYAML (yaml.safe_load)
and compared with vitals' own reading of it.

Usage: python_oracle.py PATH_TO_config_oracle_writer [CASES]
JSON has no NaN/Infinity, so vitals writes them as the strings "nan", "inf", "-inf"; the
comparison accepts those strings where the other side has the float.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import yaml

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def same(a, b, path="$"):
    if isinstance(a, str) and a in NONFINITE and isinstance(b, float):
        a = NONFINITE[a]
    if isinstance(b, str) and b in NONFINITE and isinstance(a, float):
        b = NONFINITE[b]
    if isinstance(a, bool) or isinstance(b, bool):
        if a is not b:
            raise AssertionError(f"{path}: {a!r} != {b!r}")
        return
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) or isinstance(b, float):
            fa, fb = float(a), float(b)
            if math.isnan(fa) and math.isnan(fb):
                return
            if fa != fb or math.copysign(1, fa) != math.copysign(1, fb):
                raise AssertionError(f"{path}: {a!r} != {b!r}")
            # An integer must not come back as a float or the other way round.
            if type(a) is not type(b):
                raise AssertionError(f"{path}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})")
            return
        if a != b:
            raise AssertionError(f"{path}: {a!r} != {b!r}")
        return
    if type(a) is not type(b):
        raise AssertionError(f"{path}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})")
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            raise AssertionError(f"{path}: keys {list(a.keys())} != {list(b.keys())}")
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            raise AssertionError(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif a != b:
        raise AssertionError(f"{path}: {a!r} != {b!r}")


def main():
    writer = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([writer, out, str(cases)], check=True)
        stems = [f"case_{i}" for i in range(cases)] + ["train"]
        failures = 0
        for stem in stems:
            with open(os.path.join(out, stem + ".read.json"), encoding="utf-8") as f:
                ours = json.load(f)
            with open(os.path.join(out, stem + ".json"), encoding="utf-8") as f:
                text_json = f.read()
            with open(os.path.join(out, stem + ".yaml"), encoding="utf-8") as f:
                text_yaml = f.read()
            for label, theirs in (("json", json.loads(text_json)), ("yaml", yaml.safe_load(text_yaml))):
                try:
                    same(ours, theirs)
                except AssertionError as e:
                    failures += 1
                    if failures <= 5:
                        text = text_json if label == "json" else text_yaml
                        print(f"{stem}.{label}: Python reads it differently: {e}\n{text}", file=sys.stderr)
        print(f"{len(stems)} configs, {2 * len(stems)} files read by json and PyYAML {yaml.__version__}: "
              f"{failures} differences")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
