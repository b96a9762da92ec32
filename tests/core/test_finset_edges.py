"""FinSet at its edges: sizes and labels refused, positions of unlabelled sets at their
bounds, tables of the wrong kind, dicts naming non-elements, the terminal set, hom-sets
against a brute-force enumeration (and the size cap), pullback labels and names, cones from
and into empty sets, and what the strategies draw."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from strategy_draws import draws

from catdyn import Cone, Cospan
from catdyn.categories import finset
from catdyn.categories.finset import FinFunction, FinSet, FinSetObject, pullback_by_loops
from catdyn.errors import NotTotalError, ShapeError, UnknownObjectError

# --- objects -----------------------------------------------------------------------------


def test_sizes_and_labels_that_are_refused():
    for bad in (-1, 2.0, "3", None):
        with pytest.raises(ShapeError, match=r"finite set X has size"):
            FinSetObject("X", bad)
    with pytest.raises(ShapeError, match=r"finite set X has 1 labels for 2 elements"):
        FinSetObject("X", 2, ("a",))
    with pytest.raises(ShapeError, match=r"finite set X has 3 labels for 2 elements"):
        FinSetObject("X", 2, ("a", "b", "c"))
    assert FinSetObject("X", np.int64(2)).size == 2
    assert FinSet.object("X", np.int32(3)).elements == (0, 1, 2)
    assert FinSet.object("E", []).size == 0 and FinSet.object("E", 0).elements == ()


def test_positions_of_an_unlabelled_set_at_their_bounds():
    A = FinSet.object("A", 3)
    assert [A.index(i) for i in range(3)] == [0, 1, 2]
    assert A.index(np.int64(2)) == 2 and type(A.index(np.int64(2))) is int
    for bad in (-1, 3, "0", 1.0):
        with pytest.raises(UnknownObjectError, match=r"is not an element of A \(positions 0 … 2\)"):
            A.index(bad)
    with pytest.raises(UnknownObjectError):
        FinSet.object("E", 0).index(0)


def test_labelled_sets_index_by_label_only():
    A = FinSet.object("A", ["x", "y", 0])
    assert A.index("x") == 0 and A.index("y") == 1 and A.index(0) == 2
    with pytest.raises(UnknownObjectError, match=r"unknown element 1 in A"):
        A.index(1)


def test_objects_equal_by_name_size_and_labels():
    assert FinSet.object("A", 2) == FinSet.object("A", 2)
    assert FinSet.object("A", 2) != FinSet.object("A", 3)
    assert FinSet.object("A", ["a", "b"]) != FinSet.object("A", ["b", "a"])
    assert FinSet.object("A", ["a", "b"]) != FinSet.object("A", 2)
    assert FinSet.object("A", 2).category is FinSet


# --- functions ----------------------------------------------------------------------------


def test_tables_of_the_wrong_kind_are_refused():
    A, B = FinSet.object("A", 2), FinSet.object("B", 3)
    with pytest.raises(ShapeError, match=r"flat table of integer positions.*shape \(1, 2\)"):
        FinSet.function("f", A, B, [[0, 1]])
    with pytest.raises(ShapeError, match=r"flat table.*type float64"):
        FinSet.function("f", A, B, [0.0, 1.0])
    P = FinSet.object("P", 1)
    with pytest.raises(ShapeError, match=r"flat table.*type float64"):
        FinSet.function("f", P, B, [1.0])  # one float image is refused too, not truncated
    E = FinSet.object("E", 0)
    assert FinSet.function("e", E, B, []).table.dtype == np.int64
    assert FinFunction("e", E, B, np.zeros(0)).table.dtype == np.int64  # an empty float table is fine
    with pytest.raises(NotTotalError, match=r"1 element\(s\) of its domain A have no image \(1\)"):
        FinSet.function("f", A, B, [0])
    with pytest.raises(ShapeError, match=r"function f has 3 images but its domain A has 2"):
        FinSet.function("f", A, B, [0, 1, 2])


def test_images_at_the_bounds_of_the_codomain():
    A, B = FinSet.object("A", 3), FinSet.object("B", 3)
    f = FinSet.function("f", A, B, np.array([2, 0, 2], dtype=np.int32))
    assert f.table.dtype == np.int64 and f.table.tolist() == [2, 0, 2]
    with pytest.raises(NotTotalError, match=r"outside its codomain B \(3\)"):
        FinSet.function("f", A, B, [0, 3, 1])
    with pytest.raises(NotTotalError, match=r"outside its codomain B \(-1, 5\)"):
        FinSet.function("f", A, B, [-1, 0, 5])
    with pytest.raises(NotTotalError):
        FinSet.function("f", A, FinSet.object("E", 0), [0, 0, 0])


def test_the_table_is_a_frozen_copy():
    A = FinSet.object("A", 2)
    raw = np.array([1, 0])
    f = FinSet.function("f", A, A, raw)
    raw[0] = 0
    assert f.table.tolist() == [1, 0]
    with pytest.raises(ValueError):
        f.table[0] = 0


def test_a_dict_that_maps_non_elements_is_refused():
    A, B = FinSet.object("A", ["a"]), FinSet.object("B", ["x"])
    with pytest.raises(
        UnknownObjectError, match=r"function f gives images for \['zz'\], which are not elements of A"
    ):
        FinSet.function("f", A, B, {"a": "x", "zz": "x"})
    U = FinSet.object("U", 2)
    f = FinSet.function("f", U, B, {0: "x", 1: "x"})
    assert f(0) == "x" and f(1) == "x" and f.table.tolist() == [0, 0]
    with pytest.raises(UnknownObjectError, match=r"\[2\]"):
        FinSet.function("f", U, B, {0: "x", 1: "x", 2: "x"})
    assert FinSet.function("e", FinSet.object("E", 0), B, {}).table.tolist() == []


def test_call_is_image_of_with_labels_in_and_out():
    A = FinSet.object("A", ["p", "q", "r"])
    B = FinSet.object("B", 2)
    f = FinSet.function("f", A, B, [1, 0, 1])
    assert [f(a) for a in A.elements] == [1, 0, 1] == [f.image_of(a) for a in A.elements]
    g = FinSet.function("g", B, A, [2, 0])
    assert [g(b) for b in (0, 1)] == ["r", "p"]


def test_terminal_set_and_maps_to_it():
    one = FinSet.terminal()
    assert one.name == "1" and one.size == 1 and one.elements == (0,)
    for n in range(4):
        A = FinSet.object("A", n)
        t = FinSet.to_terminal(A)
        assert t.name == "!_A" and t.dom == A and t.cod == one and t.table.tolist() == [0] * n
    i = FinSet.identity(FinSet.object("A", 3))
    assert i.name == "id_A" and i.table.tolist() == [0, 1, 2]


def test_composite_is_named_after_both():
    A = FinSet.object("A", 2)
    f, g = FinSet.function("f", A, A, [1, 1]), FinSet.function("g", A, A, [1, 0])
    fg = f >> g
    assert fg.name == "f >> g" and fg.table.tolist() == [0, 0]


# --- hom-sets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n"), [(0, 0), (0, 3), (2, 0), (1, 1), (2, 3), (3, 2), (3, 1)])
def test_hom_is_every_function_once_against_brute_force(m, n):
    A, B = FinSet.object("A", m), FinSet.object("B", n)
    hom = list(FinSet.hom(A, B))
    assert len(hom) == n**m
    tables = [tuple(f.table.tolist()) for f in hom]
    assert sorted(tables) == sorted(itertools.product(range(n), repeat=m))
    assert len(set(tables)) == len(tables)
    assert [f.name for f in hom] == [f"f{i}" for i in range(len(hom))]
    assert all(f.dom == A and f.cod == B for f in hom)


def test_hom_is_enumerated_up_to_4096_functions():
    assert finset._HOM_ENUMERATION_LIMIT == 4096
    at = FinSet.hom(FinSet.object("A", 12), FinSet.object("B", 2))  # 2¹² = 4096
    assert at is not None and sum(1 for _ in at) == 4096
    assert FinSet.hom(FinSet.object("A", 6), FinSet.object("B", 4)) is not None  # 4⁶ = 4096
    assert FinSet.hom(FinSet.object("A", 13), FinSet.object("B", 2)) is None  # 8192
    assert FinSet.hom(FinSet.object("A", 8), FinSet.object("B", 3)) is None  # 6561


# --- pullbacks --------------------------------------------------------------------------------


def test_pullback_labels_only_when_both_sides_are_labelled():
    C = FinSet.object("C", 2)
    La, Ua = FinSet.object("A", ["a0", "a1"]), FinSet.object("A", 2)
    Lb, Ub = FinSet.object("B", ["b0", "b1", "b2"]), FinSet.object("B", 3)
    for A, B in ((La, Lb), (La, Ub), (Ua, Lb), (Ua, Ub)):
        f, g = FinSet.function("f", A, C, [1, 0]), FinSet.function("g", B, C, [0, 1, 0])
        P = FinSet.pullback(Cospan(f, g))
        pairs = pullback_by_loops([1, 0], [0, 1, 0])
        assert pairs == [(0, 1), (1, 0), (1, 2)]
        assert P.apex.size == 3 and P.apex.name == "A ×_C B"
        assert P.left.name == "π1_A" and P.right.name == "π2_B"
        assert list(zip(P.left.table.tolist(), P.right.table.tolist())) == pairs
        if A.labels is not None and B.labels is not None:
            assert P.apex.elements == (("a0", "b1"), ("a1", "b0"), ("a1", "b2"))
        else:
            assert P.apex.labels is None


def test_cones_from_and_to_empty_sets_factor():
    E, C = FinSet.object("E", 0), FinSet.object("C", 2)
    A = FinSet.object("A", 2)
    f = FinSet.function("f", A, C, [0, 1])
    g = FinSet.function("g", E, C, [])
    P = FinSet.pullback(Cospan(f, g))
    assert P.apex.size == 0
    u = P.factor(Cone(P.cospan, FinSet.function("p", E, A, []), FinSet.function("q", E, E, [])))
    assert u.dom == E and u.cod == P.apex and u.name == "⟨p, q⟩"
    Q = FinSet.pullback(Cospan(g, f))
    assert Q.apex.size == 0
    # a pullback over a codomain of one element with B of size 1 (keys a·1 + b)
    one = FinSet.terminal()
    B = FinSet.object("B", 1)
    R = FinSet.pullback(Cospan(FinSet.to_terminal(A), FinSet.to_terminal(B)))
    X = FinSet.object("X", 3)
    w = R.factor(Cone(R.cospan, FinSet.function("p", X, A, [1, 0, 1]), FinSet.function("q", X, B, [0, 0, 0])))
    assert [R.apex.elements[i] for i in w.table] == [(1, 0), (0, 0), (1, 0)] or w.table.tolist() == [1, 0, 1]
    assert (w >> R.left).table.tolist() == [1, 0, 1] and (w >> R.right).table.tolist() == [0, 0, 0]
    assert one.size == 1


def test_product_factors_against_all_pairs():
    A, B = FinSet.object("A", 3), FinSet.object("B", 2)
    S = FinSet.product(A, B)
    assert list(zip(S.left.table.tolist(), S.right.table.tolist())) == list(
        itertools.product(range(3), range(2))
    )
    X = FinSet.object("X", 4)
    p, q = FinSet.function("p", X, A, [2, 0, 1, 2]), FinSet.function("q", X, B, [1, 1, 0, 0])
    u = S.factor(Cone(S.cospan, p, q))
    assert u.table.tolist() == [2 * 2 + 1, 0 * 2 + 1, 1 * 2 + 0, 2 * 2 + 0]


def test_pullback_by_loops_on_small_cases():
    assert pullback_by_loops([], [0, 1]) == []
    assert pullback_by_loops([1, 1], [1]) == [(0, 0), (1, 0)]
    assert pullback_by_loops([0, 2], [2, 0, 2]) == [(0, 1), (1, 0), (1, 2)]


# --- strategies ----------------------------------------------------------------------------------


def test_object_strategy_with_a_bound_draws_every_size_up_to_it():
    sets = draws(FinSet.objects(max_size=3), 100)
    assert {A.size for A in sets} == {0, 1, 2, 3}
    assert all(A.name == f"S{A.size}" and A.labels is None for A in sets)
    default = draws(FinSet.objects(), 200)
    assert {A.size for A in default} == set(range(9))


def test_size_strategy_favours_small_sizes():
    sizes = draws(finset._sizes_up_to(8), 300)
    assert set(sizes) == set(range(9))
    small = sum(1 for s in sizes if s <= 3)
    assert small > len(sizes) / 2  # two of the three branches draw from 0 … 3
    assert set(draws(finset._sizes_up_to(2), 60)) == {0, 1, 2}


def test_function_strategy_draws_every_function_of_a_small_hom():
    A, B = FinSet.object("A", 2), FinSet.object("B", 3)
    tables = {tuple(f.table.tolist()) for f in draws(FinSet.morphisms(A, B), 200)}
    assert tables == set(itertools.product(range(3), repeat=2))
    E = FinSet.object("E", 0)
    assert [f.table.tolist() for f in draws(FinSet.morphisms(E, E), 5)] == [[]] * len(
        draws(FinSet.morphisms(E, E), 5)
    )
    assert {tuple(f.table.tolist()) for f in draws(FinSet.morphisms(E, B), 5)} == {()}


def test_a_point_has_no_function_to_the_empty_set_in_the_strategy():
    from hypothesis.errors import Unsatisfiable

    with pytest.raises(Unsatisfiable):
        draws(FinSet.morphisms(FinSet.object("P", 1), FinSet.object("E", 0)), 5)


def test_composable_chains_meet_and_an_empty_set_empties_those_before():
    chains = draws(FinSet.composable(3), 200)
    assert any(c[-1].cod.size == 0 for c in chains)
    for chain in chains:
        for f, g in itertools.pairwise(chain):
            assert f.cod == g.dom
        sizes = [chain[0].dom.size] + [f.cod.size for f in chain]
        if 0 in sizes:
            last = max(i for i, s in enumerate(sizes) if s == 0)
            assert all(s == 0 for s in sizes[:last])
    assert any(0 < c[0].dom.size for c in chains)
    # only empty sets empty those before them: a chain may start at, or pass through, a point
    assert any(c[0].dom.size == 1 for c in chains)
    assert any(f.dom.size > 0 and f.cod.size == 1 for c in chains for f in c)


def test_sample_features_are_set_sizes():
    assert FinSet.sample_features(FinSet.object("A", 5)) == {"set sizes": 5}
    assert FinSet.sample_features(FinSet.identity(FinSet.object("A", 1))) == {}


@pytest.mark.parametrize(("a", "b"), [(3, 1), (4, 1), (3, 2), (2, 3), (4, 0)])
def test_mediating_map_picks_the_pair_of_each_element(a, b):
    """For the product A × B (every pair, in the order of ``pullback_by_loops``), the
    mediating map of a cone ``p, q: X → A, B`` sends ``x`` to the position of ``(p x, q x)``."""
    A, B = FinSet.object("A", a), FinSet.object("B", b)
    S = FinSet.product(A, B)
    pairs = pullback_by_loops([0] * a, [0] * b)
    assert list(zip(S.left.table.tolist(), S.right.table.tolist())) == pairs
    if b == 0:
        assert S.apex.size == 0
        return
    rng = np.random.default_rng(a * 10 + b)
    X = FinSet.object("X", 6)
    p, q = rng.integers(0, a, 6), rng.integers(0, b, 6)
    u = S.factor(Cone(S.cospan, FinSet.function("p", X, A, p), FinSet.function("q", X, B, q)))
    assert u.table.tolist() == [pairs.index((int(i), int(j))) for i, j in zip(p, q)]
