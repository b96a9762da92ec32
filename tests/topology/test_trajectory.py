"""PH dimension against sets of known dimension; MST lifetimes against independent references."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from catdyn.errors import TopologyError
from catdyn.topology.trajectory import mst_lengths, ph_dimension


def _prim(x: np.ndarray) -> list[float]:
    n = len(x)
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    inside, best, out = {0}, d[0].copy(), []
    best[0] = np.inf
    for _ in range(n - 1):
        j = int(np.argmin(np.where([i in inside for i in range(n)], np.inf, best)))
        out.append(float(best[j]))
        inside.add(j)
        best = np.minimum(best, d[j])
    return sorted(out)


def test_mst_against_prim() -> None:
    x = np.random.default_rng(0).normal(size=(40, 3))
    np.testing.assert_allclose(mst_lengths(x), _prim(x))


@pytest.mark.skipif(importlib.util.find_spec("gudhi") is None, reason="needs gudhi")
def test_mst_is_rips_h0() -> None:
    import gudhi

    x = np.random.default_rng(1).normal(size=(30, 2))
    st = gudhi.RipsComplex(points=x).create_simplex_tree(max_dimension=1)
    st.compute_persistence()
    deaths = sorted(d for b, d in st.persistence_intervals_in_dimension(0) if np.isfinite(d))
    np.testing.assert_allclose(mst_lengths(x), deaths)


def test_line_is_one_dimensional() -> None:
    t = np.random.default_rng(0).uniform(size=800)
    line = t[:, None] * np.array([[1.0, -2.0, 0.5, 3.0]])
    assert ph_dimension(line, seed=0).dimension == pytest.approx(1.0, abs=0.1)


def test_square_is_two_dimensional() -> None:
    sq = np.random.default_rng(1).uniform(size=(1000, 2)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 2.0]])
    r = ph_dimension(sq, seed=0, repeats=3)
    assert r.dimension == pytest.approx(2.0, abs=0.25)
    assert r.fit_r2 > 0.99


def test_too_few_points() -> None:
    with pytest.raises(TopologyError, match="at least 20"):
        ph_dimension(np.zeros((5, 2)))
