"""Composition refuses ends that share a name but not their data, in every category where an
object carries data beside its name.

Objects are nominal *and* structural: ``A`` with 2 elements and ``A`` with 3 are different
objects, so ``f: X → A(2)`` then ``g: A(3) → Y`` must not compose. A check that compared names
only would compose them silently (and the composite would index out of range or, worse, not).
The sampled category of the transfer study is left out on purpose: its spaces are equal by name
(their witness points are not part of them).
"""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR
from catdyn.categories.paths import Path
from catdyn.categories.perm import Perm
from catdyn.category import compose_all
from catdyn.errors import CompositionError


def _finset_pair(cod_elements, dom_elements):
    X, Y = FinSet.object("X", 1), FinSet.object("Y", 1)
    A1, A2 = FinSet.object("A", cod_elements), FinSet.object("A", dom_elements)
    f = FinSet.function("f", X, A1, [0])
    g = FinSet.function("g", A2, Y, [0] * A2.size)
    return f, g


def _mat_pair(cat, n, m):
    X, Y = cat.object("X", 1), cat.object("Y", 1)
    f = cat.matrix("f", X, cat.object("A", n), [[1]] * n)
    g = cat.matrix("g", cat.object("A", m), Y, [[1] * m])
    return f, g


def _perm_pair(sizes_f, sizes_g):
    Gf, Gg = Perm.group(*sizes_f, name="G"), Perm.group(*sizes_g, name="G")
    f = Perm.element(Gf, *(np.arange(n)[::-1] for n in sizes_f), name="f")
    g = Perm.element(Gg, *(np.arange(n) for n in sizes_g), name="g")
    return f, g


def _path_pair(end_f, start_g):
    f = Path.path([[9.0] * len(end_f), end_f], name="f", cod=Path.point(end_f, name="θ"))
    g = Path.path([start_g, [7.0] * len(start_g)], name="g", dom=Path.point(start_g, name="θ"))
    return f, g


MISMATCHED = {
    "finset size 2 vs 3": lambda: _finset_pair(2, 3),
    "finset labels differ": lambda: _finset_pair(["a", "b"], ["a", "c"]),
    "finset labels reordered": lambda: _finset_pair(["a", "b"], ["b", "a"]),
    "finset labelled vs unlabelled": lambda: _finset_pair(["a", "b"], 2),
    "matR dim 2 vs 3": lambda: _mat_pair(MatR, 2, 3),
    "matQ dim 3 vs 2": lambda: _mat_pair(MatQ, 3, 2),
    "perm S(2) vs S(3)": lambda: _perm_pair((2,), (3,)),
    "perm S(2,3) vs S(3,2)": lambda: _perm_pair((2, 3), (3, 2)),
    "path point moved": lambda: _path_pair([0.0, 0.0], [1.0, 0.0]),
    "path point of another dimension": lambda: _path_pair([0.0], [0.0, 0.0]),
}

MATCHED = {
    "finset": lambda: _finset_pair(3, 3),
    "finset labelled": lambda: _finset_pair(["a", "b"], ["a", "b"]),
    "matR": lambda: _mat_pair(MatR, 2, 2),
    "perm": lambda: _perm_pair((2, 3), (2, 3)),
    "path": lambda: _path_pair([1.0, 2.0], [1.0, 2.0]),
}


@pytest.mark.parametrize("case", sorted(MISMATCHED))
def test_same_name_different_data_does_not_compose(case: str) -> None:
    f, g = MISMATCHED[case]()
    assert f.cod.name == g.dom.name and f.cod != g.dom
    for attempt in (lambda: f >> g, lambda: f.then(g), lambda: compose_all([f, g])):
        with pytest.raises(CompositionError) as caught:
            attempt()
        message = str(caught.value)
        # the message says why: not "ends at A but starts at A"
        assert "cannot compose f >> g" in message and "another object also named" in message


@pytest.mark.parametrize("case", sorted(MATCHED))
def test_same_name_same_data_composes(case: str) -> None:
    # the refusal above is about the data, not about a shared name: equal ends compose
    f, g = MATCHED[case]()
    h = f >> g
    assert h.dom == f.dom and h.cod == g.cod
