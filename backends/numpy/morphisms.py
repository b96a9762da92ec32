"""Morphisms on samples of real numbers: draw one from the arrow's seed, summarise it.

>>> from catdyn.runner.context import TaskContext
>>> ctx = TaskContext(seed=3)
>>> xs = NormalDraws(n=4).run(ctx)
>>> Summarise().run(ctx, xs).n
4
>>> NormalDraws(n=0)
Traceback (most recent call last):
...
catdyn.errors.SpecError: NormalDraws got invalid parameters: n: Input should be greater than 0 (got 0). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from pydantic import PositiveFloat, PositiveInt

from catdyn.morphisms import BackendMorphism
from catdyn.values import Value, require


@dataclasses.dataclass(frozen=True)
class Sample(Value):
    """A sample of real numbers (a one-dimensional array).

    >>> Sample(np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    catdyn.errors.SchemaError: a Sample was built with an array of shape (2, 2). A sample is one-dimensional: one number per draw.
    """

    values: Any

    def check(self) -> None:
        shape = np.shape(self.values)
        require("Sample", len(shape) == 1, f"an array of shape {shape}", "A sample is one-dimensional: one number per draw")


@dataclasses.dataclass(frozen=True)
class Moments(Value):
    """The mean, standard deviation and size of a sample."""

    mean: float
    std: float
    n: int

    def check(self) -> None:
        require("Moments", int(self.n) >= 0, f"a size of {self.n}", "A sample's size is at least 0")


class NormalDraws(BackendMorphism):
    """``n`` draws from N(0, scale²) with the arrow's seed (numpy's PCG64)."""

    inputs, output = (), Sample
    n: PositiveInt = 10
    scale: PositiveFloat = 1.0

    def run(self, ctx: Any) -> Sample:
        return Sample(np.random.default_rng(ctx.seed).normal(0.0, self.scale, size=self.n))


class Summarise(BackendMorphism):
    """The mean, standard deviation and size of a sample, recorded as metrics too."""

    inputs, output = (Sample,), Moments

    def run(self, ctx: Any, sample: Sample) -> Moments:
        a = np.asarray(sample.values, dtype=float)
        out = Moments(float(a.mean()) if a.size else float("nan"), float(a.std()) if a.size else float("nan"),
                      int(a.size))
        for name in ("mean", "std", "n"):
            ctx.metric(name, getattr(out, name))
        return out
