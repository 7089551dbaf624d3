"""Python wandb.log (offline) on the same data as wandb_bench: 10 scalars per step.

Prints steps/s for the log loop alone and including finish() (which waits until every record is
written to the .wandb file). usage: python_wandb_log.py [steps]
"""
import os
import sys
import tempfile
import time

os.environ.update({"WANDB_MODE": "offline", "WANDB_SILENT": "true"})
os.environ.setdefault("HOME", tempfile.mkdtemp())
import wandb  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
keys = ["train/loss", "train/lr", "train/grad_norm"] + [f"train/m{k}" for k in range(3, 10)]
d = tempfile.mkdtemp(prefix="vitals_wandb_pybench_")
run = wandb.init(project="bench", dir=d, config={"lr": 0.001},
                 settings=wandb.Settings(silent=True, x_disable_stats=True, console="off"))
t0 = time.perf_counter()
for step in range(steps):
    run.log({k: 0.001 * step + i / 7.0 for i, k in enumerate(keys)}, step=step)
t1 = time.perf_counter()
run.finish()
t2 = time.perf_counter()
print(f"wandb {wandb.__version__}: {steps} steps, log loop {steps / (t1 - t0):.0f} steps/s, "
      f"including finish {steps / (t2 - t0):.0f} steps/s")
