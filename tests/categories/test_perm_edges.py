"""Perm at its edges: sizes refused, orders against a product of factorials counted by
enumeration, elements of the wrong shape or kind (with the factor named), trivial factors
S_0 and S_1, names of composites, inverses and products, the inverse against a loop,
matrices against their definition, the enumeration cap of 5040 elements, and what the
strategies draw."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from strategy_draws import draws

from catdyn.categories import perm
from catdyn.categories.perm import Perm, Permutation, SymmetryGroup
from catdyn.errors import ShapeError


def test_groups_are_named_by_their_sizes_and_refuse_negative_ones():
    assert Perm.group(3, 2).name == "S(3,2)" and Perm.group().name == "S()"
    assert Perm.group(np.int64(4)).sizes == (4,) and type(Perm.group(np.int64(4)).sizes[0]) is int
    assert Perm.group(2, name="heads").name == "heads"
    with pytest.raises(ShapeError, match=r"symmetry group S\(2,-1\) has a negative size in \(2, -1\)"):
        Perm.group(2, -1)
    assert Perm.group(0).sizes == (0,)
    assert Perm.group(3) == Perm.group(3) and Perm.group(3) != Perm.group(3, name="T")
    assert Perm.group(3, name="T") != SymmetryGroup("T", (2,))
    assert Perm.group(3).category is Perm


@pytest.mark.parametrize("sizes", [(), (0,), (1,), (0, 0), (3,), (3, 2), (2, 2, 1), (4, 0, 2)])
def test_order_is_the_number_of_elements(sizes):
    G = Perm.group(*sizes)
    count = sum(1 for _ in itertools.product(*(itertools.permutations(range(n)) for n in sizes)))
    assert G.order == count
    elements = list(Perm.hom(G, G))
    assert len(elements) == count
    assert len({tuple(tuple(p.tolist()) for p in e.perms) for e in elements}) == count
    assert [e.name for e in elements] == [f"σ{i}" for i in range(count)]
    assert all(e.dom == G and e.cod == G for e in elements)


def test_enumeration_stops_above_5040_elements():
    assert perm._HOM_ENUMERATION_LIMIT == 5040
    G = Perm.group(7)  # 7! = 5040
    assert sum(1 for _ in Perm.hom(G, G)) == 5040
    assert Perm.hom(Perm.group(7, 2), Perm.group(7, 2)) is None  # 10080
    assert Perm.hom(Perm.group(8), Perm.group(8)) is None
    assert list(Perm.hom(Perm.group(8), Perm.group(7))) == []


def test_elements_of_the_wrong_shape_or_kind_name_the_factor():
    G = Perm.group(3, 2)
    with pytest.raises(
        ShapeError, match=r"factor 1 of permutation s must be 2 integers .*0 … 1 for S_2 in S\(3,2\)"
    ):
        Perm.element(G, [0, 1, 2], [0, 1, 2], name="s")
    with pytest.raises(ShapeError, match=r"factor 0 of permutation s must be 3 integers.*shape \(1, 3\)"):
        Perm.element(G, [[0, 1, 2]], [0, 1], name="s")
    with pytest.raises(ShapeError, match=r"factor 0 of permutation s must be 3 integers"):
        Perm.element(G, [0.0, 1.0, 2.0], [0, 1], name="s")
    with pytest.raises(ShapeError, match=r"factor 1 of s is not a permutation of 0 … 1: \[1, 2\]"):
        Perm.element(G, [0, 1, 2], [1, 2], name="s")
    with pytest.raises(ShapeError, match=r"factor 0 of s is not a permutation of 0 … 2: \[-1, 0, 1\]"):
        Perm.element(G, [-1, 0, 1], [0, 1], name="s")
    with pytest.raises(ShapeError, match=r"permutation s has 1 factor\(s\) but S\(3,2\) has 2"):
        Perm.element(G, [0, 1, 2], name="s")
    with pytest.raises(
        ShapeError, match=r"permutation t goes S\(3\) → S\(3,2\), but Perm has only automorphisms"
    ):
        Permutation("t", Perm.group(3), G, (np.arange(3),))


def test_trivial_factors_take_empty_and_one_element_arrays():
    G = Perm.group(0, 1)
    e = Perm.element(G, [], [0])
    assert e == Perm.identity(G) and e.perms[0].dtype == np.int64 and e.perms[0].shape == (0,)
    assert Perm.element(G, np.zeros(0), [0]) == e  # an empty float array is an empty permutation
    with pytest.raises(ShapeError):
        Perm.element(G, [], [1])


def test_elements_are_frozen_copies():
    raw = np.array([1, 0, 2])
    s = Perm.element(Perm.group(3), raw)
    raw[0] = 2
    assert s.perms[0].tolist() == [1, 0, 2]
    with pytest.raises(ValueError):
        s.perms[0][0] = 0


def test_composition_inverse_and_product_by_loops_and_names():
    G = Perm.group(4, 3)
    rng = np.random.default_rng(5)
    for _ in range(20):
        f, g = Perm.random(G, rng, name="f"), Perm.random(G, rng, name="g")
        fg = f >> g
        assert fg.name == "f >> g"
        for p, q, r in zip(f.perms, g.perms, fg.perms):
            assert r.tolist() == [int(q[p[i]]) for i in range(len(p))]
        inv = f.inverse()
        assert inv.name == "f⁻¹" and inv.dom == G
        for p, ip in zip(f.perms, inv.perms):
            assert all(int(ip[p[i]]) == i for i in range(len(p)))
            assert all(int(p[ip[i]]) == i for i in range(len(p)))
        pr = Perm.product(f, g)
        assert pr.name == "(f, g)" and pr.dom.sizes == (4, 3, 4, 3) and pr.dom.name == "S(4,3,4,3)"
        assert [p.tolist() for p in pr.perms] == [p.tolist() for p in f.perms + g.perms]
    i = Perm.identity(G)
    assert i.name == "id_S(4,3)" and [p.tolist() for p in i.perms] == [[0, 1, 2, 3], [0, 1, 2]]


def test_random_elements_are_uniform_enough_and_seeded():
    G = Perm.group(3)
    a = [tuple(Perm.random(G, np.random.default_rng(s)).perms[0].tolist()) for s in range(600)]
    assert set(a) == set(itertools.permutations(range(3)))
    counts = [a.count(p) for p in set(a)]
    assert min(counts) > 60  # 100 expected each
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    assert Perm.random(Perm.group(5, 2), r1) == Perm.random(Perm.group(5, 2), r2)
    assert Perm.random(G, np.random.default_rng(0), name="r").name == "r"


def test_matrix_of_each_factor_by_its_definition():
    s = Perm.element(Perm.group(3, 4), [2, 0, 1], [1, 3, 0, 2])
    for k in range(2):
        p = s.perms[k]
        n = len(p)
        expect = [[1 if r == int(p[c]) else 0 for c in range(n)] for r in range(n)]
        assert Perm.matrix(s, k).tolist() == expect
    assert Perm.matrix(s).tolist() == Perm.matrix(s, 0).tolist()
    assert Perm.matrix(Perm.identity(Perm.group(0)), 0).shape == (0, 0)


def test_sample_features_name_the_group():
    assert Perm.sample_features(Perm.group(2, 1)) == {"groups": "S(2,1)"}
    assert Perm.sample_features(Perm.identity(Perm.group(2))) == {}


def test_object_strategy_draws_one_or_more_factors_up_to_the_size():
    groups = draws(Perm.objects(max_factors=2, max_size=2), 100)
    assert {G.sizes for G in groups} == {(a,) for a in range(3)} | {
        (a, b) for a in range(3) for b in range(3)
    }
    one = draws(Perm.objects(max_factors=1, max_size=3), 60)
    assert {G.sizes for G in one} == {(0,), (1,), (2,), (3,)}
    default = draws(Perm.objects(max_factors=1), 200)
    assert max(G.sizes[0] for G in default) == perm.MAX_SAMPLED_FACTOR == 6
    assert min(G.sizes[0] for G in default) == 0


def test_morphism_strategy_draws_every_element_and_nothing_between_groups():
    G = Perm.group(3, 2)
    seen = {tuple(tuple(p.tolist()) for p in s.perms) for s in draws(Perm.morphisms(G, G), 200)}
    assert len(seen) == G.order == 12
    from hypothesis.errors import Unsatisfiable

    with pytest.raises(Unsatisfiable):
        draws(Perm.morphisms(G, Perm.group(3)), 5)


def test_composable_chains_are_elements_of_one_group():
    for chain in draws(Perm.composable(3), 60):
        assert len(chain) == 3
        assert chain[0].dom == chain[1].dom == chain[2].dom
        assert all(f.dom == f.cod for f in chain)


def test_default_object_strategy_draws_one_or_two_factors():
    counts = {len(G.sizes) for G in draws(Perm.objects(max_size=1), 60)}
    assert counts == {1, 2}
