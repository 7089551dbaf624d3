"""Oracle for the log framing: vitals' log writer vs wandb 0.31's framing and its Go reader.

wandb 0.31 has no Python writer or reader any more (DataStore is gone); the reference is `frame()` in
tests/wandb/wandb_reader.py, which test_wandb_reader.py shows writes wandb 0.31's own files byte for
byte, and the judge of what wandb accepts is its Go reader (`wandb leet inspect --json`).

- records that end 0, 1, 6, 7, 8 bytes before a block end, and records > 64 KiB over 3 blocks:
  our bytes equal the reference framing's bytes (plus the zero trailer we write eagerly at the
  end), and our reader returns every payload;
- the same geometries with real wandb_internal.Record payloads of those exact sizes, written by
  vitals' writer: wandb's Go reader lists every record, without complaint;
- kill -9 after a flush: the file parses cleanly (our reader and wandb's) up to exactly the
  flushed records.

usage: test_wandb_log_format.py <wandb_driver>
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wandb_reader as wr  # noqa: E402
from wandb_oracle import Checker, clean_env, kind, leet_inspect, leet_problems, read_records, tempdir  # noqa: E402

from wandb.proto import wandb_internal_pb2 as pb  # noqa: E402

BLOCK = 32768


def payload(size, i):
    return bytes(((k * 7 + i * 13) % 251) for k in range(size))  # same bytes as wandb_driver `log`


def reference_bytes(sizes):
    """The file wandb's framing gives these payloads (no eager block-tail padding, as wandb 0.31)."""
    return wr.frame([payload(s, i) for i, s in enumerate(sizes)], pad_block_tail=False)


def scan_payloads(path):
    with open(path, "rb") as f:
        return wr.read_payloads(f.read(), path=path).payloads


def record_of_size(size, i):
    """A wandb_internal.Record whose serialization is exactly `size` bytes (0 or >= 2)."""
    for num in (0, 1, 200, 20000, 3000000):
        if pb.Record(num=num).ByteSize() == size:
            return pb.Record(num=num).SerializeToString()
    for num in (0, 1, 200, 20000, 3000000):
        for pad in range(max(0, size - 40), size + 1):
            r = pb.Record(num=num)
            r.output_raw.line = "x" * pad
            if r.ByteSize() == size:
                return r.SerializeToString()
            if r.ByteSize() > size:
                break
    raise ValueError(f"no record of {size} bytes")


