"""Perm: group laws, inverses, the matrix representation, and bad data."""

import numpy as np
import pytest
from hypothesis import given

from catdyn.categories.perm import Perm
from catdyn.errors import CompositionError, ShapeError


@given(Perm.composable(3))
def test_associative(chain):
    f, g, h = chain
    assert (f >> g) >> h == f >> (g >> h)


@given(Perm.composable(1))
def test_identity_and_inverse(chain):
    (f,) = chain
    e = Perm.identity(f.dom)
    assert e >> f == f == f >> e
    assert f >> f.inverse() == e == f.inverse() >> f


@given(Perm.composable(2))
def test_matrix_is_a_representation(chain):
    f, g = chain
    for k in range(len(f.dom.sizes)):
        assert np.array_equal(Perm.matrix(f >> g, k), Perm.matrix(g, k) @ Perm.matrix(f, k))


def test_matrix_moves_unit_i_to_sigma_i():
    s = Perm.element(Perm.group(3), [2, 0, 1])
    v = np.array([10, 20, 30])
    moved = Perm.matrix(s) @ v
    assert moved.tolist() == [20, 30, 10]  # unit 0 now sits at position 2


def test_enumeration_is_the_whole_group():
    G = Perm.group(3, 2)
    elements = list(Perm.hom(G, G))
    assert len(elements) == G.order == 12 and len(set(elements)) == 12
    assert list(Perm.hom(G, Perm.group(3))) == []


def test_bad_permutations_are_named():
    G = Perm.group(3)
    with pytest.raises(ShapeError, match=r"factor 0 of s is not a permutation of 0 … 2"):
        Perm.element(G, [0, 0, 1], name="s")
    with pytest.raises(ShapeError, match=r"permutation s has 2 factor\(s\) but S\(3\) has 1"):
        Perm.element(G, [0, 1, 2], [0], name="s")
    with pytest.raises(CompositionError, match=r"S\(3\).*S\(2\)"):
        Perm.identity(G) >> Perm.identity(Perm.group(2))
