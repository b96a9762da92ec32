"""How categories, objects and morphisms read as text, and a comparison's truth value.

``Category.__repr__`` and ``__str__`` are the category's name (error messages and law
statements are built from them); an object shows its type and name, a morphism its type,
name and ends. A :class:`~catdyn.category.Comparison` is true exactly when the morphisms are
equal (``if category.compare(f, g):``), whatever its residual.
"""

from __future__ import annotations

import pytest

from catdyn.categories.finset import FinSet
from catdyn.categories.perm import Perm
from catdyn.category import Comparison, compose_all
from catdyn.errors import CompositionError


def test_a_category_reads_as_its_name():
    for cat in (FinSet, Perm):
        assert repr(cat) == cat.name == str(cat)
        assert f"{cat}" == cat.name
    assert repr([FinSet]) == f"[{FinSet.name}]"


def test_objects_and_morphisms_read_as_type_name_and_ends():
    A, B = FinSet.object("A", 2), FinSet.object("B", 3)
    f = FinSet.function("f", A, B, [0, 2])
    assert repr(A) == f"{type(A).__name__}('A')"
    assert repr(f) == f"{type(f).__name__}('f': A → B)"


def test_a_comparison_is_true_exactly_when_equal():
    assert bool(Comparison(True, 0.0, exact=True)) is True
    assert bool(Comparison(False, 1.0, exact=True)) is False
    assert bool(Comparison(True, 0.5, exact=False)) is True  # within tolerance: equal
    assert bool(Comparison(False, 0.0, exact=False)) is False
    A = FinSet.object("A", 2)
    f, g = FinSet.function("f", A, A, [0, 1]), FinSet.function("g", A, A, [1, 0])
    assert FinSet.compare(f, FinSet.identity(A))
    assert not FinSet.compare(f, g)


def test_compose_all_composes_left_to_right_against_tables():
    A = FinSet.object("A", 3)
    s = FinSet.function("s", A, A, [1, 2, 0])
    t = FinSet.function("t", A, A, [0, 0, 2])
    # first s then t: x ↦ t[s[x]]
    assert compose_all([s, t]).table.tolist() == [0, 2, 0]
    assert compose_all([t, s]).table.tolist() == [1, 1, 0]
    assert compose_all([s]) == s
    assert compose_all(iter([s, s, t])).table.tolist() == [t.table[s.table[s.table[x]]] for x in range(3)]
    with pytest.raises(CompositionError):
        compose_all([])
