"""Full disks and file-size limits: every file a run writes reads back whole.

Runs disk_full_driver (JSONL + CSV + TensorBoard + W&B offline, thousands of rows) with
  rlimit: RLIMIT_FSIZE at 4 KiB, 50 KiB, 200 KiB (writes past it fail with EFBIG, or SIGXFSZ
          kills the process unless vitals ignores it), with the sinks' default buffers and with
          small ones (many partial batches), plus an unlimited control run;
  tmpfs:  a 256 KiB tmpfs mounted here (ENOSPC mid-run), and one filled up before the run starts
          (the run must fail at start with a clear error and leave nothing behind); exits 77
          (skipped) when mount is not permitted.
and checks that
  - the process exits 0 (training went on), with SIGXFSZ at SIG_DFL when vitals started;
  - metrics.jsonl parses line by line with json.loads, steps 0..k-1 with no gap;
  - metrics.csv parses with pandas (every row has every column), steps 0..k-1;
  - the TensorBoard event file reads with tensorboard's record reader with no truncation or CRC
    error, every byte of the file in whole records, steps 0..k-1;
  - the .wandb file reads with the framing reader (tests/wandb/wandb_reader.py, every checksum,
    ending exactly at a record end), `wandb leet inspect --json` (wandb's Go reader) reads the
    same number of records, and the real `wandb sync` uploads its history to a local stand-in
    server (tests/wandb/fake_wandb_server.py);
  - a sink whose file is incomplete reported exactly one error (driver stdout and metadata.json
    sink_errors), no sink reported two; under RLIMIT_FSIZE exactly the sinks whose full output
    exceeds the limit fail;
  - summary.json and metadata.json are valid JSON or absent, never partial; no temporary file is
    left behind; vitals.log holds whole lines.

usage: test_disk_full.py <disk_full_driver> rlimit|tmpfs
"""
import glob
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
import wandb_reader  # noqa: E402

try:
    import fake_wandb_server  # noqa: E402
except ImportError:  # the stand-in server is optional: without it the sync check is skipped
    fake_wandb_server = None

from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.compat.tensorflow_stub import errors as tb_errors  # noqa: E402
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New, masked_crc32c  # noqa: E402

DRIVER = sys.argv[1]
MODE = sys.argv[2] if len(sys.argv) > 2 else "rlimit"
ROWS = 3000
SINKS = ("jsonl", "csv", "tensorboard", "wandb")
# Once the run sets space aside for its last files, a full disk must still get them finalised.
_RUN_HPP = os.path.join(os.environ.get("VITALS_SOURCE_DIR", os.path.join(HERE, "..", "..")), "include", "vitals", "run", "run.hpp")
RUN_RESERVES_SPACE = os.path.exists(_RUN_HPP) and "disk_reserve" in open(_RUN_HPP).read()
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


# --- running the driver ----------------------------------------------------------------------------
def run_driver(runs, limit=None, flush_bytes=0, interval_ms=1000, rows=ROWS):
    def pre():
        if limit is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    # restore_signals (the default) gives the child SIGXFSZ at SIG_DFL: Python itself ignores it.
    p = subprocess.run([DRIVER, runs, str(rows), str(flush_bytes), str(interval_ms)], preexec_fn=pre,
                       capture_output=True, text=True, timeout=300, restore_signals=True)
    out = {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr, "errors": [], "run_dir": None, "steps": None}
    for line in p.stdout.splitlines():
        key, _, rest = line.partition(" ")
        if key == "run_dir":
            out["run_dir"] = rest
        elif key == "steps":
            out["steps"] = int(rest)
        elif key == "sink_error":
            out["errors"].append(rest)
        elif key == "sigxfsz":
            out["sigxfsz"] = rest
        elif key == "start_error":
            out["start_error"] = rest
    return out


def sink_of(error_line):
    name = error_line.split(":", 1)[0].strip()
    return {"wandb_sink": "wandb", "wandb_offline": "wandb"}.get(name, name)


