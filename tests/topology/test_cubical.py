"""Cubical sublevel persistence: hand-computed diagrams, gudhi against catdyn's own union-find,
the two constructions told apart, and bad input refused."""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catdyn.errors import TopologyError
from catdyn.topology.cubical import grid_edges, sublevel_persistence

HAS_GUDHI = importlib.util.find_spec("gudhi") is not None
needs_gudhi = pytest.mark.skipif(not HAS_GUDHI, reason="needs gudhi (the topology extra)")
ENGINES = ["union-find", pytest.param("gudhi", marks=needs_gudhi)]


@pytest.mark.parametrize("engine", ENGINES)
def test_profile_1d_by_hand(engine: str) -> None:
    # minima 1, 0, 2; maxima 4 (between 1 and 0) and 5 (between 0 and 2); 0 is essential
    f = np.array([3.0, 1.0, 4.0, 0.0, 5.0, 2.0])
    d = sublevel_persistence(f, engine=engine, dims=(0,))
    assert d.pairs(0).tolist() == [[1.0, 4.0], [2.0, 5.0]]
    assert d.essential_births(0).tolist() == [0.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_constructions_differ_on_a_diagonal(engine: str) -> None:
    f = np.array([[0.0, 9.0], [9.0, 0.0]])
    vertex = sublevel_persistence(f, construction="vertex", engine=engine, dims=(0,))
    top = sublevel_persistence(f, construction="top-cell", engine=engine, dims=(0,))
    assert vertex.pairs(0).tolist() == [[0.0, 9.0]]  # the zeros meet only through a 9
    assert top.pairs(0).tolist() == []  # the two cells share a vertex: one component at 0
    assert (vertex.construction, top.construction) == ("vertex", "top-cell")


@needs_gudhi
@pytest.mark.parametrize("construction", ["vertex", "top-cell"])
def test_ring_has_one_h1_class(construction: str) -> None:
    f = np.ones((3, 3))
    f[1, 1] = 5.0
    d = sublevel_persistence(f, construction=construction)
    assert d.pairs(1).tolist() == [[1.0, 5.0]]
    assert d.pairs(0).tolist() == [] and d.essential_births(0).tolist() == [1.0]
    assert d.essential_births(1).size == 0


@needs_gudhi
@given(
    shape=st.sampled_from([(7,), (5, 6), (6, 5), (3, 4, 3)]),
    seed=st.integers(0, 10_000),
    construction=st.sampled_from(["vertex", "top-cell"]),
    integer=st.booleans(),
)
def test_gudhi_matches_union_find(
    shape: tuple[int, ...], seed: int, construction: str, integer: bool
) -> None:
    rng = np.random.default_rng(seed)
    f = rng.integers(0, 4, size=shape).astype(float) if integer else rng.normal(size=shape)  # ties too
    a = sublevel_persistence(f, construction=construction, engine="gudhi")
    b = sublevel_persistence(f, construction=construction, engine="union-find")
    np.testing.assert_allclose(a.pairs(0), b.pairs(0))
    np.testing.assert_allclose(a.essential_births(0), b.essential_births(0))
    assert a.essential_births(0).tolist() == [f.min()]


@given(seed=st.integers(0, 10_000), n=st.integers(2, 6), m=st.integers(2, 6))
def test_transposition_is_invisible_to_persistence(seed: int, n: int, m: int) -> None:
    # the grid graph of f.T is isomorphic to that of f: a pure transpose cannot change a diagram
    f = np.random.default_rng(seed).normal(size=(n, m))
    for c in ("vertex", "top-cell"):
        a = sublevel_persistence(f, construction=c, engine="union-find")
        assert a.same_as(sublevel_persistence(f.T, construction=c, engine="union-find"))


def test_edges_match_brute_force_adjacency() -> None:
    for shape in [(4, 5), (3, 3, 3), (2, 3, 2, 2)]:
        pts = list(itertools.product(*[range(n) for n in shape]))
        for construction, adjacent in [
            ("vertex", lambda a, b: sum(abs(x - y) for x, y in zip(a, b)) == 1),
            ("top-cell", lambda a, b: max(abs(x - y) for x, y in zip(a, b)) == 1),
        ]:
            want = {
                (np.ravel_multi_index(a, shape), np.ravel_multi_index(b, shape))
                for a, b in itertools.combinations(pts, 2)
                if adjacent(a, b)
            }
            got = {tuple(sorted(e)) for e in grid_edges(shape, construction).tolist()}
            assert got == {tuple(sorted(map(int, e))) for e in want}


def test_errors() -> None:
    with pytest.raises(TopologyError, match="non-finite"):
        sublevel_persistence(np.array([[0.0, np.nan]]), engine="union-find")
    with pytest.raises(TopologyError, match="construction"):
        sublevel_persistence(np.zeros((2, 2)), construction="edges", engine="union-find")  # type: ignore[arg-type]
    with pytest.raises(TopologyError, match="H0 only"):
        sublevel_persistence(np.zeros((2, 2)), engine="union-find", dims=(0, 1))
    with pytest.raises(TopologyError, match="fewer than two"):
        sublevel_persistence(np.zeros(1), engine="union-find")
