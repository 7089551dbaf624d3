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


def sender_payloads(path, workdir):
    """Replays a .wandb file through wandb's own `wandb sync` sender (sync.py's loop over
    sender.SendManager) with the network stubbed out, and returns what it would upload:
    (file-stream pushes [(file name, parsed JSON)], upsert_run calls [kwargs], alerts [kwargs])."""
    from unittest import mock

    from wandb.sdk.internal import sender

    pushes, upserts, alerts = [], [], []

    class FakeFileStream:
        def __init__(self, *a, **k):
            pass

        def push(self, name, data):
            pushes.append((name, json.loads(data)))

        def __getattr__(self, name):
            return lambda *a, **k: None

    class FakeApi:
        def upsert_run(self, **kw):
            upserts.append(kw)
            return ({"name": kw.get("name"), "project": {"name": kw.get("project"), "entity": {"name": kw.get("entity")}}},
                    True, [])

        def notify_scriptable_run_alert(self, **kw):
            alerts.append(kw)

        def __getattr__(self, name):
            return lambda *a, **k: None

    root = tempfile.mkdtemp(prefix="sync-", dir=workdir)
    os.makedirs(os.path.join(root, "files"))
    with mock.patch.object(sender.file_stream, "FileStreamApi", FakeFileStream), \
            mock.patch.object(sender, "FilePusher", mock.MagicMock()), \
            mock.patch.object(sender, "DirWatcher", mock.MagicMock()):
        sm = sender.SendManager.setup(root, None)
        sm._api = FakeApi()
        sm._max_cli_version = lambda: "0.22.3"  # the server version gate for alerts
        exit_pb = None
        for pb in read_records(path):  # the same dispatch as wandb/sync/sync.py
            k = kind(pb)
            if k == "run":
                pb.control.req_resp = True
            elif k == "exit":
                exit_pb = pb
                continue
            elif k == "final":
                if exit_pb is None:
                    raise AssertionError("final seen without exit")
                pb, exit_pb = exit_pb, None
            sm.send(pb)
            while not sm._record_q.empty():
                sm.send(sm._record_q.get(block=True))
            if pb.control.req_resp:
                sm._result_q.get(block=True)
        sm.finish()
    return pushes, upserts, alerts
