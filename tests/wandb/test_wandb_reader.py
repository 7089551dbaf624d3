"""Oracle for our own .wandb reader (tests/wandb/wandb_reader.py), which the other W&B tests rely on.

1. A run written by Python wandb 0.31 itself (offline mode; its Go core writes the file), with
   records over several blocks: our reader returns every record wandb's own Go reader
   (`wandb leet inspect --json`) lists, in order, with the values that were logged; re-framing the
   payloads with the reference writer `frame()` gives wandb's file back byte for byte.
2. Damage: one flipped byte anywhere in a chunk (header or payload) makes the strict reader fail
   naming that chunk's offset, and the tolerant reader stops at the last whole record before it;
   a file cut anywhere is "torn" and the tolerant reader returns exactly the records wholly before
   the cut; wandb's Go reader also calls those files damaged.
3. A run vitals writes (tests/wandb/wandb_driver.cpp): both readers agree on every record.

usage: test_wandb_reader.py <wandb_driver>
"""
import glob
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wandb_reader as wr  # noqa: E402
from wandb_oracle import Checker, clean_env, items_to_dict, kind, leet_inspect, leet_problems, run_driver, same, tempdir_with_home  # noqa: E402

BIG = "0123456789abcdef" * 4500  # a 72000-character string: one record over three blocks
ROWS = 120

PY_RUN = r"""
import json, sys, wandb
spec = json.load(open(sys.argv[1]))
run = wandb.init(project="reader", entity="team", id="rdr00001", name="reader-oracle", config=spec["config"],
                 dir=sys.argv[2], mode="offline",
                 settings=wandb.Settings(silent=True, x_disable_stats=True, console="off", save_code=False))
for row in spec["rows"]:
    vals = {k: float(v) if isinstance(v, str) and v in ("nan", "inf", "-inf") else v for k, v in row["values"].items()}
    run.log(vals, step=row["step"])
run.alert(title="reader", text="an alert", level=wandb.AlertLevel.WARN)
run.summary["final"] = 0.125
run.finish(exit_code=spec["exit_code"])
wandb.teardown()
"""


def make_spec():
    rows = []
    for step in range(ROWS):
        v = {f"m/{k:02d}": step * 0.5 + k / 3 for k in range(30)}
        v["count"] = step
        v["flag"] = step % 2 == 0
        if step == 3:
            v.update({"bad/nan": "nan", "bad/inf": "inf", "bad/ninf": "-inf"})
        if step == 10:
            v["big"] = BIG
        rows.append({"step": step, "values": v})
    return {"config": {"lr": 0.01, "nested": {"a": [1, 2, 3]}}, "rows": rows, "exit_code": 2}


def logged(value):
    return float(value) if isinstance(value, str) and value in ("nan", "inf", "-inf") else value


