"""Every engine compares a law's sides in the order the law states them: ``compare(lhs, rhs)``.

A comparison need not be symmetric. :func:`catdyn.checker.law.approx` scales its tolerance by
``|rhs|`` (``|lhs − rhs| ≤ atol + rtol·|rhs|``), and the uniqueness law of a universal property
compares the list of factorisations found (its left side) with a text naming what is expected
(its right side). An engine that swapped the sides would misjudge both: the verdicts below are
worked out by hand from the documented rule, and a true pullback's uniqueness law must hold
whichever engine decides it.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from catdyn import Cospan
from catdyn.categories.mat import MatQ, MatR
from catdyn.checker import CheckConfig, check_laws, pullback_laws
from catdyn.checker.law import Law, approx, check_law

# approx(rtol=0.5, atol=0): |1 − 2| = 1 ≤ 0.5·|2| holds; |2 − 1| = 1 ≤ 0.5·|1| does not
HALF = approx(rtol=0.5, atol=0.0)

ENGINE_INPUTS = {
    "exhaustive": {"enumerate": lambda: [(0,), (1,), (2,)]},
    "hypothesis": {"arguments": st.integers(0, 100).map(lambda x: (x,))},
}


def _law(lhs: float, rhs: float, engine: str) -> Law:
    return Law(
        f"{lhs} against {rhs}",
        "numeric",
        lambda x: lhs,
        lambda x: rhs,
        compare=HALF,
        argnames=("x",),
        **ENGINE_INPUTS[engine],
    )


def test_the_rule_itself_is_asymmetric() -> None:
    assert HALF(1.0, 2.0).equal
    assert not HALF(2.0, 1.0).equal


@pytest.mark.parametrize("engine", sorted(ENGINE_INPUTS))
def test_each_engine_compares_lhs_with_rhs(engine: str) -> None:
    config = CheckConfig(examples=20, seed=0, engines=(engine,))
    within = check_law(_law(1.0, 2.0, engine), config)
    assert within.engine == engine and within.status in ("held", "proved"), (within.status, within.error)
    outside = check_law(_law(2.0, 1.0, engine), config)
    assert outside.engine == engine and outside.status == "refuted", (outside.status, outside.error)
    assert outside.counterexample.lhs == "2.0" and outside.counterexample.rhs == "1.0"


@pytest.mark.parametrize("cat", [MatQ, MatR], ids=["MatQ", "MatR"])
def test_sampled_uniqueness_holds_for_a_true_pullback(cat) -> None:
    # the uniqueness law's sides are (factorisations found, "exactly one factorisation"):
    # decided by sampling alone, it must hold for the category's own pullback of f along f
    A, C = cat.object("A", 2), cat.object("C", 1)
    f = cat.matrix("f", A, C, [[1, 1]])
    laws = pullback_laws(cat.pullback(Cospan(f, f)))
    for seed in range(2):
        config = CheckConfig(examples=15, seed=seed, engines=("hypothesis",))
        unique = {r.law: r for r in check_laws(laws, config)}["factorisation is unique"]
        assert unique.engine == "hypothesis" and unique.examples > 0
        assert unique.status == "held", (seed, unique.status, unique.counterexample, unique.error)
