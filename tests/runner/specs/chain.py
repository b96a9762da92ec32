"""A generic chain of slow tasks (no torch), for the crash and concurrency tests: a diagram of
two small morphisms defined here, ``ChainStart: 1 → Block`` and ``ChainLink: Block → Block``.

Each arrow appends ``start ARROW`` / ``end ARROW`` to the file named by ``CATDYN_TEST_LOG`` and
sleeps; the arrow named by ``CATDYN_TEST_SLOW`` sleeps ``CATDYN_TEST_SLOW_S`` seconds instead, and
the one named by ``CATDYN_TEST_FAIL`` raises.
"""

import dataclasses
import os
import time
from typing import Any

import numpy as np
from pydantic import NonNegativeFloat, PositiveInt

from catdyn import BackendMorphism, Value, experiment


@dataclasses.dataclass(frozen=True)
class Block(Value):
    """Numbers an arrow drew (plus its inputs' means), and the arrow that drew them."""

    x: Any
    arrow: str


def _log(line: str) -> None:
    path = os.environ.get("CATDYN_TEST_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def _work(ctx: Any, inputs: tuple[Block, ...], seconds: float, size: int) -> Block:
    _log(f"start {ctx.task}")
    if ctx.task == os.environ.get("CATDYN_TEST_FAIL"):
        raise ValueError(f"planted failure in {ctx.task}")
    if ctx.task == os.environ.get("CATDYN_TEST_SLOW"):
        seconds = float(os.environ.get("CATDYN_TEST_SLOW_S", "30"))
    n = 10
    for i in range(n):
        time.sleep(seconds / n)
        ctx.progress(i + 1, n)
    value = np.random.default_rng(ctx.seed).normal(size=size)
    for b in inputs:
        value = value + b.x.mean()
    ctx.metric("mean", float(value.mean()))
    _log(f"end {ctx.task}")
    return Block(value, ctx.task)


class ChainStart(BackendMorphism):
    """The chain's first block."""

    inputs, output = (), Block
    seconds: NonNegativeFloat = 0.05
    size: PositiveInt = 1000

    def run(self, ctx: Any) -> Block:
        return _work(ctx, (), self.seconds, self.size)


class ChainLink(BackendMorphism):
    """A block made from the previous one."""

    inputs, output = (Block,), Block
    seconds: NonNegativeFloat = 0.05
    size: PositiveInt = 1000

    def run(self, ctx: Any, previous: Block) -> Block:
        return _work(ctx, (previous,), self.seconds, self.size)


@experiment(name="chain", seed=1, presets={"smoke": {"seconds": 0.05}, "slow": {"seconds": 0.4}})
def chain(e, p):
    """A chain a → b → … → f, and a fan of independent leaves off it."""
    prev = [e.add("a", ChainStart(seconds=p["seconds"]), name="a")]
    for level in "bcdef":
        prev.append(e.add(level, ChainLink(seconds=p["seconds"]), prev[-1], name=level))
    # a fan of independent tasks off the chain (more writers for the concurrency test)
    for i in range(8):
        e.add(f"leaf{i}", ChainLink(seconds=p["seconds"], size=5000), prev[i % len(prev)], name=f"leaf{i}")
