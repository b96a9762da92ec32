"""Morphisms with equal entries but different ends are different morphisms: ``compare`` looks at
both the domain and the codomain (a map A → B and a map A → C with the same matrix are not
equal, nor are maps A → B and A' → B), in MatQ (residual 1.0) and MatR (residual inf)."""

from __future__ import annotations

import math

import pytest

from catdyn.categories.mat import MatQ, MatR

ENTRIES = [[1, 2], [3, 4]]


def _ends(cat):  # type: ignore[no-untyped-def]
    A, A2, B, C = (cat.object(n, 2) for n in ("A", "A2", "B", "C"))
    f = cat.matrix("f", A, B, ENTRIES)
    return {
        "same ends": (f, cat.matrix("g", A, B, ENTRIES), True),
        "codomain differs": (f, cat.matrix("g", A, C, ENTRIES), False),
        "domain differs": (f, cat.matrix("g", A2, B, ENTRIES), False),
        "both differ": (f, cat.matrix("g", A2, C, ENTRIES), False),
    }


@pytest.mark.parametrize("case", ["same ends", "codomain differs", "domain differs", "both differ"])
def test_matq_compares_both_ends(case: str) -> None:
    f, g, equal = _ends(MatQ)[case]
    c = MatQ.compare(f, g)
    assert (c.equal, c.residual, c.exact) == (equal, 0.0 if equal else 1.0, True)


@pytest.mark.parametrize("case", ["same ends", "codomain differs", "domain differs", "both differ"])
def test_matr_compares_both_ends(case: str) -> None:
    f, g, equal = _ends(MatR)[case]
    c = MatR.compare(f, g)
    assert c.equal is equal
    assert c.residual == 0.0 if equal else math.isinf(c.residual)


def test_a_codomain_of_another_size_is_unequal_not_an_error() -> None:
    A, B, C = MatQ.object("A", 1), MatQ.object("B", 1), MatQ.object("C", 2)
    f, g = MatQ.matrix("f", A, B, [[1]]), MatQ.matrix("g", A, C, [[1], [0]])
    assert MatQ.compare(f, g).equal is False
    Ar, Br, Cr = MatR.object("A", 1), MatR.object("B", 1), MatR.object("C", 2)
    fr, gr = MatR.matrix("f", Ar, Br, [[1.0]]), MatR.matrix("g", Ar, Cr, [[1.0], [0.0]])
    assert MatR.compare(fr, gr).equal is False
