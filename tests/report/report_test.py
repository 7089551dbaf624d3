"""The HTML report end to end (issue 20): a run with every seed-003 metric writes report.html at
finish; vitals-report regenerates it from the files, reads a crashed run (torn tail ignored) and
compares several runs. Each report is opened in headless Chromium: no console errors, the four
panels, their threshold lines and one chart per logged metric in the DOM, a screenshot that is not
blank. Skips (exit 77) when Chromium is absent, after the checks that need no browser.

    report_test.py REPORT_DRIVER VITALS_REPORT
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium_check as cc  # noqa: E402

driver, vitals_report = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    check(r.returncode == 0 or kw.get("allow_fail"), f"{cmd} exited {r.returncode}: {r.stderr[-1500:]}")
    return r


def make_run(root, *args):
    r = subprocess.run([driver, str(root), *args], capture_output=True, text=True, timeout=300)
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    return pathlib.Path(lines[-1]) if lines else None, r


def static_checks(path, expect_runs):
    """What needs no browser: the file is self-contained, its data block parses, it holds every metric."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    check(text.startswith("<!DOCTYPE html>"), f"{path}: not an HTML document")
    urls = set(re.findall(r"""(?:src|href)\s*=\s*["'](?!#|data:)[^"']+""", text))
    check(not urls, f"{path}: loads external resources {urls}")
    check(not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), f"{path}: contains a network URL")
    check("<b>not bold</b>" not in text, f"{path}: an HTML string from the run reached the page unescaped")
    data = cc.report_data(text)
    for r in data["runs"]:
        for h in r["hists"]:
            check(h["s"] and all(len(s["bins"]) == len(s["values"]) + 1 > 1 for s in h["s"]),
                  f"{path}: histogram {h['k']} has an empty or malformed snapshot")
    check(len(data["runs"]) == expect_runs, f"{path}: {len(data['runs'])} runs, expected {expect_runs}")
    return data


