"""FinSet: category laws, the hash-join pullback against brute force, its universal property."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catdyn import Cone, Cospan
from catdyn.categories.finset import FinSet, FinSetObject, pullback_by_loops
from catdyn.errors import ConeError, NotTotalError, ShapeError, UnknownObjectError


@given(FinSet.composable(3))
def test_composition_is_associative(chain):
    f, g, h = chain
    assert (f >> g) >> h == f >> (g >> h)


@given(FinSet.composable(1))
def test_identities_are_units(chain):
    (f,) = chain
    assert FinSet.identity(f.dom) >> f == f
    assert f >> FinSet.identity(f.cod) == f


def test_composition_is_function_composition_elementwise():
    A = FinSet.object("A", ["a", "b", "c"])
    B = FinSet.object("B", [1, 2])
    C = FinSet.object("C", ["x", "y", "z"])
    f = FinSet.function("f", A, B, {"a": 2, "b": 1, "c": 2})
    g = FinSet.function("g", B, C, {1: "z", 2: "x"})
    fg = f >> g
    for a in A.elements:
        assert fg.image_of(a) == g.image_of(f.image_of(a))


cospans = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 4)).flatmap(
    lambda nmc: st.tuples(
        st.lists(st.integers(0, nmc[2] - 1), min_size=nmc[0], max_size=nmc[0]),
        st.lists(st.integers(0, nmc[2] - 1), min_size=nmc[1], max_size=nmc[1]),
        st.just(nmc[2]),
    )
)


def _cospan(ft, gt, c):
    A, B, C = FinSet.object("A", len(ft)), FinSet.object("B", len(gt)), FinSet.object("C", c)
    return Cospan(FinSet.function("f", A, C, ft), FinSet.function("g", B, C, gt))


@given(cospans)
def test_pullback_equals_brute_force(data):
    ft, gt, c = data
    P = FinSet.pullback(_cospan(ft, gt, c))
    pairs = list(zip(P.left.table.tolist(), P.right.table.tolist()))
    assert pairs == pullback_by_loops(ft, gt)
    assert P.cone.commutes().equal


@given(cospans, st.integers(0, 5), st.data())
def test_every_cone_factors_uniquely(data, x_size, draw):
    ft, gt, c = data
    cospan = _cospan(ft, gt, c)
    P = FinSet.pullback(cospan)
    X = FinSet.object("X", x_size)
    # a cone is a choice of a pullback element per point of X (that is every commuting cone)
    if P.apex.size == 0 and x_size > 0:
        return
    choice = draw.draw(st.lists(st.integers(0, max(P.apex.size - 1, 0)), min_size=x_size, max_size=x_size))
    u0 = FinSet.function("u0", X, P.apex, choice)
    cone = Cone(cospan, u0 >> P.left, u0 >> P.right)
    u = P.factor(cone)
    assert u >> P.left == cone.left and u >> P.right == cone.right
    # uniqueness, exhaustively: no other map X -> apex makes both triangles commute
    if P.apex.size ** x_size <= 256:
        for table in itertools.product(range(P.apex.size), repeat=x_size):
            v = FinSet.function("v", X, P.apex, list(table))
            if v >> P.left == cone.left and v >> P.right == cone.right:
                assert v == u


def test_product_is_all_pairs():
    A, B = FinSet.object("A", ["a", "b"]), FinSet.object("B", [0, 1, 2])
    prod = FinSet.product(A, B)
    assert prod.apex.elements == tuple(itertools.product(A.elements, B.elements))


def test_large_pullback_matches_sizes_by_counting():
    rng = np.random.default_rng(0)
    n, c = 100_000, 5_000
    ft, gt = rng.integers(0, c, n), rng.integers(0, c, n)
    P = FinSet.pullback(_cospan(ft, gt, c))
    expected = int((np.bincount(ft, minlength=c) * np.bincount(gt, minlength=c)).sum())
    assert P.apex.size == expected
    assert np.array_equal(ft[P.left.table], gt[P.right.table])


def test_non_commuting_cone_does_not_factor():
    cospan = _cospan([0, 1], [1], 2)
    P = FinSet.pullback(cospan)
    X = FinSet.object("X", 1)
    cone = Cone(cospan, FinSet.function("p", X, cospan.left.dom, [0]), FinSet.function("q", X, cospan.right.dom, [0]))
    with pytest.raises(ConeError, match=r"p, q does not commute"):
        P.factor(cone)


def test_not_total_names_function_and_missing_elements():
    A, B = FinSet.object("A", ["a", "b"]), FinSet.object("B", ["x"])
    with pytest.raises(NotTotalError, match=r"function f is not total.*domain A.*'b'"):
        FinSet.function("f", A, B, {"a": "x"})
    with pytest.raises(NotTotalError, match=r"function h is not total.*domain A"):
        FinSet.function("h", A, B, [0])


def test_image_outside_codomain_is_named():
    A, B = FinSet.object("A", 2), FinSet.object("B", 2)
    with pytest.raises(NotTotalError, match=r"function f maps to values outside its codomain B \(5\)"):
        FinSet.function("f", A, B, [0, 5])
    with pytest.raises(NotTotalError, match=r"outside its codomain B"):
        FinSet.function("g", FinSet.object("L", ["a"]), FinSet.object("B", ["x"]), {"a": "nope"})


def test_unknown_element_and_wrong_table_shape():
    A = FinSet.object("A", ["a"])
    with pytest.raises(UnknownObjectError, match=r"unknown element z in A"):
        A.index("z")
    with pytest.raises(ShapeError, match=r"function f has 3 images but its domain A has 1"):
        FinSet.function("f", A, A, [0, 0, 0])
    with pytest.raises(ShapeError, match=r"repeated labels"):
        FinSetObject("D", 2, ("a", "a"))


def test_function_from_a_large_dict():
    # (the checks of a dict once cost O(n²): at this size, minutes)
    n = 50_000
    A = FinSet.object("A", [f"a{i}" for i in range(n)])
    f = FinSet.function("f", A, A, {f"a{i}": f"a{(i + 1) % n}" for i in range(n)})
    assert f.image_of("a7") == "a8" and f.image_of(f"a{n - 1}") == "a0"
