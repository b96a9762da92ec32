"""Scaling with cores: the CPU ensemble (K = 64 digits MLPs 64-64-10, 100 SGD steps, batch 64;
quick: K = 16, 20 steps) trained with ``workers="auto"``, ``parallel="auto"`` in a fresh
process restricted to 1, 2, 8, 16 … cores (``os.sched_setaffinity`` before it starts, as
``taskset -c`` would; its worker processes inherit the mask).

Each core count runs in its own child process (so the layout, the worker pool and torch's
thread count all see only those cores): one untimed warm-up, then the best of three. Every
line reports the time at n cores against the time at 1 core (the ratio is the speed-up), the
**scaling efficiency** ``T₁ / (n · Tₙ)`` and the layout the child chose. Goal: efficiency ≥ 80 %.

Core counts: ``CATDYN_BENCH_CORES`` (comma-separated, e.g. ``1,2,8,16``); by default 1, 2, 8,
16 up to the cores this process may use. On a machine shared with other users the figures at
n cores measure what those cores had left to give; the 1-minute load average is recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.harness import Result


def _child(members: int, steps: int) -> dict:
    """Runs inside the restricted process: time the ensemble, report the layout."""
    import time

    import torch

    from catdyn.backends.torch.compute.layout import available_cores, shard_layout
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    data = load_digits(seed=0).train
    cfg = TrainConfig(steps=steps, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05)
    seeds = list(range(members))
    train_ensemble(MLP((64, 64, 10)), data, seeds, cfg, device="cpu")  # warm-up: pool, kernels
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        train_ensemble(MLP((64, 64, 10)), data, seeds, cfg, device="cpu")
        times.append(time.perf_counter() - t0)
    layout = shard_layout(members, available_cores())
    return {
        "best_s": min(times),
        "times_s": times,
        "cores": list(available_cores()),
        "torch_threads": torch.get_num_threads(),
        "layout": {
            "shards": layout.shards,
            "threads_per_shard": layout.threads_per_shard,
            "parallel": layout.parallel,
        },
    }


def _core_counts() -> list[int]:
    have = len(os.sched_getaffinity(0))
    if os.environ.get("CATDYN_BENCH_CORES"):
        wanted = [int(c) for c in os.environ["CATDYN_BENCH_CORES"].split(",")]
        too_many = [c for c in wanted if c > have]
        if too_many:
            raise SystemExit(f"CATDYN_BENCH_CORES asks for {too_many} cores; this process may use {have}")
        return wanted
    return [c for c in (1, 2, 8, 16) if c <= have]


def _measure(n: int, members: int, steps: int) -> dict:
    cores = sorted(os.sched_getaffinity(0))[:n]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_cores", "--child", str(members), str(steps)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        preexec_fn=lambda: os.sched_setaffinity(0, cores),
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[Result]:
    """Time the ensemble at each core count; see the module docstring."""
    members, steps = (16, 20) if quick else (64, 100)
    counts = _core_counts()
    measured = {n: _measure(n, members, steps) for n in counts}
    one = measured[1]["best_s"] if 1 in measured else None
    results = []
    for n in counts:
        m = measured[n]
        efficiency = None if one is None else one / (n * m["best_s"])
        results.append(
            Result(
                f"ensemble K={members}, {steps} steps, on {n} core(s)",
                one,
                m["best_s"],
                "scaling efficiency ≥ 80 %",
                bool(efficiency is not None and efficiency >= 0.8),
                baseline="the same on 1 core",
                extra={**m, "scaling_efficiency": efficiency, "load_1min": os.getloadavg()[0]},
            )
        )
    return results


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(_child(int(sys.argv[2]), int(sys.argv[3]))))
