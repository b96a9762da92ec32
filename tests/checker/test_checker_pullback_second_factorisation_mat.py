"""The Mat uniqueness law shows two factorisations for a cone of any dimension, not only 1.

When the declared apex of a Mat pullback is too large (``[p; q]`` has a null vector ``k``), a
cone ``X`` factors in more than one way: ``u`` and ``u + k·e₁ᵀ`` (``e₁`` the first basis row of
``X``). The uniqueness law's left side lists them, and the checker shows them as its
counterexample. The exhaustive cases are one-dimensional cones, but sampling draws cones of
0 … ``max_dim`` dimensions, so the second factorisation must have the right shape for every
dimension (the exhaustive cases alone never reach a cone of dimension 2, and a sampled run
meets a one-dimensional counterexample first, so only a direct look at a wider cone shows a
second map of the wrong shape). Checked against the definition with numpy directly: both maps satisfy
``p·u = x_A`` and ``q·u = x_B``, and they differ.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker import pullback_laws


def _too_large_pullback(cat):
    """A ← P → A over f: A → C, with P two-dimensional and its second coordinate ignored."""
    A, C = cat.object("A", 1), cat.object("C", 1)
    f = cat.matrix("f", A, C, [[1]])
    P = cat.object("P", 2)
    p = cat.matrix("p", P, A, [[1, 0]])
    q = cat.matrix("q", P, A, [[1, 0]])

    def mediate(cone: Cone):
        return cat.matrix("u", cone.apex, P, [list(cone.left.matrix.tolist()[0]), [0] * cone.apex.dim])

    return Pullback(Cone(Cospan(f, f), p, q), mediate), A, f


def _as_array(m) -> np.ndarray:
    return np.array(sympy.Matrix(m).tolist(), dtype=float) if isinstance(m, sympy.MatrixBase) else np.asarray(m, float)


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["exact", "float"])
@pytest.mark.parametrize("dim", [1, 2, 3, 4])
def test_two_factorisations_of_a_cone_of_any_dimension(cat, dim: int) -> None:
    pb, A, f = _too_large_pullback(cat)
    unique = next(law for law in pullback_laws(pb) if law.name == "factorisation is unique")
    X = cat.object("X", dim)
    row = [[j + 1 for j in range(dim)]]  # x_A = x_B = [1 2 … dim]: the square over f commutes
    cone = Cone(Cospan(f, f), cat.matrix("x_A", X, A, row), cat.matrix("x_B", X, A, row))
    found, _ = unique.sides((cone,))
    assert len(found) == 2, found
    p = np.array([[1.0, 0.0]])
    for u in found:
        assert (u.dom, u.cod) == (X, pb.apex)
        m = _as_array(u.matrix)
        assert m.shape == (2, dim)
        np.testing.assert_allclose(p @ m, np.asarray(row, float), atol=1e-9)  # p·u = x_A (= q·u: q = p)
    assert not np.allclose(_as_array(found[0].matrix), _as_array(found[1].matrix))
    if cat is MatQ:  # exact data stays exact
        assert all(isinstance(u.matrix, sympy.MatrixBase) for u in found)

