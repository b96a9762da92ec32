"""Study statistics against independent references (scipy, scikit-learn) and hand cases."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.topology.study import (
    assess,
    claims,
    cv_r2,
    granulated_tau,
    kendall_tau,
    linear_fit,
    permutation_pvalue,
)


def test_kendall_against_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(30):
        x, y = rng.integers(0, 4, 15), rng.integers(0, 4, 15)  # many ties
        assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic)


def test_fit_and_cv_against_sklearn() -> None:
    lm = pytest.importorskip("sklearn.linear_model")
    ms = pytest.importorskip("sklearn.model_selection")
    rng = np.random.default_rng(1)
    x = rng.normal(size=30)
    y = 0.3 * x + rng.normal(size=30)
    slope, intercept, r2 = linear_fit(x, y)
    ref = lm.LinearRegression().fit(x[:, None], y)
    assert slope == pytest.approx(ref.coef_[0]) and intercept == pytest.approx(ref.intercept_)
    assert r2 == pytest.approx(ref.score(x[:, None], y))
    perm = np.random.default_rng(0).permutation(30)
    folds = [(np.setdiff1d(perm, p), p) for p in np.array_split(perm, 5)]
    pred = ms.cross_val_predict(lm.LinearRegression(), x[:, None], y, cv=folds)
    want = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert cv_r2(x, y, folds=5, seed=0) == pytest.approx(want)


def test_permutation_and_bootstrap() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=40)
    assert permutation_pvalue(x, -x + 0.1 * rng.normal(size=40), kendall_tau, n=199) == pytest.approx(1 / 200)
    p_null = permutation_pvalue(x, rng.normal(size=40), kendall_tau, n=199)
    assert p_null > 0.05
    lo, hi = assess(x, 2 * x + 0.5 * rng.normal(size=40), name="x", resamples=300).slope_interval
    assert lo < 2.0 < hi


def _loop_interval(x: np.ndarray, y: np.ndarray, statistic, n: int, seed: int) -> tuple[float, float]:
    """The paired percentile bootstrap written out: resample models, skip constant x."""
    rng = np.random.default_rng(seed)
    kept = []
    for _ in range(n):
        idx = rng.integers(0, x.size, x.size)
        if np.ptp(x[idx]) == 0:
            continue
        value = statistic(x[idx], y[idx])
        if np.isfinite(value):
            kept.append(value)
    tail = (1 - 0.95) / 2  # as the study computes it (not the literal 0.025)
    lo, hi = np.quantile(kept, [tail, 1 - tail])
    return float(lo), float(hi)


def test_assess_intervals_are_the_paired_bootstrap_written_out() -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.uniform(0, 1, 9), 1)  # few distinct values: some resamples are constant
    y = -x + 0.3 * rng.normal(size=9)
    m = assess(x, y, name="m", resamples=120, permutations=19, seed=3)
    assert m.r2_interval == _loop_interval(x, y, lambda a, b: linear_fit(a, b)[2], 120, 3)
    assert m.tau_interval == _loop_interval(x, y, kendall_tau, 120, 4)
    assert m.slope_interval == _loop_interval(x, y, lambda a, b: linear_fit(a, b)[0], 120, 7)


def test_granulated_tau_by_hand() -> None:
    hp = [{"w": w, "lr": lr} for w in (1, 2, 3) for lr in (0.1, 0.2)]
    x = np.array([1, 2, 3, 4, 5, 6], dtype=float)
    y = np.array([3, 1, 2, 0, 1, -1], dtype=float)  # within each lr: y falls as w rises
    g = granulated_tau(x, y, hp)
    assert g["w"] == -1.0  # both lr groups: τ = −1
    assert g["lr"] == -1.0  # each w group: two models, y falls
    assert g["mean"] == -1.0


def test_claims_verdicts_on_planted_data() -> None:
    rng = np.random.default_rng(4)
    tp = rng.uniform(0, 3, 60)
    gap = -0.034 * tp + 0.12 + 0.015 * rng.normal(size=60)  # the paper's line, R² near 0.8
    m = assess(tp, gap, name="total_persistence", resamples=300, permutations=199)
    rows = claims(m)
    assert rows[1]["verdict"] == "reproduced" and rows[1]["measured"] < 0
    assert rows[0]["verdict"] in ("reproduced", "not reproduced")
    assert (rows[0]["verdict"] == "reproduced") == (m.r2_interval[0] <= 0.82 <= m.r2_interval[1])
    flat = assess(tp, rng.normal(size=60), name="total_persistence", resamples=300, permutations=199)
    assert claims(flat)[0]["verdict"] == "not reproduced"


def test_a_slope_sign_that_one_model_flips_is_inconclusive_not_contradicted() -> None:
    x = np.concatenate([np.linspace(0.0, 1.0, 11), [10.0]])
    y = np.concatenate([0.2 - 0.05 * np.linspace(0.0, 1.0, 11), [0.9]])
    m = assess(x, y, name="total_persistence", resamples=300, permutations=99)
    assert m.slope > 0 and m.slope_stability["flips"] == [11] and not m.slope_stability["stable"]
    row = claims(m, names=[f"model {i}" for i in range(12)])[1]
    assert row["verdict"] == "inconclusive"
    assert "dropping model 11 alone flips the sign" in row["why"]
    if m.slope_interval[0] > 0:  # what the interval alone would have said
        assert "says contradicted" in row["why"]


def test_a_stable_positive_slope_is_still_contradicted() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 3, 40)
    m = assess(x, 0.05 * x + 0.01 * rng.normal(size=40), name="total_persistence", resamples=300, permutations=99)
    assert m.slope_stability["stable"]
    row = claims(m)[1]
    assert row["verdict"] == "contradicted" and row["why"] == ""
