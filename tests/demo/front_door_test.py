"""Issue 14 end to end, through tests/demo/front_door_driver (vitals::app + vitals::run + watch_health):

1. The same config given three ways - `--config file.yaml`, key=value overrides, a composed config
   directory - gives byte-identical config.json, the same --show-config, the same W&B config record
   (read back with the wandb package's protos) and a composition config.yaml equal to --show-config.
2. Health through the run: exploding gradients, a plateau and mode collapse fire and then clear;
   each reaches alerts.jsonl (fired and cleared), the .wandb file (alert records, firing only),
   the console (firing and cleared, never "not evaluated"), health/<rule> in metrics.jsonl and the
   on_alert callback.
3. Usage errors: exit 2, every problem, no run directory.

usage: front_door_test.py DRIVER
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wandb"))
driver = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k not in ("VITALS_SINKS", "PROJECT_ROOT")}
    env.update(extra)
    return env


def run(cwd, *args, env=None, ok=True):
    r = subprocess.run([driver, *args], cwd=cwd, capture_output=True, text=True, env=env or clean_env(), timeout=60)
    if ok:
        check(r.returncode == 0, f"driver {args}: exit {r.returncode}: {r.stderr[-1500:]}")
    line = [l for l in r.stdout.splitlines() if l.startswith("run directory: ")]
    return (pathlib.Path(line[0].split(": ", 1)[1]) if line else None), r


def wandb_records(run_dir):
    try:
        from wandb_reader import kind, read_records
    except ImportError as e:
        check(False, f"wandb reader unavailable: {e}")
        return [], None
    files = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    check(len(files) == 1, f"one .wandb file in {run_dir}: {files}")
    return (read_records(str(files[0])) if files else []), kind


with tempfile.TemporaryDirectory() as tmp:
    t = pathlib.Path(tmp)
    # --- 1. one config, three front doors -------------------------------------------------------
    (t / "cfg.yaml").write_text("epochs: 2\nlr: 0.25\nflag: true\ntags: [p, q]\nnote: hi\n"
                                "model:\n  hidden: 32\n  layers: [3, 4, 5]\n  act: gelu\n")
    conf = t / "conf"
    (conf / "model").mkdir(parents=True)
    (conf / "config.yaml").write_text("defaults:\n  - _self_\n  - model: small\n\nnote: hi\nlr: 0.25\n"
                                      "tags: [p, q]\nflag: true\nepochs: 2\n")
    (conf / "model" / "small.yaml").write_text("act: gelu\nlayers: [3, 4, 5]\nhidden: 32\n")
    overrides = ["epochs=2", "lr=0.25", "flag=true", "tags=[p,q]", "note=hi", "model.hidden=32",
                 "model.layers=[3,4,5]", "model.act=gelu"]
    ways = {
        "--config": (["--config", "cfg.yaml"], clean_env()),
        "overrides": (overrides, clean_env()),
        "composition": ([], clean_env(FRONT_DOOR_CONFIG_DIR=str(conf))),
    }
    config_json, shown, wandb_config = {}, {}, {}
    for way, (args, env) in ways.items():
        d, r = run(t, *args, "--sinks", "jsonl,wandb", env=env)
        if d is None:
            continue
        config_json[way] = (d / "config.json").read_bytes()
        s = subprocess.run([driver, *args, "--show-config"], cwd=t, capture_output=True, text=True, env=env)
        check(s.returncode == 0, f"{way} --show-config: {s.stderr}")
        shown[way] = s.stdout
        if way == "composition":
            check((d / "config.yaml").read_text() == s.stdout, "composition config.yaml differs from --show-config")
        records, kind = wandb_records(d)
        runs = [rec.run for rec in records if kind and kind(rec) == "run"]
        if runs:
            wandb_config[way] = {it.key: json.loads(it.value_json) for it in runs[0].config.update}
        meta = json.loads((d / "metadata.json").read_text())
        check(meta["project"] == "front-door" and meta["name"] == "fd" and meta["tags"] == ["p", "q"],
              f"{way}: run fields from the config: {meta['project']} {meta['name']} {meta['tags']}")
    check(len(set(config_json.values())) == 1 and len(config_json) == 3,
          "config.json differs between front doors:\n" + "\n".join(f"{k}: {v!r}" for k, v in config_json.items()))
    check(len(set(shown.values())) == 1 and len(shown) == 3, f"--show-config differs: {shown}")
    check(len(wandb_config) == 3 and all(v == wandb_config["--config"] for v in wandb_config.values()),
          f"W&B config records differ: {wandb_config}")
    if config_json:
        cfg = json.loads(next(iter(config_json.values())))
        check(cfg["model"] == {"hidden": 32, "layers": [3, 4, 5], "act": "gelu"} and cfg["lr"] == 0.25, f"config.json {cfg}")
    print(f"front doors: {len(config_json)} config.json files, {len(set(config_json.values()))} distinct")

    # --- 2. health through the run ---------------------------------------------------------------
    cases = {"exploding": ("exploding_gradients", 7, "ERROR"), "plateau": ("plateau", 18, "WARN"),
             "collapse": ("mode_collapse", 6, "ERROR")}
    for scenario, (rule, epochs, level) in cases.items():
        d, r = run(t, f"scenario={scenario}", f"epochs={epochs}", "--sinks", "jsonl,console,wandb")
        if d is None:
            continue
        alerts = [json.loads(l) for l in (d / "alerts.jsonl").read_text().splitlines()]
        states = [a["state"] for a in alerts if a["rule"] == rule and a["state"] != "not_evaluated"]
        check(states[:1] == ["fired"] and "cleared" in states and states.index("cleared") > 0,
              f"{scenario}: {rule} states in alerts.jsonl {states}")
        fired_epoch = next((a["epoch"] for a in alerts if a["rule"] == rule and a["state"] == "fired"), None)
        rows = [json.loads(l) for l in (d / "metrics.jsonl").read_text().splitlines()]
        flags = [row.get(f"health/{rule}") for row in rows if f"health/{rule}" in row]
        check(1 in flags and flags[-1] == 0, f"{scenario}: health/{rule} per epoch {flags}")
        check(not any(k.startswith("_vitals") for row in rows for k in row), f"{scenario}: marker key reached metrics.jsonl")
        epoch_rows = [row for row in rows if "health/alerts_active" in row]
        check(len(epoch_rows) == epochs and all("train/grad_norm_max" in row for row in epoch_rows),
              f"{scenario}: {len(epoch_rows)} epoch rows with health metrics, want {epochs}")
        if fired_epoch is not None and fired_epoch < len(epoch_rows):
            check(epoch_rows[fired_epoch].get(f"health/{rule}") == 1, f"{scenario}: health/{rule} not 1 at epoch {fired_epoch}")
        out = "\n".join(l for l in r.stdout.splitlines() if not l.startswith("callback "))
        check(f"[{level}] {rule} fired" in out, f"{scenario}: console lacks '[{level}] {rule} fired': {out[-1500:]}")
        check(f"{rule} cleared" in out, f"{scenario}: console lacks the clearing")
        check("not_evaluated" not in out and "not evaluated" not in out, f"{scenario}: 'not evaluated' on the console")
        check(f"callback {rule}:fired" in r.stdout and f"callback {rule}:cleared" in r.stdout, f"{scenario}: on_alert callbacks")
        # Issue 14 item 6: each epoch is an aligned block grouped by prefix with one health line.
        lines = out.splitlines()
        check(any(l.startswith("  train ") for l in lines) and any(l.startswith("  health  ") for l in lines),
              f"{scenario}: no per-epoch block on the console")
        check(any(l.startswith("  health  ") and "firing:" in l and rule in l for l in lines),
              f"{scenario}: no health line naming {rule}")
        check(not any("health/" + rule in l for l in lines), f"{scenario}: health/<rule> flags listed one by one")
        records, kind = wandb_records(d)
        titles = [rec.alert.title for rec in records if kind and kind(rec) == "alert"]
        check(f"{rule} fired" in titles and not any("cleared" in x or "not_evaluated" in x for x in titles),
              f"{scenario}: .wandb alert titles {titles}")
        print(f"{scenario}: {rule} {states} ({len(titles)} W&B alerts)")

    # --- 3. usage errors: exit 2, every problem, nothing written ----------------------------------
    e = t / "errors"
    e.mkdir()
    r = subprocess.run([driver, "epochs=0", "--wandb_mode", "nope", "lr=x", "bogus=1", "--sinks", "jsonl,zzz"], cwd=e,
                       capture_output=True, text=True, env=clean_env())
    check(r.returncode == 2, f"usage error exit {r.returncode}")
    for frag in ["--wandb_mode: unknown run mode 'nope'", "override #2 'lr=x': lr", "override #3 'bogus=1': bogus"]:
        check(frag in r.stderr, f"usage error lacks {frag!r}: {r.stderr}")
    r = subprocess.run([driver, "epochs=0", "--sinks", "jsonl,zzz"], cwd=e, capture_output=True, text=True, env=clean_env())
    check(r.returncode == 2 and "epochs: must be at least 1" in r.stderr and "unknown sink 'zzz'" in r.stderr,
          f"check + run option problems together: {r.returncode} {r.stderr}")
    r = subprocess.run([driver, "model=missing"], cwd=e, capture_output=True, text=True,
                       env=clean_env(FRONT_DOOR_CONFIG_DIR=str(conf)))
    check(r.returncode == 2 and "missing" in r.stderr, f"composition error: {r.returncode} {r.stderr}")
    check(list(e.iterdir()) == [], f"files after usage errors: {list(e.iterdir())}")

for f in failures:
    print("FAIL:", f)
print(f"front door: {'failed' if failures else 'passed'}")
sys.exit(1 if failures else 0)
