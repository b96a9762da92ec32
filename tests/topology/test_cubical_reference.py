"""Cubical H0 persistence against a naive reference (components of every sublevel graph found by
a flood fill, level by level, the younger minimum dying at each merge), on tiny 1-, 2- and 3-D
grids with ties, axes of length one, both constructions; ``min_persistence`` (strictly longer
pairs kept) for every engine; the default homology dimensions; the pairs' order; input checks;
and the ``Diagram`` helpers (``same_as``, ``to_dict``, ``lifetimes``) by their definitions."""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest

from catdyn.errors import TopologyError
from catdyn.topology.cubical import Diagram, as_grid, grid_edges, sublevel_persistence

HAS_GUDHI = importlib.util.find_spec("gudhi") is not None
needs_gudhi = pytest.mark.skipif(not HAS_GUDHI, reason="needs gudhi (the topology extra)")


def _adjacent(a: tuple[int, ...], b: tuple[int, ...], construction: str) -> bool:
    d = [abs(x - y) for x, y in zip(a, b)]
    return sum(d) == 1 if construction == "vertex" else max(d) == 1


def _naive_h0(f: np.ndarray, construction: str) -> tuple[list[list[float]], list[float]]:
    """Sweep the distinct values t; at each, flood-fill the points with f ≤ t (an edge enters
    at the larger value of its ends) and, for every old component swallowed by a component
    holding an older minimum, record (its minimum, t)."""
    pts = list(itertools.product(*[range(n) for n in f.shape]))
    prev: list[frozenset] = []
    pairs = []
    for t in sorted(set(f.ravel().tolist())):
        alive = [p for p in pts if f[p] <= t]
        left, comps = set(alive), []
        while left:
            stack, comp = [left.pop()], set()
            while stack:
                p = stack.pop()
                comp.add(p)
                near = [q for q in left if _adjacent(p, q, construction)]
                for q in near:
                    left.discard(q)
                    stack.append(q)
            comps.append(frozenset(comp))
        for c in comps:
            olds = [o for o in prev if o <= c]
            births = sorted(min(f[p] for p in o) for o in olds)
            pairs += [[b, t] for b in births[1:] if t > b]  # the oldest lives on
        prev = comps
    essential = sorted(min(f[p] for p in c) for c in prev)
    return sorted(pairs), essential


SHAPES = [(2,), (7,), (1, 5), (4, 1), (3, 4), (4, 4), (2, 1, 3), (2, 3, 3)]


@pytest.mark.parametrize("construction", ["vertex", "top-cell"])
@pytest.mark.parametrize("shape", SHAPES)
def test_union_find_against_the_naive_sweep(shape: tuple[int, ...], construction: str) -> None:
    rng = np.random.default_rng(sum(shape) * 31 + len(shape))
    for trial in range(6):
        f = rng.integers(0, 4, size=shape).astype(float) if trial % 2 else np.round(rng.normal(size=shape), 2)
        d = sublevel_persistence(f, construction=construction, engine="union-find")
        pairs, essential = _naive_h0(f, construction)
        assert d.pairs(0).tolist() == pairs, (f, construction)
        assert d.essential_births(0).tolist() == essential == [f.min()]
        assert (
            d.dims == (0,) and d.shape == shape and (d.construction, d.engine) == (construction, "union-find")
        )


# a 1-D profile whose pairs live 9 (the second zero), 3, 4 and 2; the first zero is essential
PROFILE = np.array([0.0, 5.0, 1.0, 2.0, 9.0, 2.0, 4.0, 0.0, 3.5, 0.5, 6.0])
PROFILE_PAIRS = [[0.0, 9.0], [0.5, 3.5], [1.0, 5.0], [2.0, 4.0]]


def _engines() -> list:
    gudhi = [pytest.param(e, marks=needs_gudhi) for e in ("gudhi", "gudhi-dual")]
    return ["union-find", *gudhi]


@pytest.mark.parametrize("engine", _engines())
def test_min_persistence_keeps_strictly_longer_pairs(engine: str) -> None:
    assert _naive_h0(PROFILE, "vertex")[0] == PROFILE_PAIRS
    for floor, keep in [
        (0.0, [0, 1, 2, 3]),
        (1.99, [0, 1, 2, 3]),
        (2.0, [0, 1, 2]),
        (3.0, [0, 2]),
        (4.0, [0]),
        (8.99, [0]),
        (9.0, []),
    ]:
        want = [PROFILE_PAIRS[k] for k in keep]
        d = sublevel_persistence(PROFILE, engine=engine, dims=(0,), min_persistence=floor)
        assert d.pairs(0).tolist() == want, floor
        assert d.essential_births(0).tolist() == [0.0]


@pytest.mark.parametrize("engine", _engines())
def test_pairs_come_sorted_by_birth_then_death(engine: str) -> None:
    # three minima born at 1 die at 3, 5 and 6 (in that order), then the one born at 0.5 at 7
    f = np.array([0.0, 7.0, 1.0, 3.0, 1.0, 5.0, 1.0, 6.0, 0.5, 9.0])
    d = sublevel_persistence(f, engine=engine, dims=(0,))
    assert (
        d.pairs(0).tolist() == [[0.5, 7.0], [1.0, 3.0], [1.0, 5.0], [1.0, 6.0]] == _naive_h0(f, "vertex")[0]
    )
    assert d.lifetimes(0).tolist() == [6.5, 2.0, 4.0, 5.0]


