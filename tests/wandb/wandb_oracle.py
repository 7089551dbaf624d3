"""Shared helpers for the W&B oracle tests: read a .wandb file with wandb's own reader and turn
records into plain Python values for comparison."""
import json
import math
import os
import shutil
import subprocess
import tempfile

import wandb
from wandb.proto import wandb_internal_pb2 as pb
from wandb.sdk.internal import datastore

wandb._set_internal_process(disable=True)  # as `wandb sync` does: DataStore and wandb.init both usable


def read_records(path):
    """Every record in a .wandb file, parsed by wandb's DataStore + Record.ParseFromString."""
    ds = datastore.DataStore()
    ds.open_for_scan(path)
    out = []
    while True:
        data = ds.scan_data()
        if data is None:
            break
        r = pb.Record()
        r.ParseFromString(data)
        out.append(r)
    ds.close()
    return out


def kind(r):
    return r.WhichOneof("record_type")


def items_to_dict(items):
    """HistoryItem/SummaryItem/ConfigItem list -> nested dict, accepting `key` or `nested_key`."""
    out = {}
    for it in items:
        path = list(it.nested_key) if it.nested_key else [it.key]
        d = out
        for p in path[:-1]:
            d = d.setdefault(p, {})
        d[path[-1]] = json.loads(it.value_json)  # accepts NaN / Infinity as W&B writes them
    return out


def same(a, b, rel=1e-12):
    """Deep equality where numbers compare as floats (1 == 1.0), NaN == NaN."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b))
    return a == b


def spec_value(v):
    """The Python value a spec-encoded value stands for (see tests/wandb/wandb_driver.cpp)."""
    (k, x), = v.items()
    if k == "nan":
        return float("nan")
    if k == "inf":
        return float("inf")
    if k == "-inf":
        return float("-inf")
    if k == "s" and x.startswith('{"_type":'):
        return json.loads(x)
    return x


def run_driver(driver, spec, workdir, env=None, mode="run", extra=()):
    path = os.path.join(workdir, f"spec-{os.getpid()}-{len(os.listdir(workdir))}.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return subprocess.run([driver, mode, path, *extra], capture_output=True, text=True, env=env, timeout=60)


def clean_env(home):
    """An environment with no real W&B credentials and HOME in a temp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "NETRC"}
    env["HOME"] = home
    return env


class Checker:
    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)

    def done(self, name, workdir=None):
        """Exit status; the temp dir is removed on success and kept (and named) on failure."""
        if self.failures:
            print(f"{name}: {len(self.failures)} failure(s)" + (f"; files kept in {workdir}" if workdir else ""))
            return 1
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        print(f"{name}: ok")
        return 0


def tempdir():
    return tempfile.mkdtemp(prefix="vitals_wandb_")
