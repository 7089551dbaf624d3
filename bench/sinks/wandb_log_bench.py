"""Python baseline: wandb.log of 10 scalars per step in offline mode (no network)."""
import os
import sys
import tempfile
import time

os.environ.setdefault("WANDB_SILENT", "true")
os.environ["WANDB_MODE"] = "offline"
import wandb  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
with tempfile.TemporaryDirectory() as tmp:
    run = wandb.init(project="bench", dir=tmp, mode="offline", settings=wandb.Settings(console="off"))
    t0 = time.perf_counter()
    for i in range(steps):
        x = i * 1e-6
        run.log({"train/loss": x, "train/acc": 1 - x, "lr": 1e-4, "epoch": i // 1000, "grad/norm": 2 * x,
                 "grad/max": 3 * x, "weight/mean": x, "weight/std": x, "weight/max": x, "val/loss": x})
    t1 = time.perf_counter()
    run.finish()
    t2 = time.perf_counter()
print(f"wandb {wandb.__version__} offline: {steps} steps, log() {1e9 * (t1 - t0) / steps / 10:.0f} ns/scalar, "
      f"{steps / (t1 - t0):.0f} log calls/s, end-to-end incl. finish {steps / (t2 - t0):.0f} records/s")
