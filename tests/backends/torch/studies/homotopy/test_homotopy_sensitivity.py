"""The sensitivity table against a brute-force recomputation of every row: components among the
admitted members, spreads and their verdicts."""

import numpy as np
import pytest

from catdyn.backends.torch.studies.homotopy.claims import spread_claim
from catdyn.backends.torch.studies.homotopy.sensitivity import sensitivity, sensitivity_row
from catdyn.backends.torch.studies.homotopy.values import PathProfiles
from catdyn.classes import between_spread, within_spread
from catdyn.stats import stratified_bootstrap


def _components(b: np.ndarray, c: float) -> list[int]:
    """Connected components of {b ≤ c} by depth-first search, numbered by first member."""
    n, label = len(b), [-1] * len(b)
    count = 0
    for start in range(n):
        if label[start] >= 0:
            continue
        stack, label[start] = [start], count
        while stack:
            i = stack.pop()
            for j in range(n):
                if label[j] < 0 and b[i, j] <= c:
                    label[j] = count
                    stack.append(j)
        count += 1
    return label


def _two_basins() -> tuple[PathProfiles, np.ndarray]:
    """Members 0–2 in one basin, 3–4 in another, 5 never converged (own loss 2.0)."""
    own = np.array([0.01, 0.02, 0.01, 0.03, 0.02, 2.0])
    basin = np.array([0, 0, 0, 1, 1, 2])
    pairs = [[i, j] for i in range(6) for j in range(i + 1, 6)]
    alphas = np.linspace(0, 1, 5)
    lines = np.empty((len(pairs), 5))
    for p, (i, j) in enumerate(pairs):
        peak = 0.05 if basin[i] == basin[j] else 1.5
        lines[p] = np.interp(alphas, [0, 0.5, 1], [own[i], peak, own[j]])
    acc = np.array([0.95, 0.951, 0.949, 0.90, 0.902, 0.10])
    return PathProfiles(alphas, pairs, {"loss/train": lines}, list(range(6)), 6), acc


def test_every_row_is_its_brute_force_recomputation() -> None:
    from catdyn.backends.torch.studies.homotopy.criteria import levels

    paths, acc = _two_basins()
    grid = {"line-endpoint": (0.1, 2.0), "sublevel": (0.1, 3.0), "relative": (1.0,)}
    rows = sensitivity(paths, acc, grid=grid, resamples=100, seed=3)
    assert [(r["criterion"], r["c"]) for r in rows] == [(d, c) for d in grid for c in grid[d]]
    for r in rows:
        lev = levels(paths, r["criterion"])
        keep = np.flatnonzero(lev.own <= r["c"]) if r["criterion"] == "sublevel" else np.arange(6)
        lab = np.array(_components(lev.matrix[np.ix_(keep, keep)], r["c"]))
        assert r["classes"] == len(set(lab)) and r["not converged"] == 6 - len(keep)
        for key, stat in (("within", within_spread), ("between", between_spread)):
            est = stratified_bootstrap(stat, acc[keep], lab, resamples=100, seed=3)
            assert r[key] == pytest.approx(est.value, nan_ok=True)
            assert (r[f"{key} low"], r[f"{key} high"]) == pytest.approx((est.low, est.high), nan_ok=True)
            assert r[f"{key} verdict"] == spread_claim(key, est, "").verdict.value


def test_the_sublevel_reading_leaves_the_unconverged_member_out() -> None:
    paths, acc = _two_basins()
    line, sub = sensitivity(paths, acc, grid={"line-endpoint": (0.1,), "sublevel": (0.1,)}, resamples=50)
    assert (line["classes"], line["not converged"]) == (3, 0)
    assert (sub["classes"], sub["not converged"]) == (2, 1)
    assert sub["between verdict"] == "reproduced" and sub["within verdict"] == "reproduced"


def test_a_row_with_no_member_is_not_measured() -> None:
    row = sensitivity_row([None, None], np.array([0.5, 0.6]), resamples=10, seed=0)
    assert row["classes"] == 0 and row["not converged"] == 2 and row["within verdict"] == "inconclusive"
