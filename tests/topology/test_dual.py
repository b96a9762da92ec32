"""Vertex-construction persistence through the dual: exactly gudhi's direct vertex construction
(every pair, every essential birth, bit for bit) on random grids full of ties, and the essential
classes where the duality moves them."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catdyn.errors import TopologyError
from catdyn.topology.cubical import Diagram, _sorted_pairs, sublevel_persistence
from catdyn.topology.dual import dual_to_vertex_pairs, pad_negated

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gudhi") is None, reason="needs gudhi")


def _exactly_equal(a: Diagram, b: Diagram) -> bool:
    if len(a.finite) != len(b.finite):
        return False
    return all(np.array_equal(x, y) for x, y in zip(a.finite + a.essential, b.finite + b.essential))


@settings(max_examples=150, deadline=None)
@given(
    shape=st.lists(st.integers(1, 7), min_size=1, max_size=3).filter(lambda s: int(np.prod(s)) >= 2),
    seed=st.integers(0, 2**32 - 1),
    levels=st.sampled_from([2, 3, 5, 1000]),
)
def test_dual_equals_direct_vertex_construction_with_ties(shape: list[int], seed: int, levels: int) -> None:
    # few levels: most values tie; every shape including 1×n, 2×n and 3-D grids
    f = np.random.default_rng(seed).integers(0, levels, size=shape).astype(float) - levels / 2
    direct = sublevel_persistence(f, construction="vertex", engine="gudhi")
    dual = sublevel_persistence(f, construction="vertex", engine="gudhi-dual")
    assert _exactly_equal(direct, dual), (f.tolist(), direct.to_dict(), dual.to_dict())
    assert dual.engine == "gudhi-dual" and dual.construction == "vertex"


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 60), m=st.integers(20, 60))
def test_dual_equals_direct_on_larger_real_valued_grids(seed: int, n: int, m: int) -> None:
    f = np.random.default_rng(seed).normal(size=(n, m)).round(1)  # ties among ~60 distinct values
    direct = sublevel_persistence(f, engine="gudhi")
    dual = sublevel_persistence(f, engine="gudhi-dual")
    assert _exactly_equal(direct, dual)
    assert dual.essential_births(0).tolist() == [f.min()] and dual.essential_births(1).size == 0


def test_dual_of_a_ring_and_min_persistence() -> None:
    f = np.ones((4, 4))
    f[1:3, 1:3] = 5.0  # a plateau ring around a 2×2 well of 5s: one loop, born 1, dies 5
    f[0, 0] = 0.5
    d = sublevel_persistence(f, engine="gudhi-dual")
    assert d.pairs(1).tolist() == [[1.0, 5.0]]
    assert d.pairs(0).tolist() == [] and d.essential_births(0).tolist() == [0.5]
    assert sublevel_persistence(f, engine="gudhi-dual", min_persistence=4.0).pairs(1).tolist() == []
    assert _exactly_equal(
        sublevel_persistence(f, engine="gudhi-dual", min_persistence=1.0),
        sublevel_persistence(f, engine="gudhi", min_persistence=1.0),
    )


@pytest.mark.parametrize("bug", ["no swap", "no negation", "keep the dual's component"])
def test_a_planted_wrong_duality_is_caught(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the comparison above must be able to fail: each plausible misreading of the duality differs
    import catdyn.topology.dual as dual_module

    def wrong(intervals: np.ndarray) -> np.ndarray:
        iv = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
        if bug == "no swap":
            return _sorted_pairs(-iv)
        if bug == "no negation":
            return _sorted_pairs(iv[np.isfinite(iv).all(axis=1)])
        return _sorted_pairs(-iv[:, ::-1])

    f = np.array([[3.0, 1.0, 4.0], [1.0, 5.0, 9.0], [2.0, 6.0, 5.0]])
    assert _exactly_equal(
        sublevel_persistence(f, engine="gudhi"), sublevel_persistence(f, engine="gudhi-dual")
    )
    monkeypatch.setattr(dual_module, "dual_to_vertex_pairs", wrong)
    assert not _exactly_equal(
        sublevel_persistence(f, engine="gudhi"), sublevel_persistence(f, engine="gudhi-dual")
    )


def test_padding_and_reading() -> None:
    assert pad_negated(np.array([[2.0]])).tolist() == [[-np.inf] * 3, [-np.inf, -2.0, -np.inf], [-np.inf] * 3]
    assert dual_to_vertex_pairs(np.array([[-np.inf, -1.0], [-np.inf, np.inf]])).tolist() == [[1.0, np.inf]]


def test_dual_refuses_the_top_cell_construction() -> None:
    with pytest.raises(TopologyError, match="gudhi-dual"):
        sublevel_persistence(np.zeros((3, 3)), construction="top-cell", engine="gudhi-dual")


def test_the_persistence_study_gives_the_same_features_with_either_gudhi_engine() -> None:
    torch = pytest.importorskip("torch")
    from catdyn.backends.torch.models.architectures import MLP
    from catdyn.backends.torch.studies.persistence.landscapes import Slice, grid_features

    net = MLP((4, 8, 3))
    theta = net.init(torch.Generator().manual_seed(0))
    x, y = torch.randn(40, 4, generator=torch.Generator().manual_seed(1)), torch.arange(40) % 3
    results = [
        grid_features(net, theta, x, y, 0, Slice(steps=9, span=2.0, batch=40, engine=e, noise_floor=0.0))
        for e in ("gudhi", "gudhi-dual")
    ]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]
