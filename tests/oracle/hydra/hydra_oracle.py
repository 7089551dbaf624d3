#!/usr/bin/env python3
"""Hydra oracle: every case in cases.yaml is composed by vitals (one run of the C++ driver for all
cases) and by real Hydra (its compose API + OmegaConf.to_container(resolve=True), in this one
process), and the two results are compared as data.

Usage: hydra_oracle.py <compose_oracle_driver> [-v] [--tool <vitals-compose>] [case-name-substring ...]
(-v prints both sides' error messages; --tool also runs the `tool` cases through vitals-compose.)
"""
import copy
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List

import yaml

HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "configs"

# The environment both sides see (interpolation cases read it).
os.environ["VITALS_ORACLE_VAR"] = "hello"
os.environ.pop("VITALS_ORACLE_UNSET", None)
os.environ["VITALS_ORACLE_ROOT"] = "/oracle/root"
os.environ["VITALS_ORACLE_NUM"] = "3.5"
# The seed omits nothing, but some cases leave out _self_ on purpose.
warnings.filterwarnings("ignore")


# Mirrors of the C++ structs the driver registers (tests/oracle/hydra/compose_oracle_driver.cpp).
@dataclass
class TrainConfig:
    epochs: int = 30
    lr: float = 3e-4
    batch_size: int = 32


@dataclass
class ExpConfig:
    exp_name: str = "default"
    fold: List[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    debug: bool = False
    seed: int = 42
    train: TrainConfig = field(default_factory=TrainConfig)


def load_cases(filters):
    cases = yaml.safe_load((HERE / "cases.yaml").read_text())
    if filters:
        cases = [c for c in cases if any(f in c["name"] for f in filters)]
    for c in cases:
        c.setdefault("config", "config")
        c.setdefault("store", c["dir"] == "seed")
        c.setdefault("sweep", False)
        c.setdefault("error", False)
        c.setdefault("differs_at", [])       # keys where vitals deliberately differs (DIFFERENCES.md)
        c.setdefault("vitals_error", False)  # vitals is deliberately stricter: errors where Hydra does not
        c.setdefault("hydra_error", False)   # vitals is deliberately more lenient: Hydra errors, vitals does not
        c.setdefault("unordered", False)
        # run through vitals-compose too (with --tool): the issue-18 cases the command can see
        # (not those that register a struct in code)
        c.setdefault("tool", not c["store"] and c["name"].split("_")[0] in ("sweep", "gaps", "resolvers", "basic"))     # shuffle(...): compare the jobs as a multiset (Hydra's order is random)
    return cases


def run_vitals(driver, cases):
    manifest = [
        {
            "name": c["name"],
            "dir": str(CONFIGS / c["dir"]),
            "config": c["config"],
            "overrides": c["overrides"],
            "store": c["store"],
            "sweep": c["sweep"],
        }
        for c in cases
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(manifest, f)
        path = f.name
    try:
        out = subprocess.run([driver, path], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        sys.exit(f"driver failed ({out.returncode}):\n{out.stderr}")
    results = {}
    for line in out.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            results[r["name"]] = r
    return results


def run_hydra(case):
    from hydra import compose, initialize_config_dir
    from hydra.core.config_store import ConfigStore
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf, open_dict

    cs = ConfigStore.instance()
    if case["store"]:
        cs.store(group="exp", name="default", node=ExpConfig)
    else:
        cs.repo.pop("exp", None)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base=None, config_dir=str(CONFIGS / case["dir"])):
            if case["sweep"]:
                loader = GlobalHydra.instance().config_loader()  # glob(...) lists a group's options
                parsed = OverridesParser.create(config_loader=loader).parse_overrides(case["overrides"])
                jobs = BasicSweeper.split_arguments(parsed, None)[0]
            else:
                jobs = [case["overrides"]]
            out = []
            for num, job in enumerate(jobs):
                # As @hydra.main runs a job: HydraConfig set (for ${hydra:...}), the job numbered in
                # a multirun, the hydra node then taken out of the app config.
                # (only for the cases that read it: return_hydra_config makes compose slower)
                needs_hydra = case["dir"] == "resolvers"
                cfg = compose(config_name=case["config"], overrides=list(job), return_hydra_config=needs_hydra)
                if needs_hydra:
                    if case["sweep"]:
                        cfg.hydra.job.num = num
                    HydraConfig.instance().set_config(cfg)
                    with open_dict(cfg):
                        del cfg["hydra"]
                out.append(OmegaConf.to_container(cfg, resolve=True, enum_to_str=True))
            return {"ok": True, "jobs": out}
    except Exception as e:  # noqa: BLE001 - any Hydra failure counts as "errors"
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    finally:
        GlobalHydra.instance().clear()


def same(a: Any, b: Any, path="") -> List[str]:
    """Data equality: numbers numerically (1.0 == 1), bools only equal bools."""
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return [] if a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b) else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, num) and isinstance(b, num):
        if math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, str) and isinstance(b, float) and a in ("inf", "-inf", "nan"):
        # JSON has no inf/nan: the driver writes them as strings
        return [] if str(b) == a else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        # YAML int keys ({10: 0.1}) are ints in OmegaConf, strings in vitals and in JSON
        a, b = {str(k): v for k, v in a.items()}, {str(k): v for k, v in b.items()}
        diffs = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                diffs.append(f"{path}.{k}: missing in vitals")
            elif k not in b:
                diffs.append(f"{path}.{k}: not in hydra")
            else:
                diffs += same(a[k], b[k], f"{path}.{k}" if path else str(k))
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: list lengths {len(a)} != {len(b)}: {a!r} vs {b!r}"]
        diffs = []
        for i, (x, y) in enumerate(zip(a, b)):
            diffs += same(x, y, f"{path}[{i}]")
        return diffs
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} ({type(a).__name__}) != {b!r} ({type(b).__name__})"]


