"""The categories' hypothesis strategies draw the edge cases (issue 13): the empty set and
sets up to the size knob, the trivial group and larger symmetric groups, degenerate
matrices; and they describe what they drew."""

import pytest
from hypothesis import find
from hypothesis.errors import NoSuchExample

from catdyn.categories.finset import FinSet
from catdyn.categories.mat import MatQ, MatR
from catdyn.categories.perm import MAX_SAMPLED_FACTOR, Perm
from catdyn.checker.sampling import Bounds, sampling


def test_perm_draws_the_trivial_group_and_factors_up_to_the_cap():
    assert find(Perm.objects(), lambda G: 0 in G.sizes).sizes[0] == 0
    assert max(find(Perm.objects(), lambda G: max(G.sizes) == MAX_SAMPLED_FACTOR).sizes) == MAX_SAMPLED_FACTOR
    with pytest.raises(NoSuchExample):
        find(Perm.objects(), lambda G: max(G.sizes) > MAX_SAMPLED_FACTOR)
    with sampling(Bounds(max_size=2)), pytest.raises(NoSuchExample):
        find(Perm.objects(), lambda G: max(G.sizes) > 2)


def test_finset_chains_into_the_empty_set_start_there():
    with pytest.raises(NoSuchExample):  # a function S_n → ∅ with n > 0 does not exist, and is never drawn
        find(FinSet.composable(2), lambda c: any(f.cod.size == 0 and f.dom.size > 0 for f in c))
    assert find(FinSet.composable(2), lambda c: c[1].cod.size == 0)[0].dom.size == 0


@pytest.mark.parametrize("cat", [MatQ, MatR])
def test_matrices_of_zero_dimensions_and_the_dimension_knob(cat):
    assert find(cat.objects(), lambda V: V.dim == 0).dim == 0
    with pytest.raises(NoSuchExample):
        find(cat.objects(), lambda V: V.dim > 4)
    with sampling(Bounds(max_dim=6)):
        assert find(cat.objects(), lambda V: V.dim == 6).dim == 6


def test_sample_features_name_sizes_dimensions_kinds_and_groups():
    A = MatR.object("A", 2)
    assert FinSet.sample_features(FinSet.object("X", 0)) == {"set sizes": 0}
    assert MatR.sample_features(A) == {"dimensions": 2}
    assert MatR.sample_features(MatR.matrix("z", A, A, [[0.0, 0.0], [0.0, 0.0]])) == {"matrix kinds": "zero"}
    assert MatR.sample_features(MatR.matrix("j", A, A, [[2.0, 1.0], [0.0, 2.0]])) == {"matrix kinds": "invertible"}
    assert Perm.sample_features(Perm.group(0, 3)) == {"groups": "S(0,3)"}
