"""A refuted law between two functions of finite sets says where they differ, in the order
the law states its sides: ``element: lhs image ≠ rhs image``.

The reference is a plain loop over the two tables. Each engine that refutes (exhaustive and
hypothesis) must give the same detail, with the left side's image first, like the
counterexample's ``lhs`` and ``rhs``.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from catdyn.categories.finset import FinSet
from catdyn.checker.law import CheckConfig, Law, check_law

A = FinSet.object("A", ["a", "b", "c", "d"])
B = FinSet.object("B", ["p", "q", "r"])
LEFT = FinSet.function("left", A, B, {"a": "p", "b": "q", "c": "r", "d": "p"})
RIGHT = FinSet.function("right", A, B, {"a": "p", "b": "r", "c": "r", "d": "q"})


def _expected(lhs, rhs) -> str:
    """The differing elements by a loop over the tables: ``x: lhs(x) ≠ rhs(x)``."""
    shown = [
        f"{x}: {lhs.cod.elements[int(lhs.table[i])]} ≠ {rhs.cod.elements[int(rhs.table[i])]}"
        for i, x in enumerate(lhs.dom.elements)
        if lhs.table[i] != rhs.table[i]
    ]
    return f"differ at {len(shown)} element(s): " + ", ".join(shown)


ENGINE_INPUTS = {
    "exhaustive": {"enumerate": lambda: [(0,)]},
    "hypothesis": {"arguments": st.just((0,))},
}


@pytest.mark.parametrize("engine", sorted(ENGINE_INPUTS))
@pytest.mark.parametrize("sides", [(LEFT, RIGHT), (RIGHT, LEFT)], ids=["left-right", "right-left"])
def test_the_detail_names_each_differing_element_lhs_first(engine: str, sides) -> None:
    lhs, rhs = sides
    law = Law("f = g", "finset", lambda _x: lhs, lambda _x: rhs, argnames=("x",), **ENGINE_INPUTS[engine])
    result = check_law(law, CheckConfig(examples=5, seed=0, engines=(engine,)))
    assert (result.status, result.engine) == ("refuted", engine)
    assert result.counterexample.detail == _expected(lhs, rhs)
    assert result.counterexample.detail.startswith("differ at 2 element(s): b: ")