def main():
    driver = sys.argv[1]
    c = Checker()
    work = tempdir()
    cases = {}
    for left in (0, 1, 6, 7, 8):
        # header (7) + chunk header (7) + payload == BLOCK - left
        cases[f"left{left}"] = [BLOCK - 14 - left, 100, 5]
    cases["two_blocks_exact"] = [BLOCK - 14, BLOCK - 7, 3]  # fills block 0, then block 1 exactly
    cases["over_3_blocks"] = [70000, 10, 2 * BLOCK + 123]  # > 64 KiB: FIRST, MIDDLE, LAST
    cases["empty_records"] = [0, 0, 1]
    cases["ends_6_before"] = [BLOCK - 14 - 6]  # file ends inside a block trailer
    for name, sizes in cases.items():
        ours = os.path.join(work, name + ".vitals.wandb")
        theirs = os.path.join(work, name + ".wandb-py.wandb")
        p = subprocess.run([driver, "log", ours, *map(str, sizes)], capture_output=True, text=True)
        c.check(p.returncode == 0, f"{name}: driver rc {p.returncode} {p.stderr}")
        ref = reference_bytes(sizes)
        with open(theirs, "wb") as f:
            f.write(ref)
        with open(ours, "rb") as f:
            got = f.read()
        tail = BLOCK - len(ref) % BLOCK
        expected = ref + (b"\0" * tail if tail < 7 else b"")
        c.check(got == expected, f"{name}: bytes differ from the reference framing (ours {len(got)}, theirs {len(ref)})")
        try:
            back = scan_payloads(ours)
        except wr.WandbLogError as e:
            back = None
            c.check(False, f"{name}: our reader failed: {e}")
        if back is not None:
            c.check(back == [payload(s, i) for i, s in enumerate(sizes)], f"{name}: payloads read back differ")
        # the same geometry with real records, through vitals' writer, read by wandb's Go reader
        files = []
        for i, size in enumerate(sizes):
            files.append(os.path.join(work, f"{name}.rec{i}"))
            with open(files[-1], "wb") as f:
                f.write(record_of_size(size if size != 1 else 2, i))  # no record is 1 byte
        real = os.path.join(work, name + ".records.wandb")
        p = subprocess.run([driver, "logfiles", real, *files], capture_output=True, text=True)
        c.check(p.returncode == 0, f"{name}: driver logfiles rc {p.returncode} {p.stderr}")
        listed, err, rc = leet_inspect(real, work)
        c.check(rc == 0 and not leet_problems(err), f"{name}: wandb leet inspect complains: {err[-1000:]}")
        c.check(len(listed) == len(sizes), f"{name}: wandb's Go reader lists {len(listed)} of {len(sizes)} records")
        c.check(len(read_records(real)) == len(sizes), f"{name}: our reader")
    # sanity of the cases themselves: the over-3-blocks record really spans 3 blocks
    c.check(os.path.getsize(os.path.join(work, "over_3_blocks.vitals.wandb")) > 4 * BLOCK, "case sizes")

    # kill -9 after a flush: a run of many history rows, flushed after 40 events, then 200 more
    # rows buffered (never flushed) before the process is killed.
    out = os.path.join(work, "crash")
    events = [{"kind": "history", "step": i, "runtime": i * 0.1, "timestamp": 1.7e9 + i,
               "metrics": [[f"m{k}", {"f": i * 0.5 + k}] for k in range(10)]} for i in range(240)]
    spec = {"info": {"project": "p", "id": "crash001", "name": "crash", "dir": out, "start_time": 1.7e9, "config": {"a": 1}},
            "options": {"mode": "offline", "metrics": [{"name": "val/*", "step_metric": "epoch"}]}, "events": events}
    spec_path = os.path.join(work, "crash.json")
    import json
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    proc = subprocess.Popen([driver, "crash", spec_path, "40"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=clean_env(work))
    line = proc.stdout.readline()
    # the driver prints "flushed" before logging the remaining rows; give it the time to buffer them
    import time
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    c.check(line.strip() == "flushed 40", f"driver said {line!r}")
    c.check(proc.returncode == -signal.SIGKILL, f"killed by SIGKILL, rc {proc.returncode}")
    run_dirs = [os.path.join(out, "wandb", d) for d in os.listdir(os.path.join(out, "wandb")) if d.startswith("offline-run-")]
    path = os.path.join(run_dirs[0], "run-crash001.wandb")
    try:
        recs = read_records(path)  # no torn record: the strict reader must not fail
    except wr.WandbLogError as e:
        recs = []
        c.check(False, f"our reader failed on the killed run: {e}")
    listed, err, rc = leet_inspect(path, work)
    c.check(rc == 0 and not [l for l in leet_problems(err) if "corrupt" in l],
            f"wandb leet inspect finds damage in the killed run: {err[-1000:]}")
    c.check(len(listed) == len(recs) and [r["type"] for r in listed] == [kind(r) for r in recs],
            f"wandb's Go reader lists {len(listed)} records in the killed run, ours {len(recs)}")
    kinds = [kind(r) for r in recs if kind(r) not in ("files", "environment")]  # run metadata (issue 16)
    c.check(kinds[:3] == ["run", "metric", "metric"], f"killed run starts with run + metrics: {kinds[:3]}")
    hist = [r for r in recs if kind(r) == "history"]
    c.check(len(hist) == 40, f"killed run has exactly the 40 flushed history rows, got {len(hist)}")
    c.check([h.history.step.num for h in hist] == list(range(40)), "flushed rows in order")
    c.check("exit" not in kinds, "no exit record in a killed run")
    return c.done("wandb_log_format", work)


if __name__ == "__main__":
    sys.exit(main())
