"""Oracle for the TensorBoard sink: reads what tensorboard_driver writes with tensorboard's own
event-file readers (the raw Event loader and EventAccumulator) and compares every tag, step, value
(at float32 precision) and the file version with what the driver logged.

usage: tb_oracle.py <tensorboard_driver>
"""
import glob
import math
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

DRIVER = sys.argv[1]
NAME_RE = re.compile(r"^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$")


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def expected_steps():
    """What tensorboard_driver's run mode logs (keep in step with step_metrics there)."""
    steps = {}
    for step in range(5):
        steps[step] = {
            "train/loss": 1.0 / (step + 1),
            "epoch": float(step * 10),
            "flag": 1.0 if step % 2 == 1 else 0.0,
            "zero": 0.0,
            "neg": -2.5 * step,
            "nan": float("nan"),
            "inf": float("inf"),
            "ninf": float("-inf"),
            "big_int": float(1 << 40),
        }
    steps[7] = {"last": 7.0}
    return steps


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def one_event_file(run_dir):
    files = glob.glob(os.path.join(run_dir, "tensorboard", "*"))
    check(len(files) == 1, f"one event file expected in {run_dir}/tensorboard, got {files}")
    path = files[0]
    m = NAME_RE.match(os.path.basename(path))
    check(m is not None, f"file name pattern: {os.path.basename(path)}")
    return path, m


def test_run(tmp):
    out = subprocess.run([DRIVER, "run", tmp], check=True, capture_output=True, text=True).stdout
    run_dir = out.strip().splitlines()[-1]
    path, m = one_event_file(run_dir)
    check(m.group(2) == socket.gethostname(), f"host in name: {m.group(2)} != {socket.gethostname()}")
    check(abs(int(m.group(1)) - time.time()) < 600, f"time in name: {m.group(1)}")

    events = list(LegacyEventFileLoader(path).Load())
    check(events[0].file_version == "brain.Event:2", f"file_version: {events[0].file_version!r}")
    check(not events[0].HasField("summary"), "first event holds no summary")

    exp = expected_steps()
    got = {}
    histos = {}
    for e in events[1:]:
        check(e.wall_time > 1.6e9, f"wall_time {e.wall_time}")
        check(e.step not in got and e.step not in histos, f"one event per step, step {e.step} repeated")
        for v in e.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                got.setdefault(e.step, {})[v.tag] = v.simple_value
            elif kind == "histo":
                histos[e.step] = (v.tag, v.histo)
            else:
                check(False, f"unexpected value kind {kind} for {v.tag}")
    check(sorted(got) == sorted(exp), f"steps {sorted(got)} != {sorted(exp)}")
    for step, vals in exp.items():
        check(set(got[step]) == set(vals), f"step {step}: tags {sorted(got[step])} != {sorted(vals)}")
        for tag, x in vals.items():
            check(same(got[step][tag], f32(x)), f"step {step} {tag}: {got[step][tag]} != {f32(x)}")

    check(sorted(histos) == [5], f"histogram steps {sorted(histos)}")
    tag, h = histos[5]
    check(tag == "weights", tag)
    check((h.min, h.max, h.num) == (0.0, 3.0, 6.0), f"histogram min/max/num {h.min} {h.max} {h.num}")
    check(list(h.bucket_limit) == [1.0, 2.0, 3.0] and list(h.bucket) == [1.0, 2.0, 3.0], f"buckets {h}")

    # The high-level reader TensorBoard's UI is built on.
    acc = EventAccumulator(path, size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    all_tags = sorted({t for vals in exp.values() for t in vals})
    check(sorted(tags["scalars"]) == all_tags, f"accumulator scalar tags {tags['scalars']}")
    for tag in all_tags:
        series = {(s.step): s.value for s in acc.Scalars(tag)}
        want = {step: f32(vals[tag]) for step, vals in exp.items() if tag in vals}
        check(sorted(series) == sorted(want), f"{tag}: steps {sorted(series)}")
        for step, x in want.items():
            check(same(series[step], x), f"accumulator {tag}@{step}: {series[step]} != {x}")
    check(tags["histograms"] == ["weights"], f"accumulator histogram tags {tags['histograms']}")
    hv = acc.Histograms("weights")
    check(len(hv) == 1 and hv[0].step == 5 and hv[0].histogram_value.num == 6, f"accumulator histogram {hv}")
    print(f"run: {len(events)} events, {sum(len(v) for v in got.values())} scalars match")


def test_crash(tmp):
    out = subprocess.run([DRIVER, "crash", tmp], check=True, capture_output=True, text=True).stdout
    path = out.strip().splitlines()[-1]
    check(os.path.dirname(path) == os.path.join(tmp, "tensorboard"), f"crash file dir {path}")
    m = NAME_RE.match(os.path.basename(path))
    check(m is not None and m.group(1) == "1700000000", f"crash file name {path}")
    events = list(LegacyEventFileLoader(path).Load())
    check(events[0].file_version == "brain.Event:2" and events[0].wall_time == 1700000000.25, "crash file_version event")
    steps = [(e.step, e.summary.value[0].tag, e.summary.value[0].simple_value) for e in events[1:]]
    check(steps == [(0, "x", 0.0), (1, "x", 1.0), (2, "x", 2.0)], f"records up to the last flush: {steps}")
    print("crash: the 3 flushed records read back, the unflushed 2 are absent")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for name, test in (("run", test_run), ("crash", test_crash)):
            os.makedirs(os.path.join(tmp, name))
            test(os.path.join(tmp, name))
    print("ok")


if __name__ == "__main__":
    main()