def python_file(c, work, spec):
    spec_path = os.path.join(work, "py_spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    script = os.path.join(work, "py_run.py")
    with open(script, "w") as f:
        f.write(PY_RUN)
    out = os.path.join(work, "python")
    env = clean_env(os.path.join(work, "home"))
    p = subprocess.run([sys.executable, script, spec_path, out], capture_output=True, text=True, env=env, timeout=300)
    c.check(p.returncode == 0, f"python wandb run rc {p.returncode}: {p.stderr[-2000:]}")
    path = glob.glob(os.path.join(out, "wandb", "offline-run-*", "*.wandb"))[0]
    for _ in range(100):  # bounded wait for wandb-core's writer to put the exit record on disk
        log = wr.read_log(path, stop_at_damage=True)
        if any(kind(r) == "exit" for r in log.records) and not log.error:
            break
        time.sleep(0.1)
    return path


def compare_with_leet(c, name, path, records, home):
    """Our records vs wandb's Go reader: same count, nums, types, and history/summary values."""
    theirs, err, rc = leet_inspect(path, home)
    c.check(rc == 0 and not leet_problems(err), f"{name}: wandb leet inspect rc {rc}: {err[-1000:]}")
    c.check(len(theirs) == len(records), f"{name}: leet lists {len(theirs)} records, we read {len(records)}")
    c.check([(t.get("num"), t.get("type")) for t in theirs] == [(r.num, kind(r)) for r in records],
            f"{name}: (num, type) sequences differ")
    for t, r in zip(theirs, records):
        k = kind(r)
        if k == "history":
            c.check(same(flatten(r.history.item), leet_values(t["history"]["item"])), f"{name}: history {r.num} differs")
        elif k == "summary":
            c.check(same(flatten(r.summary.update), leet_values(t["summary"].get("update", {}))),
                    f"{name}: summary {r.num} differs: {t['summary']}")
        elif k == "exit":
            c.check(t["exit"].get("exit_code", 0) == r.exit.exit_code, f"{name}: exit code differs")
    return theirs


def flatten(items):
    """HistoryItem/SummaryItem list -> {"a.b": value}: how `wandb leet inspect` prints keys."""
    return {".".join(it.nested_key) if it.nested_key else it.key: json.loads(it.value_json) for it in items}


def leet_values(d):
    """leet prints non-finite numbers as the strings "NaN", "Infinity", "-Infinity"."""
    return {k: float(v) if v in ("NaN", "Infinity", "-Infinity") else v for k, v in d.items()}


def main():
    driver = sys.argv[1]
    c = Checker()
    work, home = tempdir_with_home()

    # 1. wandb 0.31's own file
    spec = make_spec()
    path = python_file(c, work, spec)
    log = wr.read_log(path)
    recs = log.records
    kinds = [kind(r) for r in recs]
    print(f"python wandb file: {log.size} bytes, {len(recs)} records: " +
          ", ".join(f"{k} x{kinds.count(k)}" for k in sorted(set(kinds))))
    c.check(log.size > 3 * wr.BLOCK, f"the python file spans several blocks ({log.size} bytes)")
    with open(path, "rb") as f:
        data = f.read()
    cmap = wr.chunk_map(data)
    c.check({t for _, t, _ in cmap} == {wr.FULL, wr.FIRST, wr.MIDDLE, wr.LAST}, "all four chunk types occur")
    c.check(wr.frame(log.payloads, pad_block_tail=False) == data, "frame(payloads) == wandb's own bytes")
    c.check(log.end == log.size and log.error is None and not log.unpadded_end, "whole file read")
    c.check(kinds[0] == "header" and "run" in kinds and kinds[-1] in ("exit", "final"), f"kinds {kinds[:3]}..{kinds[-2:]}")
    c.check([r.num for r in recs] == list(range(1, len(recs) + 1)), "Record.num 1, 2, ...")
    run = next(r.run for r in recs if kind(r) == "run")
    c.check((run.run_id, run.project, run.entity, run.display_name) == ("rdr00001", "reader", "team", "reader-oracle"),
            f"run record {run.run_id} {run.project}")
    cfg = items_to_dict(run.config.update)
    c.check(same({k: v for k, v in cfg.items() if k != "_wandb"}, spec["config"]), f"config {cfg}")
    hist = [r.history for r in recs if kind(r) == "history"]
    c.check(len(hist) == ROWS, f"{len(hist)} history records, logged {ROWS}")
    for h, row in zip(hist, spec["rows"]):
        got = items_to_dict(h.item)
        for t in ("_runtime", "_timestamp"):
            c.check(isinstance(got.pop(t, None), float), f"step {row['step']}: {t}")
        want = {k: logged(v) for k, v in row["values"].items()}
        want["_step"] = row["step"]
        c.check(same(got, want), f"step {row['step']} read back differs: {sorted(set(got) ^ set(want))}")
        c.check(h.step.num == row["step"], f"history.step {h.step.num}")
    big = next(r for r in recs if kind(r) == "history" and r.history.step.num == 10)
    big_off = log.offsets[recs.index(big)]
    c.check([t for o, t, _ in cmap if big_off <= o < big_off + len(BIG) + 3 * 7][:3] == [wr.FIRST, wr.MIDDLE, wr.LAST],
            "the big row is FIRST, MIDDLE, LAST")
    c.check(next(r.exit.exit_code for r in recs if kind(r) == "exit") == spec["exit_code"], "exit code")
    alerts = [r.alert for r in recs if kind(r) == "alert"]
    c.check(len(alerts) == 1 and alerts[0].title == "reader", "alert")
    leet = compare_with_leet(c, "python", path, recs, home)
    c.check(any(t["type"] == "history" and t["history"]["item"].get("big") == BIG for t in leet), "leet reads the big row")

    # the CLI prints every record
    p = subprocess.run([sys.executable, wr.__file__, "--json", path], capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    c.check(p.returncode == 0 and len(lines) == len(recs), f"CLI --json rc {p.returncode}, {len(lines)} lines")
    c.check(json.loads(lines[0])["type"] == "header" and json.loads(lines[-1])["offset"] == log.offsets[-1], "CLI JSON")

    # 2. damage: one flipped byte in every chunk's header fields and payload
    damaged = os.path.join(work, "damaged.wandb")
    record_of = {}  # chunk offset -> index of the record it belongs to
    ri = -1
    for off, t, _ in cmap:
        if t in (wr.FULL, wr.FIRST):
            ri += 1
        record_of[off] = ri
    tested = 0
    for idx in sorted(set(range(0, len(cmap), 7)) | {len(cmap) - 1} |
                      {i for i, (o, t, _) in enumerate(cmap) if t in (wr.MIDDLE, wr.LAST)}):
        off, typ, length = cmap[idx]
        for where in ("crc", "length", "type", "payload"):
            at = {"crc": off + 1, "length": off + 4, "type": off + 6, "payload": off + 7 + length // 2}[where]
            if where == "payload" and length == 0:
                continue
            bad = bytearray(data)
            bad[at] ^= 0x5A if where != "type" else 0x01 if typ != 1 else 0x04
            with open(damaged, "wb") as f:
                f.write(bad)
            try:
                wr.read_records(damaged)
                c.check(False, f"flipped {where} byte at {at} (chunk at {off}) not detected")
                continue
            except wr.WandbLogError as e:
                # a bad length can make the chunk overrun its block or the file: still this chunk
                c.check(e.offset == off, f"flipped {where} at {at}: error names offset {e.offset}, chunk is at {off}: {e}")
                c.check(str(off) in str(e) and "damaged.wandb" in str(e), f"message names the offset and file: {e}")
            part = wr.read_log(damaged, stop_at_damage=True)
            want = record_of[off]
            c.check(len(part.records) == want and [r.num for r in part.records] == [r.num for r in recs[:want]],
                    f"flipped {where} at {at}: tolerant read {len(part.records)} records, want {want}")
            c.check(part.error is not None and part.tail == log.size - part.end and part.end <= off,
                    f"tolerant read reports the tail ({part.tail} bytes from {part.end})")
            tested += 1
    c.check(tested > 40, f"{tested} damaged files checked")
    # wandb's own reader agrees that such a file is damaged
    bad = bytearray(data)
    bad[cmap[len(cmap) // 2][0] + 7] ^= 0xFF
    with open(damaged, "wb") as f:
        f.write(bad)
    _, err, _ = leet_inspect(damaged, home)
    c.check(leet_problems(err), f"wandb leet inspect does not see the flipped byte: {err}")
    bad = bytearray(data)
    bad[0] ^= 0xFF
    with open(damaged, "wb") as f:
        f.write(bad)
    try:
        wr.read_records(damaged)
        c.check(False, "bad header not detected")
    except wr.WandbLogError as e:
        c.check(e.offset == 0 and "header" in str(e), f"bad header: {e}")

    # cuts: every whole record before the cut, nothing after; the strict reader says torn
    cuts = sorted({o + d for o, _, n in cmap[::5] for d in (1, 3, 6, 7, 8)} | {o for o, _, _ in cmap if o % wr.BLOCK == 0} |
                  {big_off + wr.BLOCK, big_off + 2 * wr.BLOCK + 100, log.size - 1})
    whole_at = set()  # cut positions that leave a whole file: a record's end, or inside the padding after it
    for o in log.offsets:
        pe = payload_end(cmap, o)
        pad = wr.BLOCK - pe % wr.BLOCK
        whole_at.update(range(pe, pe + (pad + 1 if pad < 7 else 1)))
    for cut in cuts:
        if cut >= log.size:
            continue
        with open(damaged, "wb") as f:
            f.write(data[:cut])
        whole = sum(1 for i, o in enumerate(log.offsets) if payload_end(cmap, o) <= cut)
        try:
            wr.read_records(damaged)
            strict_failed = False
        except wr.WandbLogError as e:
            strict_failed = "torn" in str(e)
        at_boundary = cut in whole_at
        c.check(strict_failed != at_boundary, f"cut at {cut}: strict reader {'failed' if strict_failed else 'passed'}")
        part = wr.read_log(damaged, stop_at_damage=True)
        c.check(len(part.records) == whole and all(a.num == b.num for a, b in zip(part.records, recs)),
                f"cut at {cut}: {len(part.records)} records, want {whole}")
        c.check(part.end <= cut and (part.end == cut) == (part.error is None), f"cut at {cut}: end {part.end}, {part.error}")
    with open(damaged, "wb") as f:
        f.write(data[:big_off + wr.BLOCK])
    _, err, _ = leet_inspect(damaged, home)
    c.check(leet_problems(err), f"wandb leet inspect does not see the torn record: {err}")

    # 3. a run vitals writes
    out = os.path.join(work, "vitals")
    vspec = {"info": {"project": "reader", "entity": "team", "id": "vit00001", "name": "vitals-run", "dir": out,
                      "config": spec["config"], "start_time": 1700000000.5},
             "options": {"mode": "offline", "metrics": [{"name": "val/*", "step_metric": "epoch"}]},
             "events": [{"kind": "history", "step": r["step"], "runtime": r["step"] * 0.1, "timestamp": 1.7e9 + r["step"],
                         "metrics": [[k, spec_value_of(v)] for k, v in r["values"].items()]} for r in spec["rows"]]
             + [{"kind": "summary", "metrics": [["final", {"f": 0.125}]]}], "exit_code": 2}
    p = run_driver(driver, vspec, work, clean_env(home))
    c.check(p.returncode == 0, f"driver rc {p.returncode}: {p.stderr}")
    vpath = glob.glob(os.path.join(p.stdout.strip().splitlines()[-1], "*.wandb"))[0]
    vlog = wr.read_log(vpath)
    c.check(vlog.size > 3 * wr.BLOCK and vlog.end == vlog.size, f"vitals file {vlog.size} bytes read whole")
    with open(vpath, "rb") as f:
        vdata = f.read()
    c.check(wr.frame(vlog.payloads) == vdata, "frame(payloads) == vitals' bytes")
    vhist = [items_to_dict(r.history.item) for r in vlog.records if kind(r) == "history"]
    c.check(len(vhist) == ROWS and vhist[10].get("big") == BIG and math.isnan(vhist[3]["bad/nan"]), "vitals rows read back")
    compare_with_leet(c, "vitals", vpath, vlog.records, home)
    return c.done("wandb_reader", work)


def payload_end(cmap, record_offset):
    """File offset just after the last chunk of the record starting at record_offset."""
    started = False
    for off, t, n in cmap:
        if off == record_offset:
            started = True
        if started and t in (wr.FULL, wr.LAST):
            return off + 7 + n
    raise ValueError(record_offset)


def spec_value_of(v):
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": v}
    if isinstance(v, float):
        return {"f": v}
    if v in ("nan", "inf", "-inf"):
        return {v: 1}
    return {"s": v}


if __name__ == "__main__":
    sys.exit(main())
