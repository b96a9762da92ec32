"""A diagram experiment of numpy-only morphisms (no torch): a draw, two linear legs, their
pullback solved by least squares, its square checked, and a claim. ``BROKEN`` plants a solver
that ignores the constraint, so the square must be refuted."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np
from pydantic import PositiveInt

from catdyn import BackendMorphism, Cospan, Solver, Value, experiment
from catdyn.values import Claims


@dataclasses.dataclass(frozen=True)
class Vector(Value):
    """A vector of reals."""

    x: Any


@dataclasses.dataclass(frozen=True)
class Pair(Value):
    """A point of a pullback of two linear maps."""

    left: Vector
    right: Vector


class Draw(BackendMorphism):
    """n standard normal draws from the arrow's seed."""

    inputs, output = (), Vector
    n: PositiveInt

    def run(self, ctx: Any) -> Vector:
        return Vector(np.random.default_rng(ctx.seed).normal(size=self.n))


class Linear(BackendMorphism):
    """x ↦ A x."""

    inputs, output = (Vector,), Vector
    matrix: tuple[tuple[float, ...], ...]

    def run(self, ctx: Any, v: Vector) -> Vector:
        return Vector(np.asarray(self.matrix) @ v.x)


class LeastSquares(Solver):
    """The point (x, y) over a given x with B y = A x (y: least squares from the start);
    ``broken`` returns the start unchanged (a planted violation of the square)."""

    inputs, output = (Vector, Vector), Pair
    broken: bool = False

    def run(self, ctx: Any, x: Vector, start: Vector) -> Pair:
        f, g = self.leg_morphisms()
        target = np.asarray(f.matrix) @ x.x
        y = start.x if self.broken else np.linalg.lstsq(np.asarray(g.matrix), target, rcond=None)[0]
        return Pair(x, Vector(y))


class NormClaim(BackendMorphism):
    """A claim that a vector's norm is below a bound."""

    inputs, output = (Vector,), Claims
    bound: float

    def run(self, ctx: Any, v: Vector) -> Claims:
        norm = float(np.linalg.norm(v.x))
        verdict = "reproduced" if norm < self.bound else "not reproduced"
        ctx.claim("the norm is small", paper=f"< {self.bound}", measured=norm, verdict=verdict)
        return Claims([{"claim": "the norm is small", "verdict": verdict}])


BROKEN = os.environ.get("CATDYN_TOY_BROKEN") == "1"
A = ((1.0, 2.0), (0.0, 1.0))
B = ((2.0, 0.0), (0.0, 4.0))


@experiment(name="toy-diagram", seed=3, presets={"smoke": {"n": 2}})
def toy(e, p):
    """Two linear legs and their pullback."""
    x = e.add("X", Draw(n=p["n"]))
    y0 = e.add("Y0", Draw(n=p["n"]), name="start")
    pb = e.pullback("P", Cospan(Linear(matrix=A), Linear(matrix=B)), at=(x, y0),
                    solve=LeastSquares(broken=BROKEN), atol=1e-9)
    e.add("Claims", NormClaim(bound=100.0), pb.right)
