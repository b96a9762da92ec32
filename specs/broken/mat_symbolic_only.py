"""PLANTED VIOLATION — a Mat functor wrong only symbolically.

``Wobble`` adds sin(36π·m) to every entry m. On every matrix with entries in (1/36)ℤ —
which includes every matrix hypothesis draws from MatQ (entries with denominators ≤ 3, and
their products) — the sine is exactly 0, so sampling sees the identity functor and every
sampled law holds. On matrices of symbols, F(f >> g) − F(f) >> F(g) does not simplify to
zero. Expected: ``preserves composition`` refuted by the symbolic engine, with a rational
witness.
"""

import sympy

from catdyn import Functor
from catdyn.categories.mat import MatQ


def _wobble(f):
    m = sympy.Matrix(f.matrix).applyfunc(lambda x: x + sympy.sin(36 * sympy.pi * x))
    return MatQ.matrix(f"wobble_{f.name}", f.dom, f.cod, m)


Wobble = Functor("Wobble", MatQ, MatQ, lambda V: V, _wobble)
