"""Resume and preemption (issue 17), through the requeue example (examples/requeue/requeue_train).

modes:   --wandb_resume allow/must/never/auto, each with and without a previous run; WANDB_RESUME and
         WANDB_RUN_ID; auto keyed on SLURM_JOB_ID; a second live process on one run is refused.
requeue: SIGTERM mid-run then a restart; kill -9 between a checkpoint and SIGTERM; a torn last
         line; two resumes in a row. Every file reads back whole and continuous (json, pandas, TensorBoard's
         EventAccumulator, wandb 0.31's protobufs), metadata.json lists every start with its exit,
         the preempted start wrote W&B's preempting record and an exit that does not complete the
         run, and the real `wandb sync` of all fragments to the stand-in server gives one run whose
         history is every step once.

usage: test_resume.py <requeue_train> modes|requeue
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wandb"))
import wandb_reader as wr  # noqa: E402
from fake_wandb_server import FakeWandbServer, sync_env  # noqa: E402

TRAIN = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def env(**extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("WANDB_") and k not in ("SLURM_JOB_ID", "TORCHELASTIC_RUN_ID", "VITALS_SINKS")}
    e.update({"WANDB_MODE": "offline"})
    e.update(extra)
    return e


# A start ended by SIGTERM dies of it (vitals finishes the run, then re-raises): -15 here, 143 in a
# shell and in metadata.json.
def train(root, *args, sinks="jsonl,csv", extra_env=None, **kw):
    cmd = [TRAIN, "--wandb_dir", root, "--sinks", sinks, "--no_report", "--step_ms", "0", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env(**(extra_env or {})), timeout=60, **kw)


def run_dirs(root):
    return sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d))


def meta(d):
    with open(os.path.join(d, "metadata.json")) as f:
        return json.load(f)


def jsonl_steps(d):
    with open(os.path.join(d, "metrics.jsonl")) as f:
        text = f.read()
    check(text.endswith("\n"), f"{d}: metrics.jsonl ends with a torn line")
    return [json.loads(line) for line in text.splitlines()]


# -- modes ------------------------------------------------------------------------------------------
def test_modes(tmp):
    def case(name, mode, previous, want_rc, want_resumed=None, run_id="m1", extra_env=None):
        root = os.path.join(tmp, name)
        if previous:
            p = train(root, "--wandb_id", run_id or "m1", "--steps", 30, "--term_at", 24)
            check(p.returncode == -15, f"{name}: preempted first start exited {p.returncode}: {p.stderr}")
        before = run_dirs(root)
        args = ["--steps", 40] + (["--wandb_id", run_id] if run_id else []) + (["--wandb_resume", mode] if mode else [])
        p = train(root, *args, extra_env=extra_env)
        check(p.returncode == want_rc, f"{name}: exit {p.returncode}, want {want_rc}: {p.stderr}")
        if want_rc == 2:
            check("error" in p.stderr and (mode or "") in p.stderr, f"{name}: the error names the mode: {p.stderr}")
            check(run_dirs(root) == before, f"{name}: a refused start changed the runs directory")
            return root
        dirs = run_dirs(root)
        check(len(dirs) == 1, f"{name}: {len(dirs)} run directories, want 1: {dirs}")
        m = meta(dirs[0])
        check(bool(m.get("resumed")) == want_resumed, f"{name}: resumed={m.get('resumed')}, want {want_resumed}")
        check(len(m["starts"]) == (2 if want_resumed else 1), f"{name}: starts {m['starts']}")
        rows = jsonl_steps(dirs[0])
        check([r["_step"] for r in rows] == list(range(40)), f"{name}: steps {[r['_step'] for r in rows]}")
        return root

    case("allow_new", "allow", False, 0, False)
    case("allow_prev", "allow", True, 0, True)
    case("must_new", "must", False, 2)
    case("must_prev", "must", True, 0, True)
    case("never_new", "never", False, 0, False)
    case("never_prev", "never", True, 2)
    case("none_prev", None, True, 2)  # no resume asked and the id exists: an error, as before
    case("env_prev", None, True, 0, True, run_id=None, extra_env={"WANDB_RESUME": "must", "WANDB_RUN_ID": "m1"})
    case("must_noid", "must", False, 2, run_id=None)
    # auto without a previous run: a new run whose id is stored for the next start
    root = case("auto_new", "auto", False, 0, False, run_id=None)
    check(not os.path.exists(os.path.join(root, ".vitals-resume.json")), "auto_new: a finished run left its id to resume")
    # auto with a previous (preempted) auto run: the stored id
    root = os.path.join(tmp, "auto_prev")
    p = train(root, "--wandb_resume", "auto", "--steps", 30, "--term_at", 12)
    check(p.returncode == -15, f"auto_prev: first start {p.returncode}")
    stored = json.load(open(os.path.join(root, ".vitals-resume.json")))["run_id"]
    p = train(root, "--wandb_resume", "auto", "--steps", 30)
    dirs = run_dirs(root)
    check(p.returncode == 0 and len(dirs) == 1 and dirs[0].endswith("_" + stored) and meta(dirs[0]).get("resumed"),
          f"auto_prev: {p.returncode} {dirs} {p.stderr}")
    # auto keyed on the SLURM job: the same job id continues, another job is a new run
    root = os.path.join(tmp, "auto_slurm")
    p = train(root, "--wandb_resume", "auto", "--steps", 30, "--term_at", 12, extra_env={"SLURM_JOB_ID": "4242"})
    p = train(root, "--wandb_resume", "auto", "--steps", 30, extra_env={"SLURM_JOB_ID": "4242"})
    p2 = train(root, "--wandb_resume", "auto", "--steps", 30, extra_env={"SLURM_JOB_ID": "4243"})
    names = [os.path.basename(d) for d in run_dirs(root)]
    check(p.returncode == 0 and p2.returncode == 0 and len(names) == 2 and any(n.endswith("_slurm-4242") for n in names)
          and any(n.endswith("_slurm-4243") for n in names), f"auto_slurm: {names} {p.stderr} {p2.stderr}")
    check(meta(next(d for d in run_dirs(root) if d.endswith("4242"))).get("resumed"), "auto_slurm: job 4242 not resumed")
    # bad mode: a usage error
    p = train(os.path.join(tmp, "bad"), "--wandb_resume", "sometimes")
    check(p.returncode == 2 and "sometimes" in p.stderr, f"bad mode: {p.returncode} {p.stderr}")
    # one run, one writer: a second live process on the run is refused (exit 2), the first goes on
    root = os.path.join(tmp, "locked")
    first = subprocess.Popen([TRAIN, "--wandb_dir", root, "--sinks", "jsonl", "--no_report", "--wandb_id", "lk",
                              "--steps", "400", "--step_ms", "10"], stderr=subprocess.DEVNULL, env=env())
    deadline = time.time() + 20
    while time.time() < deadline and not glob.glob(os.path.join(root, "*_lk", "metrics.jsonl")):
        time.sleep(0.05)
    p = train(root, "--wandb_id", "lk", "--wandb_resume", "allow", "--steps", 10)
    check(p.returncode == 2 and "in use" in p.stderr, f"locked: second writer {p.returncode}: {p.stderr}")
    first.terminate()
    first.wait(timeout=30)
    check(first.returncode == -15, f"locked: first writer ended {first.returncode}")
    p = train(root, "--wandb_id", "lk", "--wandb_resume", "must", "--steps", 10)
    check(p.returncode == 0, f"locked: resuming after the writer ended: {p.returncode} {p.stderr}")


# -- requeue ----------------------------------------------------------------------------------------
SINKS = "jsonl,csv,tensorboard,wandb"
STEPS, EVERY = 100, 20


def check_run(name, root, n_starts, want_exits, first_summary=True):
    """Every file of the one run directory reads back whole and continuous; returns it."""
    import pandas as pd
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    dirs = run_dirs(root)
    check(len(dirs) == 1, f"{name}: {len(dirs)} run directories: {dirs}")
    d = dirs[0]
    rows = jsonl_steps(d)
    steps = [r["_step"] for r in rows]
    check(steps == list(range(STEPS)), f"{name}: JSONL steps are not 0..{STEPS - 1} once each: {steps}")
    runtimes = [r["_runtime"] for r in rows]
    check(all(b >= a for a, b in zip(runtimes, runtimes[1:])), f"{name}: _runtime goes back: {runtimes}")
    df = pd.read_csv(os.path.join(d, "metrics.csv"))
    check(list(df["_step"]) == list(range(STEPS)), f"{name}: CSV steps {list(df['_step'])}")
    check(all(abs(a - r["train/loss"]) < 1e-12 for a, r in zip(df["train/loss"], rows)), f"{name}: CSV and JSONL differ")
    acc = EventAccumulator(os.path.join(d, "tensorboard"), size_guidance={"scalars": 0})
    acc.Reload()
    tb = sorted({e.step for e in acc.Scalars("train/loss")})
    check(tb == list(range(STEPS)), f"{name}: TensorBoard steps {tb}")
    m = meta(d)
    exits = [(s.get("exit_code"), bool(s.get("preempted")), bool(s.get("killed"))) for s in m["starts"]]
    check(len(m["starts"]) == n_starts and exits == want_exits, f"{name}: starts {m['starts']}, want exits {want_exits}")
    for s in m["starts"][1:]:
        check(s.get("resumed_at_step", -1) > 0, f"{name}: a resumed start without resumed_at_step: {s}")
    summary = json.load(open(os.path.join(d, "summary.json")))
    # summary.json is written when a start finishes: a start killed by SIGKILL leaves none
    check((summary.get("starts/0") == 0) == first_summary and "final/loss" in summary and summary.get("_step") == STEPS - 1,
          f"{name}: summary not merged over the starts: {summary}")
    check(json.load(open(os.path.join(d, "config.json"))) == {"steps": STEPS, "ckpt_every": EVERY}, f"{name}: config")
    return d


def check_wandb(name, d, n_fragments, preempted_fragments, first_summary=True):
    frags = sorted(glob.glob(os.path.join(d, "wandb", "offline-run-*")))
    check(len(frags) == n_fragments, f"{name}: {len(frags)} W&B fragments, want {n_fragments}")
    for i, f in enumerate(frags):
        recs = wr.read_records(glob.glob(os.path.join(f, "*.wandb"))[0])  # raises on any damage
        kinds = [wr.kind(r) for r in recs]
        run = recs[0].run
        check(kinds[0] == "run" and run.run_id == os.path.basename(d).rsplit("_", 1)[1], f"{name}: fragment {i} run record")
        check(run.resumed == (i > 0) and (i == 0 or run.starting_step > 0), f"{name}: fragment {i} resumed/starting_step")
        if i > 0:
            first = next(r for r in recs if wr.kind(r) == "history")
            check(first.history.step.num == run.starting_step, f"{name}: fragment {i} starts at {first.history.step.num}, "
                  f"RunRecord.starting_step {run.starting_step}")
        exits = [r.exit for r in recs if wr.kind(r) == "exit"]
        if i in preempted_fragments:
            check("preempting" in kinds and exits and exits[0].exit_code == 143 and exits[0].not_complete,
                  f"{name}: fragment {i} is not marked preempted: {kinds} {exits}")
    with FakeWandbServer() as srv:
        home = tempfile.mkdtemp(prefix="wandb_sync_home_")
        try:
            p = subprocess.run([sys.executable, "-m", "wandb", "sync", "--include-synced", *frags], capture_output=True,
                               text=True, env=sync_env(srv, home), cwd=home, timeout=240)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        check(p.returncode == 0, f"{name}: wandb sync failed: {p.stdout[-2000:]} {p.stderr[-2000:]}")
        check(len(srv.runs) == 1, f"{name}: the server saw {len(srv.runs)} runs: {list(srv.runs)}")
        steps = [r["_step"] for r in srv.history_rows()]
        check(steps == list(range(STEPS)), f"{name}: uploaded history steps {steps}")
        check(srv.exit_code() == 0, f"{name}: final exit code {srv.exit_code()}")
        if preempted_fragments:
            bodies = next(iter(srv.file_stream.values()))
            check(any(b.get("preempting") for b in bodies), f"{name}: the server was not told the run was preempting")
        check(((srv.summary() or {}).get("starts/0") == 0) == first_summary, f"{name}: uploaded summary lost an earlier start's key: {srv.summary()}")


def test_requeue(tmp):
    common = ["--wandb_id", "rq", "--wandb_resume", "allow", "--steps", STEPS, "--ckpt_every", EVERY]
    # SIGTERM mid-run, then the requeued start
    root = os.path.join(tmp, "term")
    p = train(root, *common, "--term_at", 55, sinks=SINKS)
    check(p.returncode == -15, f"term: first start {p.returncode} {p.stderr}")
    p = train(root, *common, sinks=SINKS)
    check(p.returncode == 0 and "resumed run's files already hold" in p.stderr, f"term: restart {p.returncode}; steps below the resumed step "
          f"are reported: {p.stderr}")
    d = check_run("term", root, 2, [(143, True, False), (0, False, False)])
    check(meta(d)["starts"][1].get("out_of_order_steps") == 16, f"term: steps 40..55 logged again not counted: {meta(d)['starts']}")
    check_wandb("term", d, 2, {0})
    # kill -9 after a checkpoint (step 39), before any SIGTERM
    root = os.path.join(tmp, "kill")
    p = train(root, *common, "--kill_at", 47, sinks=SINKS)
    check(p.returncode == -9, f"kill: first start {p.returncode}")
    p = train(root, *common, sinks=SINKS)
    check(p.returncode == 0, f"kill: restart {p.returncode} {p.stderr}")
    d = check_run("kill", root, 2, [(None, False, True), (0, False, False)], first_summary=False)
    check_wandb("kill", d, 2, set(), first_summary=False)
    # a torn last line (a writer cut off mid-line by a crash) is cut before the files continue
    root = os.path.join(tmp, "torn")
    p = train(root, *common, "--kill_at", 47, sinks="jsonl,csv,tensorboard")
    d = run_dirs(root)[0]
    with open(os.path.join(d, "metrics.jsonl"), "a") as f:
        f.write('{"_step":48,"_runtime":0.0')
    with open(os.path.join(d, "metrics.csv"), "a") as f:
        f.write("0.01,48,17000")
    p = train(root, *common, sinks="jsonl,csv,tensorboard")
    check(p.returncode == 0, f"torn: restart {p.returncode} {p.stderr}")
    check_run("torn", root, 2, [(None, False, True), (0, False, False)], first_summary=False)
    # two resumes in a row
    root = os.path.join(tmp, "twice")
    p1 = train(root, *common, "--term_at", 30, sinks=SINKS)
    p2 = train(root, *common, "--term_at", 70, sinks=SINKS)
    p3 = train(root, *common, sinks=SINKS)
    check((p1.returncode, p2.returncode, p3.returncode) == (-15, -15, 0), f"twice: {p1.returncode} {p2.returncode} {p3.returncode}")
    d = check_run("twice", root, 3, [(143, True, False), (143, True, False), (0, False, False)])
    check_wandb("twice", d, 3, {0, 1})


def main():
    tmp = tempfile.mkdtemp(prefix="vitals_resume_")
    t0 = time.time()
    try:
        {"modes": test_modes, "requeue": test_requeue}[sys.argv[2]](tmp)
    finally:
        if not failures:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{sys.argv[2]}: {len(failures)} failures in {time.time() - t0:.1f} s" + ("" if not failures else f" (kept {tmp})"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
