"""A Mat pullback declared with a zero-dimensional apex, where the true apex is not: no cone
with non-zero legs factors through it, and the uniqueness law says so (refuted, no
factorisation found) rather than erring on the empty case."""

from __future__ import annotations

import sympy

from catdyn import Cone, Cospan, Pullback
from catdyn.categories.mat import MatQ
from catdyn.checker import CheckConfig, check_laws, pullback_laws


def test_a_zero_apex_for_a_non_zero_pullback_is_refuted_by_uniqueness() -> None:
    A, C = MatQ.object("A", 2), MatQ.object("C", 1)
    f = MatQ.matrix("f", A, C, [[1, 1]])
    true = MatQ.pullback(Cospan(f, f))
    assert true.apex.dim > 0
    zero = MatQ.object("0", 0)
    p = MatQ.matrix("p", zero, A, sympy.zeros(2, 0))
    q = MatQ.matrix("q", zero, A, sympy.zeros(2, 0))

    def mediate(cone: Cone):
        return MatQ.matrix("u", cone.apex, zero, sympy.zeros(0, cone.apex.dim))

    results = {
        r.law: r
        for r in check_laws(
            pullback_laws(Pullback(Cone(true.cospan, p, q), mediate)), CheckConfig(examples=40, seed=0)
        )
    }
    assert results["square commutes"].ok
    unique = results["factorisation is unique"]
    assert unique.status == "refuted", (unique.status, unique.error)
    assert unique.counterexample.lhs == "[]"
    assert results["every cone factors"].status == "refuted"
