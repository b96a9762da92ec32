"""The default comparison of morphisms (exact categories: FinSet, Perm, Path): equal morphisms
are 0.0 apart, different ones 1.0, as :class:`catdyn.category.Comparison` documents; and a law
checked over such a category reports those residuals (0 when proved, 1 in a counterexample).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from catdyn.categories.finset import FinSet
from catdyn.categories.paths import Path
from catdyn.categories.perm import Perm
from catdyn.checker.law import CheckConfig, Law, check_law


def _pairs():
    A, B = FinSet.object("A", 3), FinSet.object("B", 2)
    f = FinSet.function("f", A, B, [0, 1, 1])
    yield "FinSet", f, FinSet.function("g", A, B, [0, 1, 1]), FinSet.function("h", A, B, [1, 1, 1])
    G = Perm.group(3, 2)
    s = Perm.element(G, [1, 2, 0], [1, 0], name="s")
    yield "Perm", s, s.inverse().inverse(), Perm.identity(G)
    a, b = Path.point([0.0, 0.0], name="a"), Path.point([1.0, 0.0], name="b")
    p = Path.path([[0, 0], [0.5, 0], [1, 0]], dom=a, cod=b, name="p")
    same = Path.path([[0, 0], [0.5, 0], [1, 0]], dom=a, cod=b, name="q")
    other = Path.path([[0, 0], [0.5, 0.5], [1, 0]], dom=a, cod=b, name="r")
    yield "Path", p, same, other


@pytest.mark.parametrize("case", list(_pairs()), ids=lambda c: c[0])
def test_equal_morphisms_are_zero_apart_and_different_ones_one(case) -> None:
    _, f, same, other = case
    cat = f.category
    assert f == same and f != other
    assert cat.compare(f, same) == type(cat.compare(f, same))(True, 0.0, True)
    c = cat.compare(f, other)
    assert (c.equal, c.residual, c.exact) == (False, 1.0, True)


@pytest.mark.parametrize("case", list(_pairs()), ids=lambda c: c[0])
def test_checked_laws_report_these_residuals(case) -> None:
    _, f, same, other = case
    inputs = {"enumerate": lambda: [(0,), (1,)]}
    proved = check_law(Law("f = same", "x", lambda _x: f, lambda _x: same, argnames=("x",), **inputs))
    assert (proved.status, proved.residual) == ("proved", 0.0)
    refuted = check_law(Law("f = other", "x", lambda _x: f, lambda _x: other, argnames=("x",), **inputs))
    assert (refuted.status, refuted.counterexample.residual) == ("refuted", 1.0)
    sampled = check_law(
        Law("f = same", "x", lambda _x: f, lambda _x: same, argnames=("x",), arguments=st.just((0,))),
        CheckConfig(examples=5, seed=0, engines=("hypothesis",)),
    )
    assert (sampled.status, sampled.residual) == ("held", 0.0)
