#!/usr/bin/env python3
"""vitals vs Hydra: compose the seed layout with 5 overrides.

Usage: hydra_compose_bench.py <compose_bench binary>

Runs the C++ benchmark (Google Benchmark, JSON output) and, in this process, times Hydra's
compose() alone (initialize_config_dir once, then compose + to_container(resolve=True) in a loop;
interpreter start-up and imports are not counted). Prints a markdown table.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "tests/oracle/hydra/configs/seed"
OVERRIDES = ["exp=001", "exp.fold=[0,1,2,3,4]", "exp.debug=true", "exp.train.lr=0.01", "show_config=false"]
os.environ.setdefault("VITALS_ORACLE_ROOT", "/bench")


@dataclass
class TrainConfig:
    epochs: int = 30
    lr: float = 3e-4
    batch_size: int = 32


@dataclass
class ExpConfig:
    exp_name: str = "default"
    fold: List[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    debug: bool = False
    seed: int = 42
    train: TrainConfig = field(default_factory=TrainConfig)


def time_hydra(reps=50):
    from hydra import compose, initialize_config_dir
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    ConfigStore.instance().store(group="exp", name="default", node=ExpConfig)
    with initialize_config_dir(version_base=None, config_dir=str(CONFIG_DIR)):
        for _ in range(10):  # warm-up
            OmegaConf.to_container(compose(config_name="config", overrides=OVERRIDES), resolve=True)
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps // 5):
                cfg = compose(config_name="config", overrides=OVERRIDES)
                OmegaConf.to_container(cfg, resolve=True)
            samples.append((time.perf_counter() - t0) / (reps // 5))
    return statistics.median(samples) * 1e6


def time_vitals(binary):
    out = subprocess.run([binary, "--benchmark_format=json", "--benchmark_min_time=0.3"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    return {b["name"]: b["real_time"] for b in data["benchmarks"]}  # microseconds (kMicrosecond)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ours = time_vitals(sys.argv[1])
    hydra_us = time_hydra()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("| what | time per compose | vs Hydra |")
    print("|---|---|---|")
    print(f"| Hydra 1.3 compose() + to_container(resolve=True) | {hydra_us:.0f} µs | 1× |")
    for name, label in [("BM_compose_tree", "vitals compose_tree (untyped)"),
                        ("BM_compose_typed", "vitals compose<Config> (typed)"),
                        ("BM_parse_overrides", "vitals parse_overrides only")]:
        if name in ours:
            print(f"| {label} | {ours[name]:.1f} µs | {hydra_us / ours[name]:.0f}× faster |")


if __name__ == "__main__":
    main()
