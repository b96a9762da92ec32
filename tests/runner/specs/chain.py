"""A generic chain of slow tasks (no torch), for the crash and concurrency tests.

Each step appends ``start STEP`` / ``end STEP`` to the file named by ``CATDYN_TEST_LOG`` and
sleeps; the step named by ``CATDYN_TEST_SLOW`` sleeps ``CATDYN_TEST_SLOW_S`` seconds instead, and the
one named by ``CATDYN_TEST_FAIL`` raises.
"""

import os
import time

import numpy as np

from catdyn.runner import Experiment, P, operation


def _log(line: str) -> None:
    path = os.environ.get("CATDYN_TEST_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())


@operation("test_chain_step", inputs=None, output="array")
def chain_step(ctx, *inputs, seconds=0.05, size=1000):
    _log(f"start {ctx.step}")
    if ctx.step == os.environ.get("CATDYN_TEST_FAIL"):
        raise ValueError(f"planted failure in {ctx.step}")
    if ctx.step == os.environ.get("CATDYN_TEST_SLOW"):
        seconds = float(os.environ.get("CATDYN_TEST_SLOW_S", "30"))
    n = 10
    for i in range(n):
        time.sleep(seconds / n)
        ctx.progress(i + 1, n)
    value = np.random.default_rng(ctx.seed).normal(size=int(size))
    for x in inputs:
        value = value + x["x"].mean()
    ctx.metric("mean", float(value.mean()))
    _log(f"end {ctx.step}")
    return {"x": value, "step": ctx.step}


exp = Experiment("chain", seed=1, presets={"smoke": {"seconds": 0.05}, "slow": {"seconds": 0.4}})
a = exp.stage("a", "array")
exp.step("a", None, a, op="test_chain_step", seconds=P("seconds"))
prev = [a]
for level in "bcdef":
    stage = exp.stage(level, "array")
    exp.step(level, prev[-1], stage, op="test_chain_step", seconds=P("seconds"))
    prev.append(stage)
# a fan of independent tasks off the chain (more writers for the concurrency test)
for i in range(8):
    leaf = exp.stage(f"leaf{i}", "array")
    exp.step(f"leaf{i}", prev[i % len(prev)], leaf, op="test_chain_step", seconds=P("seconds"), size=5000)