# --- readers -----------------------------------------------------------------------------------------
def read_jsonl(path, what):
    if not os.path.exists(path):
        return []
    data = open(path, "rb").read()
    check(data == b"" or data.endswith(b"\n"), f"{what}: metrics.jsonl ends in a partial line ({data[-40:]!r})")
    rows = []
    for n, line in enumerate(data.split(b"\n")[:-1] if data else []):
        try:
            rows.append(json.loads(line))
        except ValueError as e:
            check(False, f"{what}: metrics.jsonl line {n + 1} is not JSON ({e}): {line[:80]!r}")
            break
    return [r["_step"] for r in rows]


def read_csv(path, what):
    if not os.path.exists(path):
        return []
    data = open(path, "rb").read()
    check(data == b"" or data.endswith(b"\n"), f"{what}: metrics.csv ends in a partial row ({data[-40:]!r})")
    if not data:
        return []
    try:
        df = pd.read_csv(path, on_bad_lines="error", keep_default_na=True)
    except Exception as e:  # pandas.errors.ParserError and friends
        check(False, f"{what}: pandas cannot read metrics.csv: {e}")
        return []
    for col in ("_step", "_runtime", "_timestamp", "train/loss"):
        if len(df):
            check(col in df.columns, f"{what}: metrics.csv lacks column {col}")
    if len(df):
        check(df["_runtime"].notna().all() and df["_timestamp"].notna().all(),
              f"{what}: metrics.csv has rows without _runtime/_timestamp (torn)")
    return [int(s) for s in df["_step"]] if "_step" in df.columns else []


def read_tfevents(run_dir, what):
    files = glob.glob(os.path.join(run_dir, "tensorboard", "events.out.tfevents.*"))
    if not files:
        return None
    check(len(files) == 1, f"{what}: one event file expected, got {files}")
    path = files[0]
    data = open(path, "rb").read()
    # Our own walk: the file must be whole records and nothing else.
    pos, n = 0, 0
    while pos < len(data):
        if not check(len(data) - pos >= 12, f"{what}: event file ends in a torn record header at {pos}"):
            break
        (length,) = struct.unpack_from("<Q", data, pos)
        (lcrc,) = struct.unpack_from("<I", data, pos + 8)
        if not check(lcrc == masked_crc32c(data[pos:pos + 8]), f"{what}: event file length CRC bad at {pos}"):
            break
        if not check(pos + 12 + length + 4 <= len(data), f"{what}: event file ends in a torn record at {pos}"):
            break
        (dcrc,) = struct.unpack_from("<I", data, pos + 12 + length)
        if not check(dcrc == masked_crc32c(data[pos + 12:pos + 12 + length]), f"{what}: event file data CRC bad at {pos}"):
            break
        pos += 12 + length + 4
        n += 1
    # TensorBoard's own record reader (it raises on truncation and CRC errors).
    steps = []
    events = []
    if data:
        reader = PyRecordReader_New(path)
        while True:
            try:
                reader.GetNext()
            except tb_errors.OutOfRangeError:
                break
            except Exception as e:
                check(False, f"{what}: tensorboard's reader: {type(e).__name__}: {e}")
                break
            ev = event_pb2.Event()
            ev.ParseFromString(reader.record())
            events.append(ev)
        check(len(events) == n, f"{what}: tensorboard read {len(events)} records, the framing walk {n}")
        if events:
            check(events[0].file_version == "brain.Event:2", f"{what}: first event is not the file version")
        steps = [ev.step for ev in events[1:]]
    return steps


def wandb_file(run_dir):
    files = glob.glob(os.path.join(run_dir, "wandb", "offline-run-*", "run-*.wandb"))
    return files[0] if files else None


