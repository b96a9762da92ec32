"""Classes from barrier matrices: a multi-well landscape with known components, single linkage
against scipy's, spreads by hand, bootstrap and verdicts."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from catdyn.classes import (
    between_spread,
    check_barrier_matrix,
    classes_at,
    h0_persistence,
    pair_spreads,
    spread_claims,
    within_spread,
)
from catdyn.errors import HomotopyError
from catdyn.stats import Estimate, Verdict, bound_verdict, stratified_bootstrap

WELLS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])


def _landscape(p: np.ndarray) -> np.ndarray:
    """Four Gaussian wells of depth 1 (width 0.8); wells 0 and 1 are joined by a shallow trough
    along y = 0 (depth 0.9), so they form one component of {L ≤ −0.5}."""
    d2 = ((p[..., None, :] - WELLS) ** 2).sum(-1)
    wells = -np.exp(-d2 / (2 * 0.8**2)).sum(-1)
    x, y = p[..., 0], p[..., 1]
    trough = -0.9 * np.exp(-(y**2) / (2 * 0.5**2)) * ((x >= 0) & (x <= 4))
    return np.minimum(wells, trough)


def _line_barrier(a: np.ndarray, b: np.ndarray, points: int = 101) -> float:
    from catdyn.backends.torch.paths.interpolation import barrier

    al = np.linspace(0, 1, points)
    path = a[None, :] * (1 - al[:, None]) + b[None, :] * al[:, None]
    return float(barrier(_landscape(path), al, "mean-endpoint"))


def test_multi_well_landscape_gives_exactly_its_components() -> None:
    rng = np.random.default_rng(0)
    which = np.repeat(np.arange(4), 5)
    pts = WELLS[which] + rng.normal(scale=0.15, size=(20, 2))
    n = len(pts)
    B = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        B[i, j] = B[j, i] = _line_barrier(pts[i], pts[j])
    labels = classes_at(B, 0.3)
    # the known components: {well 0, well 1} (the trough), {well 2}, {well 3}
    truth = np.array([0, 0, 1, 2])[which]
    assert labels.tolist() == truth.tolist()
    p = h0_persistence(B)
    assert p.n_classes(0.3) == 3 and p.essential == 1
    lo, hi = p.stable_range(0.3)
    assert lo < 0.3 < hi  # a robust choice of c: nothing merges near it
    # within a well the line stays low; across the empty centre it crosses a ridge of height ~1
    assert B[which == 2][:, which == 3].min() > 0.5


@given(st.integers(2, 9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, 2**32 - 1))))
def test_single_linkage_agrees_with_scipy(case: tuple[int, int]) -> None:
    n, seed = case
    rng = np.random.default_rng(seed)
    B = rng.uniform(0, 1, size=(n, n)).round(3)
    B = np.triu(B, 1)
    B = B + B.T
    p = h0_persistence(B)
    Z = linkage(squareform(B, checks=False), method="single")
    assert np.allclose(np.sort(p.deaths), np.sort(Z[:, 2]))
    assert np.allclose(p.linkage()[:, 2], Z[:, 2])
    for c in (0.1, 0.3, 0.6):
        ref = fcluster(Z, t=c, criterion="distance")
        ours = classes_at(B, c)
        # same partition (labels may differ): compare co-membership
        assert np.array_equal(ours[:, None] == ours[None, :], ref[:, None] == ref[None, :])
        assert p.n_classes(c) == len(set(ours))


def test_negative_and_zero_barriers_join() -> None:
    B = np.array([[0.0, -0.2, 0.0], [-0.2, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert classes_at(B, 0.0).tolist() == [0, 0, 0]
    assert sorted(h0_persistence(B).deaths.tolist()) == [-0.2, 0.0]


def test_bad_matrices_are_refused() -> None:
    for bad in (np.ones((2, 3)), np.array([[0, np.nan], [np.nan, 0]]), np.array([[1.0, 0], [0, 0]])):
        with pytest.raises(HomotopyError):
            check_barrier_matrix(bad)


def test_spreads_by_hand() -> None:
    acc = np.array([0.90, 0.92, 0.94, 0.80, 0.84, 0.50])
    lab = np.array([0, 0, 0, 1, 1, 2])
    # class 0: deviations −.02, 0, .02 (ss .0008, dof 2); class 1: ±.02 (ss .0008, dof 1)
    assert within_spread(acc, lab) == pytest.approx(np.sqrt(0.0016 / 3))
    # class means .92 and .82 (the singleton is left out): |Δ| = .10
    assert between_spread(acc, lab) == pytest.approx(0.10)
    w, b = pair_spreads(acc, lab)
    assert w == pytest.approx(np.mean([0.02, 0.04, 0.02, 0.04]))
    cross = [abs(acc[i] - acc[j]) for i in range(6) for j in range(i + 1, 6) if lab[i] != lab[j]]
    assert b == pytest.approx(np.mean(cross))
    assert np.isnan(within_spread(acc, np.arange(6)))


def test_bootstrap_interval_and_verdicts() -> None:
    rng = np.random.default_rng(1)
    acc = np.concatenate([0.98 + 0.002 * rng.normal(size=30), 0.94 + 0.002 * rng.normal(size=30)])
    lab = np.repeat([0, 1], 30)
    s = spread_claims(acc, lab, resamples=500)
    assert s.within.low <= s.within.value <= s.within.high
    assert bound_verdict(s.within, 0.005, "<") is Verdict.REPRODUCED
    assert bound_verdict(s.between, 0.03, ">") is Verdict.REPRODUCED
    assert s.p_value < 0.01
    assert bound_verdict(Estimate(0.5, 0.4, 0.6), 0.55, "<") is Verdict.INCONCLUSIVE
    assert bound_verdict(Estimate(float("nan"), float("nan"), float("nan")), 0.5, "<") is Verdict.INCONCLUSIVE
    e = stratified_bootstrap(lambda a, y: float(a.mean()), acc, lab, resamples=200)
    assert e.low < acc.mean() < e.high


def test_classes_are_the_finset_coequaliser_of_the_edge_endpoints_and_match_scipy_components():
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from catdyn.categories.finset import FinSet
    from catdyn.classes import barrier_edges
    from catdyn.limits import coequaliser

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        b = rng.uniform(0, 1, (n, n))
        b = np.triu(b, 1) + np.triu(b, 1).T
        c = float(rng.uniform(0, 1))
        labels = classes_at(b, c)
        src, tgt = barrier_edges(b, c)
        E, V = FinSet.object("E", len(src)), FinSet.object("V", n)
        pi0 = coequaliser(FinSet.function("src", E, V, src), FinSet.function("tgt", E, V, tgt))
        # V comes after E in the diagram, so renumber the leg by first model for comparison
        leg = pi0.leg("V").table
        first: dict[int, int] = {}
        assert labels.tolist() == [first.setdefault(int(x), len(first)) for x in leg]
        _, scipy_labels = connected_components(csr_matrix(np.triu(b <= c, 1).astype(np.int8)), directed=False)
        first = {}
        assert labels.tolist() == [first.setdefault(int(x), len(first)) for x in scipy_labels]
