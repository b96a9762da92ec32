"""The cone with a zero-dimensional apex factors through a Mat pullback in exactly one way.

From the zero space there is exactly one linear map to any space (the empty matrix), so the
uniqueness law's left side, the factorisations it finds, must hold exactly one map for the
empty cone, over MatQ (sympy's exact solver) and MatR (numpy's least squares) alike. Sympy's
``gauss_jordan_solve`` reports "no solution" for a right side with no columns; the law must
not take that for a cone that does not factor (sampling draws the empty cone).
"""

from __future__ import annotations

import numpy as np
import pytest

from catdyn import Cone, Cospan
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker import pullback_laws


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
@pytest.mark.parametrize("row", [[[1, 1]], [[1, 0]], [[0, 0]]], ids=["sum", "first", "zero"])
def test_the_empty_cone_has_exactly_one_factorisation(cat, row) -> None:
    A, C = cat.object("A", 2), cat.object("C", 1)
    f = cat.matrix("f", A, C, row)
    pb = cat.pullback(Cospan(f, f))
    empty = cat.object("X", 0)
    zero_a = cat.matrix("x_A", empty, A, np.zeros((2, 0)))
    cone = Cone(pb.cospan, zero_a, zero_a)
    unique = {law.name: law for law in pullback_laws(pb)}["factorisation is unique"]
    found = unique.lhs(cone)
    assert len(found) == 1, found
    (u,) = found
    assert (u.dom.dim, u.cod.dim) == (0, pb.apex.dim)
    assert unique.compare(found, unique.rhs(cone)).equal