def browser_checks(chromium, path, data, tmp, shot=None):
    dom, err, secs = cc.dump_dom(chromium, path, str(tmp / "profile"))
    errs = cc.console_errors(err)
    check(not errs, f"{path}: console errors: {errs[:5]}")
    root = cc.parse_dom(dom)
    html_el = root.find_all(lambda n: n.tag == "html")
    check(html_el and html_el[0].attrs.get("data-rendered") == "1", f"{path}: the renderer did not finish")
    check(not (html_el and html_el[0].attrs.get("data-js-errors")), f"{path}: script errors: {html_el and html_el[0].attrs.get('data-js-errors')}")
    check(not root.find_all(lambda n: n.attrs.get("id") == "vitals-errors"), f"{path}: #vitals-errors shown")
    panels = {n.attrs.get("id"): n for n in root.find_all(lambda n: n.tag == "section" and "panel" in n.classes())}
    for pid in ("panel-training-health", "panel-validation-quality", "panel-collapse-detection", "panel-loss-components"):
        check(pid in panels, f"{path}: panel {pid} missing")
        if pid in panels:
            charts = panels[pid].find_all(lambda n: "chart" in n.classes())
            check(charts, f"{path}: panel {pid} has no chart")
    # Threshold lines: panel 2 and 3 draw the seed's lines on their metrics.
    for pid, metric, value in (("panel-validation-quality", "validation/knee_r_std", "0.1"),
                               ("panel-validation-quality", "validation/grf_vz_r_std", "10"),
                               ("panel-collapse-detection", "validation/gen_std", "0.1"),
                               ("panel-collapse-detection", "train/batch_loss_cv", "0.01"),
                               ("panel-collapse-detection", "model/ema_diff", "1"),
                               ("panel-loss-components", "loss_ratio/*", "0.9")):
        if pid not in panels:
            continue
        th = panels[pid].find_all(lambda n: n.tag == "g" and "threshold" in n.classes()
                                  and n.attrs.get("data-metric") == metric and n.attrs.get("data-value") == value)
        check(th, f"{path}: no threshold line {metric} = {value} in {pid}")
        check(all(n.find_all(lambda c: c.tag in ("line", "text")) for n in th), f"{path}: empty threshold {metric}")
    # The four panels' own metrics.
    def in_panel(pid, key):
        return pid in panels and panels[pid].find_all(lambda n: n.attrs.get("data-metric") == key)
    for pid, key in (("panel-training-health", "train/total_loss"), ("panel-training-health", "train/grad_norm_mean"),
                     ("panel-training-health", "train/is_improving"), ("panel-validation-quality", "validation/knee_r_std"),
                     ("panel-collapse-detection", "train/batch_loss_cv"), ("panel-collapse-detection", "validation/gen_std"),
                     ("panel-collapse-detection", "model/ema_diff"), ("panel-loss-components", "loss_ratio/simple")):
        check(in_panel(pid, key), f"{path}: {key} not drawn in {pid}")
    # One chart per logged metric (a chart div, or a layer of a stacked area).
    shown = {n.attrs["data-metric"] for n in root.find_all(lambda n: "data-metric" in n.attrs
                                                            and ("chart" in n.classes() or "area" in n.classes()))}
    keys = set()
    for r in data["runs"]:
        keys |= {m["k"] for m in r["metrics"]} | {h["k"] for h in r["hists"]}
    missing = sorted(keys - shown)
    check(not missing, f"{path}: metrics without a chart: {missing[:10]}")
    chart_divs = [n.attrs["data-metric"] for n in root.find_all(lambda n: n.tag == "div" and "chart" in n.classes()
                                                                and "data-metric" in n.attrs and "hist" not in n.classes())]
    dup = sorted({k for k in chart_divs if chart_divs.count(k) > 1})
    check(not dup, f"{path}: metrics drawn twice: {dup[:10]}")
    # Alerts: every alert event in the timeline, firing spans on the charts.
    n_alerts = sum(len(r["alerts"]) for r in data["runs"])
    events = root.find_all(lambda n: "alert-event" in n.classes())
    check(len(events) == n_alerts, f"{path}: {len(events)} alert events drawn, {n_alerts} in the data")
    if any(a["state"] in ("fired", "firing") for r in data["runs"] for a in r["alerts"]):
        spans = root.find_all(lambda n: n.tag == "rect" and "alert-span" in n.classes() and "lane" not in n.classes())
        check(spans, f"{path}: no firing span on any chart")
    # System metrics as their own group, last; histograms as heat maps.
    groups = [n.attrs.get("data-group") for n in root.find_all(lambda n: n.tag == "section" and "group" in n.classes())]
    if any(k.startswith("system/") for k in keys):
        check(groups and groups[-1] == "system", f"{path}: system metrics not the last group: {groups}")
    for h in {h["k"] for r in data["runs"] for h in r["hists"]}:
        cells = [c for n in root.find_all(lambda n: "hist" in n.classes() and n.attrs.get("data-metric") == h)
                 for c in n.find_all(lambda c: c.tag == "rect")]
        check(len(cells) > 50, f"{path}: histogram {h} drawn with {len(cells)} cells")
    for sec in ("summary", "config", "alerts", "metrics"):
        check(root.find_all(lambda n: n.attrs.get("id") == sec), f"{path}: section #{sec} missing")
    if shot:
        r, _ = cc.screenshot(chromium, path, shot, str(tmp / "profile"), size=(1280, 1800))
        check(os.path.exists(shot), f"{path}: no screenshot: {r.stderr[-500:]}")
        if os.path.exists(shot):
            w, h, colours, busy = cc.png_stats(shot)
            print(f"  screenshot {shot}: {w}x{h}, {colours} colours sampled, {busy:.0%} non-background")
            check(w == 1280 and h == 1800, f"{shot}: size {w}x{h}")
            check(colours >= 30, f"{shot}: only {colours} colours: blank?")
            check(busy >= 0.05, f"{shot}: {busy:.1%} of pixels differ from the background: blank?")
    return secs


