"""The examples' answer to every mistake a user can make: exit code 2, a message naming the cause
and where it was made, no run directory, nothing aborted (issue 12). Also: the demo's config
`project:` reaches the run unless a flag or WANDB_PROJECT overrides it.

usage: bad_inputs_test.py DEMO CONFIG_YAML HYDRA_EXPERIMENT
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

demo, config, hydra = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
cases = 0


def check(cond, what):
    if not cond:
        failures.append(what)


def tree(root):
    return sorted(str(p.relative_to(root)) for p in pathlib.Path(root).rglob("*"))


def env_without_wandb(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "VITALS_SINKS"}
    env.update(extra)
    return env


def expect_usage_error(cmd, fragments, cwd, env=None, stdin=None, label=None):
    """Runs cmd in cwd; it must exit 2, name every fragment on stderr and leave cwd unchanged."""
    global cases
    cases += 1
    label = label or " ".join(repr(a) if isinstance(a, str) else repr(a) for a in cmd[1:])[:200]
    before = tree(cwd)
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env or env_without_wandb(), input=stdin, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    check(r.returncode == 2, f"{label}: exit code {r.returncode} (want 2); stderr: {err[-1500:]}")
    check("terminate" not in err and "Aborted" not in err, f"{label}: aborted: {err[-500:]}")
    for f in fragments:
        check(f in err, f"{label}: stderr lacks {f!r}: {err[-1500:]}")
    check(len(err) < 20000, f"{label}: {len(err)} bytes of errors")
    try:
        err.encode("utf-8")
        r.stderr.decode("utf-8")
    except UnicodeError:
        failures.append(f"{label}: stderr is not valid UTF-8")
    after = tree(cwd)
    check(after == before, f"{label}: files appeared: {sorted(set(after) - set(before))[:10]}")


with tempfile.TemporaryDirectory() as tmp:
    t = pathlib.Path(tmp)
    work = t / "work"
    work.mkdir()
    (work / "a_dir").mkdir()
    (work / "a_file").write_text("not a directory\n")
    (work / "bad_utf8.yaml").write_bytes(b"name: spirals\nproject: \"vitals-\xff\xfe\"\n")
    (work / "tab.yaml").write_bytes(b"epochs: 3\noptim:\n  lr: 0.5\n\tweight_decay: 0.1\n")
    (work / "many.yaml").write_text("".join(f"unknown_{i}: {i}\n" for i in range(3000)))
    (work / "empty.yaml").write_text("# only a comment\n")
    (work / "bom.json").write_bytes(b"\xef\xbb\xbf{\"epochs\": 2}")
    d = [demo, "--config", config]

    # Item 4: ordinary user errors, each a message and exit 2.
    expect_usage_error([demo, "--config", "a_dir"], ["a_dir: cannot read config file: it is a directory"], work)
    expect_usage_error([demo, "--config", "absent.yaml"], ["absent.yaml: cannot open config file: No such file or directory"], work)
    expect_usage_error([demo, "--config", "bad_utf8.yaml"], ["bad_utf8.yaml:2:18: the text is not valid UTF-8 (byte 0xFF)"], work)
    expect_usage_error(d + [b"name=\xff\xfe"], ["override #1: the override is not valid UTF-8 (byte 0xFF"], work)
    expect_usage_error(d + ["--wandb_project"], ["--wandb_project needs a value"], work)
    expect_usage_error(d + ["--sinks", "jsonl,bogus"], ["unknown sink 'bogus'", "known sinks:"], work)
    expect_usage_error(d + ["--sinks", "jsonl,jsnl"], ["did you mean 'jsonl'"], work)
    expect_usage_error(d + ["epochs=-1"], ["epochs: must be between 1 and"], work)
    expect_usage_error(d + ["--wandb_dir", "a_file"], ["runs directory 'a_file' exists and is not a directory"], work)
    expect_usage_error(d + ["--wandb_dir", "a_file/runs"], ["'a_file/runs'", "is not a directory"], work)
    expect_usage_error(d + ["--wandb_dir", "/proc/nope"], ["/proc/nope"], work)
    if os.geteuid() != 0:  # root writes through permission bits; the read-only mount case is in tests/run
        (work / "ro").mkdir()
        os.chmod(work / "ro", 0o555)
        expect_usage_error(d + ["--wandb_dir", "ro"], ["'ro' is not writable"], work)
    expect_usage_error(d + ["--wandb_mode", "sideways"], ["--wandb_mode: unknown run mode 'sideways'"], work)
    expect_usage_error(d + ["--total_steps", "-3"], ["--total_steps expects a non-negative integer"], work)
    expect_usage_error(d, ["WANDB_MODE: unknown run mode"], work, env=env_without_wandb(WANDB_MODE="sideways"))
    benv = {k.encode(): v.encode() for k, v in env_without_wandb().items()}
    benv[b"WANDB_NAME"] = b"run-\xff"
    expect_usage_error(d, ["environment variable WANDB_NAME is not valid UTF-8"], work, env=benv, label="WANDB_NAME=\\xff")
    # Item 5: an invalid UTF-8 run name is refused up front, not written into metadata.json.
    expect_usage_error(d + [b"--wandb_name", b"\xff\xfe"], ["--wandb_name: the value is not valid UTF-8"], work)
    # Item 6: inputs without bounds.
    expect_usage_error(d + ["name=" + "n" * 100000], ["run name 'nnn", "is 100000 bytes long (at most 256)"], work,
                       label="100 kB run name")
    expect_usage_error([demo, "--config", "many.yaml"],
                       ["many.yaml:1:1: unknown_0: unknown key 'unknown_0' in DemoConfig", "... and 2950 more problems"], work)
    expect_usage_error([demo, "--config", "/dev/zero"], ["/dev/zero: config file is larger than the 16 MiB limit"], work)
    # Item 9: values the types allow but training cannot use.
    expect_usage_error(d + ["batch_size=0"], ["batch_size: must be between 1 and"], work)
    expect_usage_error(d + ["log_every=0"], ["log_every: must be between 1 and"], work)
    expect_usage_error(d + ["train_size=-5"], ["train_size: must be between 1 and"], work)
    expect_usage_error(d + ["batch_size=100", "train_size=50"], ["batch_size: is larger than train_size (100 > 50)"], work)
    expect_usage_error(d + ["epochs=abc"], ["override #1 'epochs=abc': epochs: expected int, got string 'abc'"], work)
    # Item 10: messages that name the cause.
    expect_usage_error(d + ["pathology=explode"], ["unknown Pathology 'explode'; did you mean 'exploding'?"], work)
    expect_usage_error([demo, "--config", "tab.yaml"], ["tab.yaml:4:", "a tab at line 4 column 1: YAML indents with spaces only"], work)

    # Issue 14: one front door reports every problem at once (flags, overrides, checks, run
    # options), whatever layer found it; exit 2 and nothing written.
    expect_usage_error(d + ["epochs=abc", "batch_size=0", "--wandb_mode", "sideways", "--bogus", "nope=1", "stray"],
                       ["epochs: expected int", "--wandb_mode: unknown run mode 'sideways'", "unknown flag '--bogus'",
                        "nope", "unexpected argument 'stray'"], work, label="every problem at once")
    expect_usage_error(d + ["batch_size=0", "hidden=0", "--sinks", "bogus"],
                       ["batch_size: must be between 1 and", "hidden: must be between 1 and", "unknown sink 'bogus'"], work,
                       label="checks and run options at once")
    expect_usage_error(d + ["+optim.extra=1", "~epochs=4", "optim.lr=0.1,0.2"],
                       ["optim.extra", "epochs", "add --multirun"], work, label="Hydra grammar in the flat mode")

    # Deliverable 5 and pipes: an empty (comments-only) config is the defaults; /dev/stdin works.
    r = subprocess.run([demo, "--config", "empty.yaml", "--show-config"], cwd=work, capture_output=True, text=True,
                       env=env_without_wandb())
    check(r.returncode == 0 and "epochs: 3" in r.stdout, f"comments-only config: {r.returncode} {r.stderr}")
    r = subprocess.run([demo, "--config", "/dev/stdin", "--show-config"], cwd=work, capture_output=True, text=True,
                       input="epochs: 5\n", env=env_without_wandb())
    check(r.returncode == 0 and "epochs: 5" in r.stdout, f"--config /dev/stdin: {r.returncode} {r.stderr}")
    r = subprocess.run([demo, "--config", "bom.json", "--show-config"], cwd=work, capture_output=True, text=True,
                       env=env_without_wandb())
    check(r.returncode == 0 and "epochs: 2" in r.stdout, f"JSON with a BOM: {r.returncode} {r.stderr}")
    check(tree(work) == sorted(["a_dir", "a_file", "bad_utf8.yaml", "bom.json", "empty.yaml", "many.yaml", "tab.yaml"] +
                               (["ro"] if (work / "ro").exists() else [])), f"stray files: {tree(work)}")

    # Item 8: the config's project reaches the run; a flag or WANDB_PROJECT overrides it.
    def project_of(*args, env=None):
        r = subprocess.run(d + ["epochs=1", "train_size=256", "--sinks", "jsonl", *args], cwd=work, capture_output=True,
                           text=True, env=env or env_without_wandb(), timeout=120)
        check(r.returncode == 0, f"demo {args}: {r.returncode} {r.stderr[-1000:]}")
        line = [l for l in r.stdout.splitlines() if l.startswith("run directory: ")]
        if not line:
            return None
        return json.loads((pathlib.Path(line[0].split(": ", 1)[1]) / "metadata.json").read_text()).get("project")
    check(project_of() == "vitals-demo", "the config's project did not reach the run")
    check(project_of("project=from-config") == "from-config", "project=... override did not reach the run")
    check(project_of("--wandb_project", "from-flag") == "from-flag", "--wandb_project did not win over the config")
    check(project_of(env=env_without_wandb(WANDB_PROJECT="from-env")) == "from-env", "WANDB_PROJECT did not win over the config")

    # hydra_experiment: every job checked before the first run; errors exit 2; nothing written.
    hw = t / "hydra"
    hw.mkdir()
    (hw / "a_file").write_text("x\n")
    henv = env_without_wandb(PROJECT_ROOT=str(hw))
    expect_usage_error([hydra, "exp=001", "exp.fold=[0,9]"], ["exp.fold[1]: fold 9 is outside 0..4"], hw, env=henv)
    expect_usage_error([hydra, "exp.train.batch_size=0"], ["exp.train.batch_size: must be between 1 and"], hw, env=henv)
    expect_usage_error([hydra, "exp.train.epochs=-1"], ["exp.train.epochs: must be between 1 and"], hw, env=henv)
    expect_usage_error([hydra, "exp.num_folds=0"], ["exp.num_folds: must be between 2 and"], hw, env=henv)
    expect_usage_error([hydra, "show_config=true", "exp.train.epochs=abc"], ["exp.train.epochs", "abc"], hw, env=henv)
    expect_usage_error([hydra, "output_dir=/proc/nope"], ["/proc/nope"], hw, env=henv)
    expect_usage_error([hydra, "output_dir=" + str(hw / "a_file")], ["a_file", "not a directory"], hw, env=henv)
    expect_usage_error([hydra, "--bogus"], ["unknown flag '--bogus'"], hw, env=henv)
    expect_usage_error([hydra, b"exp.exp_name=\xff"], ["not valid UTF-8"], hw, env=henv)
    expect_usage_error([hydra, "exp.train.lr=0.1,0.2"], ["add --multirun"], hw, env=henv)
    expect_usage_error([hydra, "-m", "exp.num_folds=5,3", "exp.fold=[4]"], ["exp.fold[0]: fold 4 is outside 0..2"], hw, env=henv)
    expect_usage_error([hydra, "project=a/b"], ["project 'a/b' must be"], hw, env=henv)

for f in failures:
    print("FAIL:", f)
print(f"examples bad inputs: {cases} cases, {'failed' if failures else 'passed'}")
sys.exit(1 if failures else 0)