def read_wandb(run_dir, what, sync):
    path = wandb_file(run_dir)
    if path is None:
        return None
    try:
        log = wandb_reader.read_log(path)  # strict: any damage raises
    except wandb_reader.WandbLogError as e:
        check(False, f"{what}: .wandb framing reader: {e}")
        return []
    check(log.end == log.size, f"{what}: .wandb has {log.size - log.end} bytes after its last whole record")
    check(not log.unpadded_end, f"{what}: .wandb ends 1..6 bytes before a block end without its trailer")
    kinds = [wandb_reader.kind(r) for r in log.records]
    if kinds:
        check(kinds[0] == "run", f"{what}: first .wandb record is {kinds[0]}, not run")
    steps = [r.history.step.num for r in log.records if wandb_reader.kind(r) == "history"]
    # wandb's Go reader.
    leet = shutil.which("wandb")
    if leet and log.records:
        p = subprocess.run([leet, "leet", "inspect", "--json", path], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "WANDB_SILENT": "true"})
        lines = [ln for ln in p.stdout.splitlines() if ln.strip().startswith("{")]
        check(p.returncode == 0, f"{what}: wandb leet inspect exited {p.returncode}: {p.stderr[-300:]}")
        check(len(lines) == len(log.records),
              f"{what}: wandb leet inspect read {len(lines)} records, the framing reader {len(log.records)}: {p.stderr[-300:]}")
        check("invalid" not in p.stderr.lower() and "error" not in p.stderr.lower(),
              f"{what}: wandb leet inspect complained: {p.stderr[-300:]}")
    if sync and fake_wandb_server is not None and log.records:
        # `wandb sync` writes beside the file (a .synced marker, its debug logs): sync a copy on a
        # disk with room, the bytes are the same.
        scratch = tempfile.mkdtemp(prefix="vitals_disk_full_sync_")
        try:
            copy = os.path.join(scratch, os.path.basename(os.path.dirname(path)))
            shutil.copytree(os.path.dirname(path), copy)
            with fake_wandb_server.FakeWandbServer() as srv:
                res = fake_wandb_server.sync_file(copy, srv)
                check(res.returncode == 0, f"{what}: wandb sync failed ({res.returncode}): {res.stdout[-300:]} {res.stderr[-300:]}")
                try:
                    rows = srv.history_rows()
                except AssertionError as e:
                    check(False, f"{what}: wandb sync: {e}: {res.stdout[-300:]} {res.stderr[-300:]}")
                    rows = []
                check(len(rows) == len(steps), f"{what}: wandb sync uploaded {len(rows)} history rows, the file holds {len(steps)}")
                check([r.get("_step") for r in rows] == steps, f"{what}: wandb sync uploaded other steps than the file holds")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return steps


def check_run_files(run_dir, what):
    """summary.json / metadata.json / config.json whole or absent, no temporaries, whole log lines."""
    meta = None
    for name in ("summary.json", "metadata.json", "config.json"):
        p = os.path.join(run_dir, name)
        if os.path.exists(p):
            try:
                doc = json.load(open(p))
                if name == "metadata.json":
                    meta = doc
            except ValueError as e:
                check(False, f"{what}: {name} is not valid JSON ({e})")
    for root, _, files in os.walk(run_dir):
        for f in files:
            check(".tmp" not in f, f"{what}: temporary file left behind: {os.path.join(root, f)}")
    log = os.path.join(run_dir, "vitals.log")
    if os.path.exists(log):
        data = open(log, "rb").read()
        check(data == b"" or data.endswith(b"\n"), f"{what}: vitals.log ends in a partial line")
    print(f"    summary.json {'written' if os.path.exists(os.path.join(run_dir, 'summary.json')) else 'absent'}, "
          f"metadata.json {'finalised' if meta and 'exit_code' in meta else 'as at start' if meta else 'absent'}")
    return meta


def contiguous(steps):
    return steps == list(range(len(steps)))


