"""Scaling with cores of the two CPU routes that share the shard runner
(:mod:`catdyn.backends.torch.compute.shards`): the ensemble (K = 64 digits MLPs 64-64-10, 100
SGD steps, batch 64; quick: K = 16, 20 steps) and the barrier matrix (16 such MLPs, 120 pairs ×
25 points, loss and error on train and test; quick: 8 MLPs, 9 points), both with
``workers="auto"``, ``parallel="auto"``, in a fresh process restricted to 1, 2, 8, 16 … cores
(``os.sched_setaffinity`` before it starts, as ``taskset -c`` would; its worker processes
inherit the mask). ``CATDYN_BENCH_PIN=1`` also binds each shard to its layout's cores
(``pin=True``), so pinned and unpinned runs can be compared.

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


def _child(route: str, members: int, steps: int) -> dict:
    """Runs inside the restricted process: time the route, report the layout."""
    import time

    import torch

    from catdyn.backends.torch.compute.layout import available_cores
    from catdyn.backends.torch.compute.shards import shard_plan
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix
    from catdyn.backends.torch.paths.interpolation import unstack
    from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
    from catdyn.backends.torch.training.optim import SGD

    pin = os.environ.get("CATDYN_BENCH_PIN") == "1"
    splits = load_digits(seed=0)
    data = splits.train
    cfg = TrainConfig(steps=steps, batch_size=64, optimiser=SGD(momentum=0.9), lr=0.05, pin=pin)
    if route == "ensemble":
        seeds = list(range(members))

        def timed() -> object:
            return train_ensemble(MLP((64, 64, 10)), data, seeds, cfg, device="cpu")

        layout = shard_plan(members, min_shard=8)
    else:  # the barrier matrix of `members` trained MLPs at `steps` points
        net = MLP((64, 64, 10))
        trained = train_ensemble(net, data, list(range(members)), TrainConfig(steps=200, lr=0.05), device="cpu")
        models = unstack(trained.params)
        both = {"train": (data.x, data.y), "test": (splits.test.x, splits.test.y)}

        def timed() -> object:
            return barrier_matrix(net, models, both, points=steps, alignment="none", pin=pin)

        layout = shard_plan(members * (members - 1) // 2, min_shard=2)
    timed()  # warm-up: pool, kernels
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        timed()
        times.append(time.perf_counter() - t0)
    return {
        "pinned": pin,
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


def _measure(route: str, n: int, members: int, steps: int) -> dict:
    cores = sorted(os.sched_getaffinity(0))[:n]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_cores", "--child", route, str(members), str(steps)],
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
    """Time both routes at each core count; see the module docstring."""
    sizes = {"ensemble": (16, 20) if quick else (64, 100), "barriers": (8, 9) if quick else (16, 25)}
    counts = _core_counts()
    results = []
    for route, (members, steps) in sizes.items():
        measured = {n: _measure(route, n, members, steps) for n in counts}
        one = measured[1]["best_s"] if 1 in measured else None
        what = f"K={members}, {steps} steps" if route == "ensemble" else f"{members} models × {steps} points"
        for n in counts:
            m = measured[n]
            efficiency = None if one is None else one / (n * m["best_s"])
            results.append(
                Result(
                    f"{route} {what}, on {n} core(s)" + (", pinned" if m["pinned"] else ""),
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
    print(json.dumps(_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
