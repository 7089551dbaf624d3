"""Report benchmark (issue 20): a 100,000-step run with 50 metrics a step, through the run pipeline
with the jsonl and report sinks; then vitals-report rebuilding the report from metrics.jsonl; then
headless Chromium opening the file. Writes the figures to bench/results/report.md. Not a timed test.

    python3 bench/report/bench_report.py BUILD_DIR [--steps 100000] [--extra 46] [--repeat 3] [--out FILE]

BUILD_DIR holds tests/report/report_driver and tools/vitals-report
(cmake --build BUILD_DIR --target report_driver vitals-report).
"""
import argparse
import datetime
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "report"))
import chromium_check as cc  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("build_dir")
ap.add_argument("--steps", type=int, default=100_000)
ap.add_argument("--extra", type=int, default=46, help="extra per-step metrics (4 fixed ones + 46 = 50 a step)")
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "report.md"))
args = ap.parse_args()
build = pathlib.Path(args.build_dir)
driver = build / "tests" / "report" / "report_driver"
vreport = build / "tools" / "vitals-report"
chromium = cc.find_chromium()
if not chromium:
    sys.exit("Chromium not found: apt-get install chromium (or set VITALS_CHROMIUM)")


def timed(cmd):
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"{cmd} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r, dt


def load():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def chromium_version():
    try:
        return subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001
        return f"unknown ({e})"


lines = []
with tempfile.TemporaryDirectory(prefix="vitals_report_bench_") as tmpd:
    tmp = pathlib.Path(tmpd)
    load_before = load()
    # 1. The run itself: report_driver logs every step through the pipeline (jsonl + report sinks).
    # Alternating with and without the report sink, median of --repeat each (the machine is shared).
    t_with, t_without = [], []
    for i in range(args.repeat):
        r, dt = timed([str(driver), str(tmp / f"runs{i}"), "--steps", str(args.steps), "--extra", str(args.extra), "--name", "bench"])
        t_with.append(dt)
        if i == 0:
            run_dir = pathlib.Path(r.stdout.strip().splitlines()[-1])
        _, dt = timed([str(driver), str(tmp / f"runs_noreport{i}"), "--steps", str(args.steps), "--extra", str(args.extra),
                       "--name", "bench", "--no-report"])
        t_without.append(dt)
    t_run_with, t_run_without = statistics.median(t_with), statistics.median(t_without)
    sink_html = run_dir / "report.html"
    data = cc.report_data(sink_html.read_text(encoding="utf-8"))
    run0 = data["runs"][0]
    n_metrics = len(run0["metrics"])
    per_step = 4 + args.extra
    jsonl_size = (run_dir / "metrics.jsonl").stat().st_size
    # 2. Rebuilt from the files.
    files_html = tmp / "from_files.html"
    t_files = []
    for _ in range(args.repeat):
        _, dt = timed([str(vreport), str(run_dir), "-o", str(files_html)])
        t_files.append(dt)
    # 3. Chromium: a blank page (start-up cost), then the report: dump-dom wall time, the renderer's
    # own time (data-render-ms), and a screenshot.
    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body>blank</body></html>")
    prof = str(tmp / "profile")
    cc.dump_dom(chromium, blank, prof)  # warm the profile and the page cache
    t_blank = [cc.dump_dom(chromium, blank, prof)[2] for _ in range(args.repeat)]
    rows = []
    for name, path in (("sink (report.html at finish)", sink_html), ("vitals-report (from metrics.jsonl)", files_html)):
        walls, renders, loads, paints, errs = [], [], [], [], []
        for _ in range(args.repeat):
            dom, err, secs = cc.dump_dom(chromium, path, prof)
            walls.append(secs)
            root = cc.parse_dom(dom)
            h = root.find_all(lambda n: n.tag == "html")[0]
            if h.attrs.get("data-rendered") != "1" or h.attrs.get("data-js-errors"):
                sys.exit(f"{path}: not rendered: {h.attrs}")
            renders.append(float(h.attrs.get("data-render-ms", "nan")))
            loads.append(float(h.attrs.get("data-load-ms", "nan")))
            paints.append(float(h.attrs.get("data-paint-ms", "nan")))
            errs += cc.console_errors(err)
        shot = tmp / "shot.png"
        sr, t_shot = cc.screenshot(chromium, path, str(shot), prof, size=(1280, 2400))
        w, hh, colours, busy = cc.png_stats(str(shot))
        rows.append((name, path.stat().st_size, statistics.median(walls), statistics.median(renders), statistics.median(loads), statistics.median(paints), t_shot, colours, busy, len(errs)))
    load_after = load()

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
cmd = f"python3 bench/report/bench_report.py {args.build_dir} --steps {args.steps} --extra {args.extra} --repeat {args.repeat}"
out = [
    "# Report benchmark (issue 20)",
    "",
    f"`{cmd}` ({now}). Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, {chromium_version()}; "
    f"load average (1/5/15 min) {load_before} before, {load_after} after (the machine is shared with other builds).",
    "",
    f"Run: {args.steps:,} steps x {per_step} metrics a step (train/total_loss, train/grad_norm, train/lr, epoch, "
    f"{args.extra} extra/*), plus the epoch's health metrics every 100 steps, validation every 200, a 32-bin weight "
    f"histogram every epoch and the default health rules' alerts: {n_metrics} metric series, {run0['rows']:,} rows, "
    f"{len(run0['alerts'])} alerts, metrics.jsonl {jsonl_size / 2**20:.1f} MiB.",
    "",
    "| | |",
    "|---|---|",
    f"| driver run with jsonl + report sinks (median of {args.repeat}; all: {', '.join(f'{x:.2f}' for x in t_with)}) | {t_run_with:.2f} s |",
    f"| driver run with jsonl only (median of {args.repeat}; all: {', '.join(f'{x:.2f}' for x in t_without)}) | {t_run_without:.2f} s |",
    f"| vitals-report from metrics.jsonl (median of {args.repeat}) | {statistics.median(t_files):.2f} s |",
    f"| Chromium `--dump-dom` of a blank page (start-up, median) | {statistics.median(t_blank):.2f} s |",
    "",
    "| report | size | Chromium `--dump-dom` wall (median) | navigation start to charts painted (`data-paint-ms`, median) | to charts drawn (`data-load-ms`) | renderer script alone (`data-render-ms`) | screenshot 1280x2400 wall | screenshot colours / non-background | console errors |",
    "|---|---|---|---|---|---|---|---|---|",
]
for name, size, wall, render, loadms, paintms, shot_t, colours, busy, nerr in rows:
    out.append(f"| {name} | {size / 2**20:.2f} MiB | {wall:.2f} s | {paintms:.0f} ms | {loadms:.0f} ms | {render:.0f} ms | {shot_t:.2f} s | {colours} / {busy:.0%} | {nerr} |")
out += [
    "",
    "Bounds (issue 20): under 5 MB, rendered in under 3 s. The wall times include Chromium's own start-up (the blank-page",
    "row) and `--dump-dom`'s serialisation of the ~3 MB DOM; the page's own clock (`performance.now()`, from navigation",
    "start) gives `data-load-ms` when the last chart is drawn (reading and parsing the file, parsing the inline JSON,",
    "building every SVG chart) and `data-paint-ms` two animation frames later, when that frame has been painted;",
    "`data-render-ms` is the script alone.",
    "Each metric is drawn from at most 512 buckets (mean line inside the min/max envelope), so the size grows with",
    "the number of metrics, not with the number of steps.",
    "",
]
text = "\n".join(out)
pathlib.Path(args.out).write_text(text)
print(text)