def pop_path(tree, dotted):
    """Removes and returns the value at a dotted key (None when absent)."""
    *parents, last = dotted.split(".")
    for p in parents:
        tree = tree.get(p, {}) if isinstance(tree, dict) else {}
    return tree.pop(last, None) if isinstance(tree, dict) else None


def run_tool(tool, case):
    """The same case through the vitals-compose command: one JSON line per job, exit 2 on errors."""
    cmd = [tool, "--config-dir", str(CONFIGS / case["dir"]), "--config-name", case["config"], "--json"]
    cmd += ["-m"] if case["sweep"] else []
    out = subprocess.run(cmd + list(case["overrides"]), capture_output=True, text=True, timeout=60)
    if out.returncode == 0:
        return {"ok": True, "jobs": [json.loads(line) for line in out.stdout.splitlines() if line.strip()]}
    if out.returncode != 2 or "error:" not in out.stderr:
        return {"ok": False, "error": f"exit {out.returncode} (a config error must exit 2 with 'error:'): {out.stderr}", "bad_exit": True}
    return {"ok": False, "error": out.stderr.strip()}


def check(case, v, h, failures, verbose, label="vitals"):
    """Compares one side's result with Hydra's, appending what differs to failures."""
    name = case["name"] if label == "vitals" else f"{case['name']} [{label}]"
    v = copy.deepcopy(v)
    h = copy.deepcopy(h)
    if v.get("bad_exit"):
        failures.append(f"{name}: {v['error']}")
        return
    if case["vitals_error"]:
        if v["ok"] or not h["ok"]:
            failures.append(f"{name}: expected vitals to fail and Hydra to succeed (see DIFFERENCES.md);"
                            f" vitals ok={v['ok']} hydra ok={h['ok']}")
        return
    if case["hydra_error"]:
        if not v["ok"] or h["ok"]:
            failures.append(f"{name}: expected Hydra to fail and vitals to succeed (see DIFFERENCES.md);"
                            f" vitals ok={v['ok']} hydra ok={h['ok']}")
        return
    if case["error"] and (v["ok"] or h["ok"]):
        failures.append(f"{name}: expected an error on both sides; vitals ok={v['ok']} hydra ok={h['ok']}"
                        f"\n    vitals: {v.get('error', '')}\n    hydra: {h.get('error', '')}")
        return
    if v["ok"] != h["ok"]:
        failures.append(f"{name}: vitals ok={v['ok']} but hydra ok={h['ok']}"
                        f"\n    vitals: {v.get('error', v.get('jobs'))}\n    hydra: {h.get('error', h.get('jobs'))}")
        return
    if not v["ok"]:
        if verbose:
            print(f"{name}:\n    vitals: {v['error']}\n    hydra:  {h['error']}".replace("\n", "\n      "))
        if not case["error"]:
            failures.append(f"{name}: both failed\n    vitals: {v['error']}\n    hydra: {h['error']}")
        return
    if case["unordered"]:
        key = lambda j: json.dumps(j, sort_keys=True, default=str)
        v["jobs"].sort(key=key)
        h["jobs"].sort(key=key)
    if len(v["jobs"]) != len(h["jobs"]):
        failures.append(f"{name}: {len(v['jobs'])} jobs in vitals, {len(h['jobs'])} in hydra")
        return
    for i, (a, b) in enumerate(zip(v["jobs"], h["jobs"])):
        for key in case["differs_at"]:
            x, y = pop_path(a, key), pop_path(b, key)
            if not same(x, y) == [] or x is None:
                pass
            else:
                failures.append(f"{name} (job {i}): '{key}' was expected to differ (DIFFERENCES.md) but is {x!r} on both")
        diffs = same(a, b)
        if diffs:
            failures.append(f"{name} (job {i}):\n    " + "\n    ".join(diffs[:10]))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    driver = sys.argv[1]
    args = sys.argv[2:]
    verbose = "-v" in args
    tool = None
    if "--tool" in args:  # also run the `tool` cases through vitals-compose
        tool = args[args.index("--tool") + 1]
        del args[args.index("--tool"):args.index("--tool") + 2]
    cases = load_cases([a for a in args if a != "-v"])
    t0 = time.perf_counter()
    ours = run_vitals(driver, cases)
    t1 = time.perf_counter()
    failures = []
    tool_cases = 0
    tool_time = 0.0
    for case in cases:
        name = case["name"]
        v = ours.get(name)
        h = run_hydra(case)
        if v is None:
            failures.append(f"{name}: no result from the driver")
            continue
        check(case, v, h, failures, verbose)
        if tool and case["tool"]:
            t = time.perf_counter()
            check(case, run_tool(tool, case), h, failures, verbose, label="vitals-compose")
            tool_time += time.perf_counter() - t
            tool_cases += 1
    t2 = time.perf_counter()
    print(f"{len(cases)} cases; vitals driver {t1 - t0:.2f}s, hydra {t2 - t1 - tool_time:.2f}s"
          + (f"; {tool_cases} also through vitals-compose ({tool_time:.2f}s)" if tool else ""))
    if failures:
        print(f"{len(failures)} FAILED:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("all cases agree with Hydra")


if __name__ == "__main__":
    main()
