"""``Category.composable(n)``: the checker's strategy for chains of ``n`` composable morphisms
(the associativity and identity laws are sampled from it when a category is too big to
enumerate) gives chains of exactly ``n`` whose ends meet, in the categories that inherit it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR


@pytest.mark.parametrize("cat", [FinSet, MatQ, MatR], ids=lambda c: c.name)
@pytest.mark.parametrize("length", [1, 2, 3])
def test_chains_have_the_length_asked_and_their_ends_meet(cat, length: int) -> None:
    @settings(max_examples=15)
    @given(st.data())
    def check(data) -> None:
        chain = data.draw(cat.composable(length))
        assert isinstance(chain, tuple) and len(chain) == length
        for f, g in itertools.pairwise(chain):
            assert f.cod == g.dom
        composite = chain[0]
        for g in chain[1:]:
            composite = composite >> g
        assert composite.dom == chain[0].dom and composite.cod == chain[-1].cod

    check()
