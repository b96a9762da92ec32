"""Runner overhead: 1,000 tasks of about 10 ms through compile + store + scheduling, against
calling the same morphism's ``run`` directly in a loop (same inputs, same order).

Each task sleeps 10 ms (fixed work, immune to the machine's load) and returns a 64-float
array; tasks form 10 chains of 100, so every task reads its predecessor's value. The runner
side includes compiling the plan, claiming each task in SQLite, writing its artifact
atomically (fsync + rename) with its hash, and recording the outcome. Goal: < 20 % overhead on
the local executor. ``--quick``: 100 tasks.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from typing import Any

import numpy as np

from benchmarks.harness import Result
from catdyn import BackendMorphism, Experiment
from catdyn.backends.numpy.morphisms import Sample
from catdyn.runner.context import TaskContext
from catdyn.runner.run import run_experiment

WORK_S = 0.010


class BenchWork(BackendMorphism):
    """About 10 ms of work: a fixed sleep, then a small sample derived from the inputs (none or one)."""

    inputs, output = (Sample,), Sample
    index: int = 0

    def run(self, ctx: Any, *inputs: Sample) -> Sample:
        time.sleep(WORK_S)
        out = np.full(64, float(self.index))
        for x in inputs:
            out += np.asarray(x.values)[:64] * 0.5
        return Sample(out)


class BenchStart(BenchWork):
    """The first task of a chain (reads nothing)."""

    inputs = ()


def _experiment(n_tasks: int, chains: int = 10) -> Experiment:
    exp = Experiment("bench", seed=0)
    per = n_tasks // chains
    for c in range(chains):
        prev: tuple[Any, ...] = ()
        for i in range(per):
            kind = BenchWork if prev else BenchStart
            prev = (exp.add(f"s{c}_{i}", kind(index=c * per + i), *prev, name=f"t{c}_{i}"),)
    return exp


def _direct(n_tasks: int, chains: int = 10) -> float:
    t0 = time.perf_counter()
    per = n_tasks // chains
    for c in range(chains):
        prev: tuple[Sample, ...] = ()
        for i in range(per):
            kind = BenchWork if prev else BenchStart
            prev = (kind(index=c * per + i).run(TaskContext(seed=0), *prev),)
    return time.perf_counter() - t0


def _runner(n_tasks: int) -> tuple[float, dict[str, int]]:
    exp = _experiment(n_tasks)
    out = tempfile.mkdtemp(prefix="catdyn-bench-")
    try:
        t0 = time.perf_counter()
        summary = run_experiment(exp, out, report=False)
        took = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return took, summary.counts()


def run(quick: bool = False) -> list[Result]:
    """Time both sides twice, interleaved, and keep each side's best."""
    n = 100 if quick else 1000
    direct, runner = [], []
    counts: dict[str, int] = {}
    for _ in range(2):
        direct.append(_direct(n))
        took, counts = _runner(n)
        runner.append(took)
    base, cand = min(direct), min(runner)
    overhead = cand / base - 1
    per_task_ms = (cand - base) / n * 1e3
    return [
        Result(
            f"runner overhead, {n} tasks × {WORK_S * 1e3:.0f} ms",
            base,
            cand,
            "overhead < 20 %",
            overhead < 0.20 and counts == {"computed": n},
            baseline="direct calls",
            extra={"overhead": overhead, "overhead_ms_per_task": per_task_ms, "outcomes": counts},
        )
    ]
