"""Correct laws over Mat (exact MatQ, and MatR with a tolerance).

- ``category``: MatQ's identities and associativity, proved on matrices of symbols;
- ``Twice``: the functor V ↦ V ⊕ V, M ↦ diag(M, M), proved on matrices of symbols;
- ``diagonal``: the natural transformation Id ⇒ Twice with components [I; I];
- ``rotation``: a diagram with a symbolic angle — four quarter turns are the identity and
  R(θ) R(−θ) = I — proved by simplification;
- ``kernel_pullback``: the pullback of two maps over ℚ (square, factorisation, uniqueness);
- ``real_pullback``: the same over ℝ, within MatR's tolerance;
- ``gram_symmetric``: a numeric law with a tolerance: (XᵀX)ᵀ = XᵀX for float matrices X.

Run: ``catdyn check specs/mat_laws.py``.
"""

import numpy as np
import sympy
from hypothesis import strategies as st

from catdyn import Cospan, Diagram, Functor, NaturalTransformation
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker import Law, approx

category = MatQ


def _twice_object(V):
    return MatQ.object(f"{V.name}⊕{V.name}", 2 * V.dim)


def _twice(f):
    m = sympy.Matrix(f.matrix)
    return MatQ.matrix(f"{f.name}⊕{f.name}", _twice_object(f.dom), _twice_object(f.cod), sympy.diag(m, m))


Twice = Functor("Twice", MatQ, MatQ, _twice_object, _twice)

diagonal = NaturalTransformation(
    "diagonal",
    Functor.identity(MatQ),
    Twice,
    lambda V: MatQ.matrix(
        f"Δ_{V.name}", V, _twice_object(V), sympy.Matrix.vstack(sympy.eye(V.dim), sympy.eye(V.dim))
    ),
)

theta = sympy.Symbol("theta")
R2 = MatQ.object("R2", 2)
quarter = MatQ.matrix("quarter", R2, R2, [[0, -1], [1, 0]])
turn = MatQ.matrix(
    "turn", R2, R2, [[sympy.cos(theta), -sympy.sin(theta)], [sympy.sin(theta), sympy.cos(theta)]]
)
back = MatQ.matrix(
    "back", R2, R2, [[sympy.cos(theta), sympy.sin(theta)], [-sympy.sin(theta), sympy.cos(theta)]]
)
rotation = Diagram(
    "rotations",
    MatQ,
    [quarter, turn, back, MatQ.identity(R2)],
    equations=[(["quarter"] * 4, ["id_R2"]), (["turn", "back"], ["id_R2"])],
)

A, B, C = MatQ.object("A", 3), MatQ.object("B", 2), MatQ.object("C", 2)
f = MatQ.matrix("f", A, C, [[1, 0, 1], [0, 1, 1]])
g = MatQ.matrix("g", B, C, [[1, 1], [0, 2]])
kernel_pullback = MatQ.pullback(Cospan(f, g))

Ar, Cr = MatR.object("A", 3), MatR.object("C", 1)
fr = MatR.matrix("f", Ar, Cr, [[0.5, -1.0, 2.0]])
gr = MatR.matrix("g", Ar, Cr, [[1.0, 1.0, 0.0]])
real_pullback = MatR.pullback(Cospan(fr, gr))

_floats = st.floats(-10, 10, allow_nan=False, allow_subnormal=False)
_matrices = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(_floats, min_size=n, max_size=n), min_size=1, max_size=4)
)
gram_symmetric = Law(
    "Gram matrix is symmetric",
    "numeric",
    lambda x: (x.T @ x).T,
    lambda x: x.T @ x,
    arguments=_matrices.map(lambda rows: (np.array(rows),)),
    argnames=("X",),
    compare=approx(rtol=1e-12, atol=1e-12),
    statement="(XᵀX)ᵀ = XᵀX",
)