def check_run(res, what, expect_fail=None, sync=False):
    """Reads everything back. expect_fail: the set of sinks that must fail (None: any set)."""
    print(f"--- {what}: rc={res['rc']} errors={res['errors']}")
    check(res["rc"] == 0, f"{what}: driver exited {res['rc']} (a signal if negative): {res['stderr'][-500:]}")
    check(res.get("sigxfsz") == "SIG_DFL", f"{what}: SIGXFSZ was not at SIG_DFL when vitals started ({res.get('sigxfsz')})")
    run_dir = res["run_dir"]
    if not check(run_dir and os.path.isdir(run_dir), f"{what}: no run directory"):
        return
    total = res["steps"]
    check(total is not None and total > ROWS, f"{what}: driver did not report its steps")
    got = {
        "jsonl": read_jsonl(os.path.join(run_dir, "metrics.jsonl"), what),
        "csv": read_csv(os.path.join(run_dir, "metrics.csv"), what),
        "tensorboard": read_tfevents(run_dir, what),
        "wandb": read_wandb(run_dir, what, sync),
    }
    errors = {}
    for e in res["errors"]:
        errors.setdefault(sink_of(e), []).append(e)
    for s, lst in errors.items():
        check(len(lst) == 1, f"{what}: sink {s} reported {len(lst)} errors: {lst}")
        check(s in SINKS, f"{what}: unexpected sink name in error {lst}")
    for s in SINKS:
        steps = got[s] or []
        check(contiguous(steps), f"{what}: {s} steps are not 0..{len(steps) - 1} (first gap near {next((i for i, x in enumerate(steps) if x != i), None)})")
        complete = len(steps) == total
        if not complete:
            check(s in errors, f"{what}: {s} holds {len(steps)} of {total} rows but reported no error")
        if expect_fail is not None:
            if s in expect_fail:
                check(s in errors, f"{what}: {s} should have failed (its output exceeds the limit)")
            else:
                check(s not in errors, f"{what}: {s} failed but its output fits: {errors.get(s)}")
                check(complete, f"{what}: {s} holds {len(steps)} of {total} rows")
        print(f"    {s:12s} {len(steps):5d} of {total} rows{'  error: ' + errors[s][0][:150] if s in errors else ''}")
    meta = check_run_files(run_dir, what)
    if meta is not None and "exit_code" in meta:  # finalised: it lists the same errors
        check(sorted(meta.get("sink_errors", [])) == sorted(res["errors"]),
              f"{what}: metadata.json sink_errors {meta.get('sink_errors')} != reported {res['errors']}")
        check(meta["exit_code"] == 0, f"{what}: metadata exit_code {meta['exit_code']}")
    return got


def file_sizes(run_dir, missing_ok=False):
    paths = {"jsonl": os.path.join(run_dir, "metrics.jsonl"),
             "csv": os.path.join(run_dir, "metrics.csv"),
             "tensorboard": (glob.glob(os.path.join(run_dir, "tensorboard", "*")) or [None])[0],
             "wandb": wandb_file(run_dir)}
    out = {}
    for s, p in paths.items():
        if p and os.path.exists(p):
            out[s] = os.path.getsize(p)
        elif not missing_ok:
            check(False, f"{run_dir}: no {s} file")
    return out


# --- modes -------------------------------------------------------------------------------------------
def sigxfsz_positive_control(work):
    """The limit is real: a plain program writing past it is killed by SIGXFSZ."""
    def pre():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    p = subprocess.run(["sh", "-c", f"head -c 100000 /dev/zero > {work}/big"], preexec_fn=pre, restore_signals=True)
    check(p.returncode in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ), f"positive control: dd past RLIMIT_FSIZE gave {p.returncode}, not SIGXFSZ")


