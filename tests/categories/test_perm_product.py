"""``Perm.product(f, g)``: the element ``(f, g)`` of ``dom f × dom g``, its factors those of
``f`` followed by those of ``g``. Against that definition, factor by factor, for groups of one
and two factors (trivial ones included); and it respects composition and identities (the
product of groups is a product of groupoids)."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.categories.perm import Perm

SIZES = [(3,), (0,), (2, 4), (1, 3), (5,)]


@pytest.mark.parametrize("left", SIZES)
@pytest.mark.parametrize("right", SIZES)
def test_the_product_element_lives_in_the_product_group_with_both_factors(
    left: tuple[int, ...], right: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(len(left) * 10 + len(right))
    f = Perm.random(Perm.group(*left), rng, name="f")
    g = Perm.random(Perm.group(*right), rng, name="g")
    fg = Perm.product(f, g)
    assert fg.dom.sizes == left + right and fg.cod == fg.dom
    assert fg.dom == Perm.group(*left, *right)
    assert len(fg.perms) == len(left) + len(right)
    for got, want in zip(fg.perms, (*f.perms, *g.perms), strict=True):
        assert np.array_equal(got, want)
    assert fg.name == "(f, g)"


def test_the_product_respects_composition_and_identities() -> None:
    rng = np.random.default_rng(0)
    A, B = Perm.group(3, 2), Perm.group(4)
    f1, f2 = Perm.random(A, rng), Perm.random(A, rng)
    g1, g2 = Perm.random(B, rng), Perm.random(B, rng)
    assert Perm.product(f1 >> f2, g1 >> g2) == Perm.product(f1, g1) >> Perm.product(f2, g2)
    assert Perm.product(Perm.identity(A), Perm.identity(B)) == Perm.identity(Perm.group(3, 2, 4))
