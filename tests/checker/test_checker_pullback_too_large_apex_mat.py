"""A Mat pullback declared with a two-dimensional apex whose second coordinate both legs ignore:
the square commutes and every cone factors, but not uniquely (any multiple of the ignored
coordinate can be added). The uniqueness law must refute it, exactly and with floats (the
other Mat pullback tests plant a zero apex; the FinSet one a too-large apex). Independently of the checker: the legs' stacked matrix has a non-zero null space, which
is what makes a second factorisation exist, and the category's own pullback has none."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker import CheckConfig, check_laws, pullback_laws


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["exact", "float"])
def test_an_apex_with_an_ignored_coordinate_is_refuted_by_uniqueness(cat) -> None:
    A, C = cat.object("A", 1), cat.object("C", 1)
    f = cat.matrix("f", A, C, [[1]])
    P = cat.object("P", 2)
    p = cat.matrix("p", P, A, [[1, 0]])
    q = cat.matrix("q", P, A, [[1, 0]])
    # the reference: [p; q] has the null vector e2, the category's own pullback's legs have none
    assert sympy.Matrix([[1, 0], [1, 0]]).nullspace() == [sympy.Matrix([0, 1])]
    true = cat.pullback(Cospan(f, f))
    stacked = np.vstack([np.asarray(true.cone.left.matrix, float), np.asarray(true.cone.right.matrix, float)])
    assert np.linalg.matrix_rank(stacked) == true.apex.dim

    def mediate(cone: Cone):
        return cat.matrix("u", cone.apex, P, [list(cone.left.matrix.tolist()[0]), [0] * cone.apex.dim])

    results = {
        r.law: r
        for r in check_laws(pullback_laws(Pullback(Cone(Cospan(f, f), p, q), mediate)), CheckConfig(examples=30, seed=0))
    }
    assert results["square commutes"].ok
    assert results["every cone factors"].ok, results["every cone factors"].error
    unique = results["factorisation is unique"]
    assert unique.status == "refuted", (unique.status, unique.error)
    assert unique.error is None
    # the same check on the category's own pullback finds nothing
    own = {r.law: r for r in check_laws(pullback_laws(true), CheckConfig(examples=30, seed=0))}
    assert own["factorisation is unique"].ok, own["factorisation is unique"]
