"""Which chains a category law samples: over the given objects only, and, with none given,
from the category's own ``composable`` strategy when it has one (Perm does: its only
composable chains are elements of one group).

A law checked "over objects" speaks of those objects; a sampler that drew Perm's chains from
every group would check other groups and report them as these. Without objects, a category
that knows its composable chains must be asked for them (the generic draw picks the objects
independently and finds a morphism only between equal groups). The laws' argument strategies
are searched directly with hypothesis's ``find`` for a chain that breaks the rule."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from catdyn.categories.perm import Perm, PermCategory
from catdyn.checker.suites import category_laws

SEARCH = settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))


def _groups(chain: tuple[Any, ...]) -> set[Any]:
    return {m.dom for m in chain} | {m.cod for m in chain}


@pytest.mark.parametrize("sizes", [(3,), (2, 2)])
def test_chains_over_given_objects_stay_on_them(sizes: tuple[int, ...]) -> None:
    G = Perm.group(*sizes)
    for law in category_laws(Perm, objects=[G]):
        with pytest.raises(NoSuchExample):
            find(law.arguments, lambda chain: _groups(chain) != {G}, settings=SEARCH)


class _OneGroupPerm(PermCategory):
    """Perm whose own composable chains all lie in S(4)."""

    def composable(self, length: int) -> Any:
        G = self.group(4)
        return st.tuples(*([self.morphisms(G, G)] * length))


def test_without_objects_the_categorys_own_chains_are_drawn() -> None:
    cat = _OneGroupPerm()
    for law in category_laws(cat):
        with pytest.raises(NoSuchExample):
            find(law.arguments, lambda chain: _groups(chain) != {cat.group(4)}, settings=SEARCH)