@needs_gudhi
def test_default_dimensions_are_h0_to_h_k_minus_1() -> None:
    rng = np.random.default_rng(0)
    for shape in [(6,), (3, 4), (3, 3, 3)]:
        f = rng.normal(size=shape)
        for engine in ("gudhi", "gudhi-dual"):
            assert sublevel_persistence(f, engine=engine).dims == tuple(range(len(shape))), (shape, engine)
        assert sublevel_persistence(f, engine="gudhi", construction="top-cell").dims == tuple(
            range(len(shape))
        )
        assert sublevel_persistence(f, engine="union-find").dims == (0,)
    f = rng.normal(size=(3, 4))
    assert sublevel_persistence(f, engine="gudhi", dims=(0,)).dims == (0,)
    assert sublevel_persistence(f, engine="gudhi", dims=[1]).dims == (0, 1)


@needs_gudhi
@pytest.mark.parametrize("construction", ["vertex", "top-cell"])
def test_a_hollow_cube_has_one_h2_class(construction: str) -> None:
    f = np.ones((3, 3, 3))
    f[1, 1, 1] = 5.0
    d = sublevel_persistence(f, construction=construction)
    assert d.pairs(2).tolist() == [[1.0, 5.0]]
    assert d.pairs(1).tolist() == [] and d.pairs(0).tolist() == []
    assert d.essential_births(0).tolist() == [1.0] and d.essential_births(2).size == 0


@needs_gudhi
def test_essential_h1_births_of_a_grid_are_none_and_engines_name_themselves() -> None:
    f = np.random.default_rng(1).normal(size=(4, 5))
    for engine in ("gudhi", "gudhi-dual"):
        d = sublevel_persistence(f, engine=engine)
        assert d.essential_births(0).tolist() == [f.min()] and d.essential_births(1).size == 0
        assert d.construction == "vertex" and d.shape == (4, 5)
    assert sublevel_persistence(f, engine="gudhi").engine == "gudhi"


def test_unknown_names_and_the_dual_engine_with_top_cells_are_refused() -> None:
    f = np.zeros((2, 2))
    with pytest.raises(TopologyError, match="persistence engine"):
        sublevel_persistence(f, engine="ripser")  # type: ignore[arg-type]
    with pytest.raises(TopologyError, match="gudhi-dual"):
        sublevel_persistence(f, engine="gudhi-dual", construction="top-cell")
    with pytest.raises(TopologyError, match="construction"):
        grid_edges((2, 2), "edges")


def test_grids_with_no_edges_and_axes_of_length_one() -> None:
    e = grid_edges((1,))
    assert e.shape == (0, 2) and e.dtype == np.int64
    assert grid_edges((1, 1), "top-cell").shape == (0, 2)
    assert sorted(map(tuple, grid_edges((1, 3)).tolist())) == [(0, 1), (1, 2)]
    assert sorted(map(tuple, grid_edges((3, 1), "top-cell").tolist())) == [(0, 1), (1, 2)]


def _diagram(finite, essential, shape=(3,)) -> Diagram:
    return Diagram(
        tuple(np.asarray(p, dtype=float).reshape(-1, 2) for p in finite),
        tuple(np.asarray(e, dtype=float) for e in essential),
        "vertex",
        "union-find",
        shape,
    )


def test_same_as_compares_every_pair_and_birth_within_atol() -> None:
    a = _diagram([[[0.0, 1.0]], [[0.5, 2.0]]], [[-1.0], []])
    assert a.same_as(a) and a.same_as(_diagram([[[0.0, 1.0 + 1e-10]], [[0.5, 2.0]]], [[-1.0], []]))
    assert not a.same_as(_diagram([[[0.0, 1.0 + 1e-6]], [[0.5, 2.0]]], [[-1.0], []]))
    assert a.same_as(_diagram([[[0.0, 1.0 + 1e-6]], [[0.5, 2.0]]], [[-1.0], []]), atol=1e-5)
    assert not a.same_as(_diagram([[[0.0, 1.0]], [[0.5, 2.1]]], [[-1.0], []]))  # the second dimension
    assert not a.same_as(_diagram([[[0.0, 1.0]], [[0.5, 2.0]]], [[-1.5], []]))  # an essential birth
    assert not a.same_as(_diagram([[[0.0, 1.0]], [[0.5, 2.0]]], [[-1.0], [0.0]]))  # one more
    assert not a.same_as(_diagram([[[0.0, 1.0]]], [[-1.0]]))  # fewer dimensions
    assert not a.same_as(_diagram([[[0.0, 1.0], [0.2, 0.3]], [[0.5, 2.0]]], [[-1.0], []]))


def test_to_dict_and_lifetimes() -> None:
    d = _diagram([[[0.0, 1.0], [0.5, 3.0]], []], [[-1.0], [2.0]], shape=(2, 4))
    assert d.to_dict() == {
        "construction": "vertex",
        "engine": "union-find",
        "shape": [2, 4],
        "finite": [[[0.0, 1.0], [0.5, 3.0]], []],
        "essential": [[-1.0], [2.0]],
    }
    assert d.lifetimes(0).tolist() == [1.0, 2.5] and d.lifetimes(1).tolist() == []
    assert d.dims == (0, 1) and d.essential_births(1).tolist() == [2.0]


def test_grid_values_are_checked_and_tensors_read() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor([[0.0, 2.0], [1.0, 3.0]], requires_grad=True)
    got = as_grid(t * 1.0)
    assert got.dtype == np.float64 and got.tolist() == [[0.0, 2.0], [1.0, 3.0]]
    d = sublevel_persistence(t, engine="union-find")
    assert d.pairs(0).tolist() == [] and d.essential_births(0).tolist() == [0.0]
    assert as_grid([1, 2]).tolist() == [1.0, 2.0]
    for bad in (3.0, [3.0], [[3.0]], np.zeros((0, 4))):
        with pytest.raises(TopologyError, match="fewer than two points"):
            as_grid(bad)
    with pytest.raises(TopologyError, match="has 2 non-finite"):
        as_grid([0.0, np.inf, np.nan])
