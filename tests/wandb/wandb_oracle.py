"""Shared helpers for the W&B oracle tests (wandb 0.31): read a .wandb file with our own reader
(tests/wandb/wandb_reader.py: framing and checksums checked here, records decoded with wandb's own
protobuf classes), list it with wandb's Go reader (`wandb leet inspect --json`), upload it with the
real `wandb sync` to a local stand-in server (tests/wandb/fake_wandb_server.py), and turn records
into plain Python values for comparison."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_wandb_server import FakeWandbServer, sync_file  # noqa: E402,F401
from wandb_reader import WandbLogError, read_log, read_records  # noqa: E402,F401


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
            print("FAIL:", what if len(what) < 3000 else what[:1500] + " ... " + what[-1500:])

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


def tempdir_with_home():
    """A fresh work folder and, inside it, the HOME the wandb CLI/SDK runs with (kept out of ~)."""
    work = tempdir()
    home = os.path.join(work, "home")
    os.makedirs(home)
    return work, home


def leet_inspect(path, home):
    """wandb's own Go reader over the file: `wandb leet inspect --json <file>` -> (records as dicts,
    stderr, return code). A damaged file makes it say "corrupt" or "incomplete" on stderr."""
    env = clean_env(home)
    p = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json", path], capture_output=True,
                       text=True, env=env, cwd=home, timeout=120)
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return recs, p.stderr, p.returncode


def leet_problems(stderr):
    """What `wandb leet inspect` complained about (skipped corrupt data, an incomplete file)."""
    return [line for line in stderr.splitlines() if "corrupt" in line or "incomplete" in line or "error" in line.lower()]


def sync_run(run_dir, timeout=180):
    """Uploads a run directory with the real `wandb sync` to a fresh stand-in server; returns
    (server, SyncResult). The server's accessors give what arrived."""
    with FakeWandbServer() as srv:
        result = sync_file(run_dir, srv, timeout=timeout)
    return srv, result
