"""The hom-set strategy of FinSet at the empty set: exactly the empty function ∅ → ∅, and
nothing from a non-empty set into ∅."""

from __future__ import annotations

from hypothesis import find, given
from hypothesis.errors import NoSuchExample, Unsatisfiable

from catdyn.categories.finset import FinSet

EMPTY, ONE = FinSet.object("E", 0), FinSet.object("O", 1)


@given(FinSet.morphisms(EMPTY, EMPTY))
def test_the_only_function_from_empty_to_empty(f) -> None:
    assert f.dom == EMPTY and f.cod == EMPTY and f.table.shape == (0,)
    assert f == FinSet.identity(EMPTY)


def test_no_function_from_a_point_to_empty() -> None:
    try:
        find(FinSet.morphisms(ONE, EMPTY), lambda _f: True)
    except (NoSuchExample, Unsatisfiable):
        return
    raise AssertionError("the strategy drew a function into the empty set")