def mode_rlimit(work):
    sigxfsz_positive_control(work)
    control = run_driver(os.path.join(work, "control"))
    got = check_run(control, "control (no limit)", expect_fail=set(), sync=True)
    sizes = file_sizes(control["run_dir"])
    print("    full sizes:", sizes)
    for limit in (4 << 10, 50 << 10, 200 << 10):
        expect = {s for s, n in sizes.items() if n > limit}
        for flush_bytes, interval in ((0, 1000), (4096, 20)):
            what = f"RLIMIT_FSIZE {limit // 1024} KiB, flush_bytes {flush_bytes or 'default'}"
            res = run_driver(os.path.join(work, f"l{limit}_{flush_bytes}"), limit=limit, flush_bytes=flush_bytes, interval_ms=interval)
            check_run(res, what, expect_fail=expect, sync=(limit == 200 << 10))
            # A short write is cut back to its last whole record, not to the start of its batch:
            # append-only files end within one record of the limit.
            if res["run_dir"]:
                for s, n in file_sizes(res["run_dir"], missing_ok=True).items():
                    if s in expect and s != "csv":  # a failed CSV rewrite keeps the old, shorter file
                        check(limit - 1024 < n <= limit, f"{what}: {s} file is {n} bytes, not within 1 KiB under the limit")
    return 0


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    try:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True, text=True)
    except OSError as e:  # no mount(8) at all
        return False, str(e)
    return p.returncode == 0, p.stderr.strip()


def umount(path):
    if os.path.ismount(path):
        subprocess.run(["umount", path], capture_output=True)


def mode_tmpfs(work):
    mnt = os.path.join(work, "mnt")
    ok, why = mount_tmpfs(mnt, "256k")
    if not ok:
        print(f"SKIP: cannot mount a tmpfs here ({why or 'mount failed'}); run as root to test a full disk")
        return 77
    try:
        for flush_bytes, interval in ((0, 1000), (4096, 20)):
            runs = os.path.join(mnt, f"runs{flush_bytes}")
            res = run_driver(runs, flush_bytes=flush_bytes, interval_ms=interval)
            what = f"256 KiB tmpfs, flush_bytes {flush_bytes or 'default'}"
            got = check_run(res, what, sync=True)
            if RUN_RESERVES_SPACE and res["run_dir"]:
                # run.hpp sets space aside at start (detail::disk_reserve) and frees it for these.
                check(os.path.exists(os.path.join(res["run_dir"], "summary.json")), f"{what}: no summary.json")
                meta = json.load(open(os.path.join(res["run_dir"], "metadata.json")))
                check("exit_code" in meta, f"{what}: metadata.json was not finalised")
                check(not os.path.exists(os.path.join(res["run_dir"], ".vitals-reserve")), f"{what}: the reserve was left behind")
            check(any(got[s] is None or len(got[s]) < res["steps"] for s in SINKS) if got else True,
                  f"{what}: nothing failed: the tmpfs was not filled")
            # Free the space for the next case.
            shutil.rmtree(runs, ignore_errors=True)
        # Full at start: fill the tmpfs, then start a run.
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        runs = os.path.join(mnt, "runs_full")
        os.makedirs(runs, exist_ok=True)
        res = run_driver(runs)
        print(f"--- full at start: rc={res['rc']} {res.get('start_error')}")
        check(res["rc"] == 3, f"full at start: the run did not fail at start (rc {res['rc']}): {res['stdout'][-300:]}")
        msg = res.get("start_error", "")
        check("No space left on device" in msg, f"full at start: message lacks the reason: {msg!r}")
        check(runs in msg, f"full at start: message lacks the path: {msg!r}")
        check(os.listdir(runs) == [], f"full at start: left behind {os.listdir(runs)}")
    finally:
        umount(mnt)
    return 0


def main():
    work = tempfile.mkdtemp(prefix="vitals_disk_full_")
    try:
        rc = mode_rlimit(work) if MODE == "rlimit" else mode_tmpfs(work)
    finally:
        umount(os.path.join(work, "mnt"))
        shutil.rmtree(work, ignore_errors=True)
    if rc == 77:
        return 77
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