with tempfile.TemporaryDirectory(prefix="vitals_report_test_") as tmpd:
    tmp = pathlib.Path(tmpd)
    runs = tmp / "runs"
    # A finished run: report.html written by the sink at finish.
    a, ra = make_run(runs, "--seed", "1", "--name", "exp/fold0")
    check(ra.returncode == 0 and a and a.is_dir(), f"driver failed: {ra.stderr[-1500:]}")
    a_report = a / "report.html"
    check(a_report.exists(), "the report sink wrote no report.html at finish")
    sink_data = static_checks(a_report, 1)
    r0 = sink_data["runs"][0]
    check(r0["exit_code"] == 0, f"sink report: exit code {r0['exit_code']}")
    check(r0["rows"] == 3000, f"sink report: {r0['rows']} rows")
    check(len(r0["alerts"]) >= 4, f"sink report: {len(r0['alerts'])} alerts (the collapse should raise several)")
    check(r0["summary"].get("final/total_loss") is not None, "sink report: explicit summary missing")
    check(any(h["k"] == "weights/layer1" for h in r0["hists"]), "sink report: no histogram track")
    check(all(len(m["x"]) <= 512 for m in r0["metrics"]), "sink report: more than 512 buckets in a series")
    # The same run rebuilt from its files.
    shutil_copy = tmp / "from_files.html"
    run([vitals_report, str(a), "-o", str(shutil_copy)])
    file_data = static_checks(shutil_copy, 1)
    f0 = file_data["runs"][0]
    check({m["k"] for m in f0["metrics"]} == {m["k"] for m in r0["metrics"]},
          f"metrics differ between the sink and the files: {sorted({m['k'] for m in f0['metrics']} ^ {m['k'] for m in r0['metrics']})}")
    for m_sink in r0["metrics"]:
        m_file = next((m for m in f0["metrics"] if m["k"] == m_sink["k"]), None)
        if m_file:
            check(m_file["n"] == m_sink["n"] and m_file["min"] == m_sink["min"] and m_file["max"] == m_sink["max"],
                  f"{m_sink['k']}: sink n/min/max {m_sink['n']}/{m_sink['min']}/{m_sink['max']} vs files "
                  f"{m_file['n']}/{m_file['min']}/{m_file['max']}")
    # Both see the same alert records (send_alerts_to): "not evaluated" notices included.
    check([x["rule"] for x in f0["alerts"] if x["state"] != "not_evaluated"] ==
          [x["rule"] for x in r0["alerts"] if x["state"] != "not_evaluated"],
          "alert rules differ between the sink and alerts.jsonl")
    sink_steps = [x["step"] for x in r0["alerts"] if x["state"] != "not_evaluated"]
    file_steps = [x["step"] for x in f0["alerts"] if x["state"] != "not_evaluated"]
    check(sink_steps == file_steps, f"alert steps differ: sink {sink_steps[:6]} files {file_steps[:6]}")
    # In place (default output).
    r = run([vitals_report, str(a)])
    check(r.stdout.strip() == str(a / "report.html"), f"vitals-report printed {r.stdout!r}")

    # A crashed run: no report.html, a torn last line; vitals-report reads what is whole.
    b, rb = make_run(runs, "--seed", "2", "--name", "exp/fold1", "--crash")
    check(rb.returncode == 3 and b and b.is_dir(), f"crashing driver: {rb.returncode} {rb.stderr[-800:]}")
    check(not (b / "report.html").exists(), "a crashed run should have no report.html from the sink")
    r = run([vitals_report, str(b)])
    check("torn last line" in r.stderr, f"vitals-report did not mention the torn line: {r.stderr}")
    crash_data = static_checks(b / "report.html", 1)
    c0 = crash_data["runs"][0]
    check(c0["exit_code"] is None and c0["rows"] == 3000, f"crashed run: exit {c0['exit_code']}, {c0['rows']} rows")
    check(any("torn" in w for w in c0["warnings"]), "crashed run: the report does not show the torn line")

    # Several runs compared.
    c, rc = make_run(runs, "--seed", "3", "--name", "exp/fold2", "--epoch-len", "30")  # 100 epochs: histograms thinned
    compare = tmp / "compare.html"
    run([vitals_report, str(a), str(b), str(c), "-o", str(compare)])
    static_checks(compare, 3)

    # Bad usage: exit 2 with a message.
    for args in ([], ["--bogus", str(a)], [str(tmp / "nope")]):
        r = subprocess.run([vitals_report, *args], capture_output=True, text=True, timeout=60)
        check(r.returncode in (1, 2) and r.stderr, f"vitals-report {args}: exit {r.returncode}, stderr {r.stderr!r}")

    chromium = cc.find_chromium()
    if not chromium:
        if failures:
            print(f"{len(failures)} failures")
            sys.exit(1)
        print("SKIP: Chromium not found (apt-get install chromium, or set VITALS_CHROMIUM); the browser checks did not run")
        sys.exit(77)
    shots = pathlib.Path(os.environ.get("VITALS_BUILD_DIR", tmpd)) / "report_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, path, data in (("sink", a_report, None), ("from_files", shutil_copy, file_data),
                             ("crashed", b / "report.html", crash_data), ("compare", compare, None)):
        data = data or cc.report_data(pathlib.Path(path).read_text(encoding="utf-8"))
        secs = browser_checks(chromium, path, data, tmp, shot=str(shots / f"{name}.png"))
        print(f"  {name}: {os.path.getsize(path)} bytes, chromium --dump-dom {secs:.2f} s")

if failures:
    print(f"{len(failures)} failures")
    sys.exit(1)
print("report: all checks passed")
