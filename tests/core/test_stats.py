"""catdyn.stats against independent references: brute-force resampling loops written here,
a stratified bootstrap written out as a loop, closed-form Student-t quantiles, and the verdict rules."""

import math

import numpy as np
import pytest

from catdyn.errors import StatisticsError
from catdyn.stats import (
    Estimate,
    Interval,
    Verdict,
    band_verdict,
    bootstrap,
    bound_verdict,
    contains_verdict,
    equality_verdict,
    percentile_interval,
    point_verdict,
    sign_verdict,
    significance_verdict,
    stratified_bootstrap,
    t_interval,
)


def _sorted_quantile(values: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile from the order statistics, written out."""
    v = np.sort(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return float(v[lo] + (pos - lo) * (v[hi] - v[lo]))


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95])
def test_percentile_interval_is_the_order_statistic_quantile(level: float) -> None:
    values = np.random.default_rng(3).normal(size=57)
    got = percentile_interval(np.concatenate([values, [np.nan, np.inf]]), level)
    tail = (1 - level) / 2
    assert got.low == pytest.approx(_sorted_quantile(values, tail), abs=1e-12)
    assert got.high == pytest.approx(_sorted_quantile(values, 1 - tail), abs=1e-12)


def test_percentile_interval_of_nothing_finite_is_nan() -> None:
    assert not percentile_interval([math.nan, math.inf]).finite


@pytest.mark.parametrize("n", [3, 4, 7, 20])
def test_paired_bootstrap_equals_a_loop_over_resamples(n: int) -> None:
    rng = np.random.default_rng(n)
    x, y = rng.normal(size=n), rng.normal(size=n)

    def slope(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.polyfit(a, b, 1)[0])

    got = bootstrap(slope, x, y, resamples=80, seed=11, skip=lambda idx: np.ptp(x[idx]) == 0)
    draw, kept = np.random.default_rng(11), []
    for _ in range(80):
        idx = draw.integers(0, n, n)
        if np.ptp(x[idx]) == 0:
            continue
        kept.append(slope(x[idx], y[idx]))
    assert got.value == slope(x, y)
    ref = np.array(kept)
    assert (got.low, got.high) == pytest.approx(
        (_sorted_quantile(ref, 0.025), _sorted_quantile(ref, 0.975)), abs=1e-12
    )


def test_one_sample_bootstrap_draws_like_a_block_of_indices() -> None:
    """One sample's bootstrap draws its indices as one block (the stream the old per-study helpers drew)."""
    a = np.random.default_rng(0).uniform(size=9)
    got = bootstrap(lambda v: float(v.std(ddof=1)), a, resamples=300, seed=5)
    idx = np.random.default_rng(5).integers(0, 9, size=(300, 9))
    stats = np.array([a[i].std(ddof=1) for i in idx])
    q = (1 - 0.95) / 2  # as the old helper computed it (not the literal 0.025)
    assert (got.low, got.high) == (float(np.quantile(stats, q)), float(np.quantile(stats, 1 - q)))


def test_bootstrap_of_the_mean_covers_like_the_normal_interval() -> None:
    a = np.random.default_rng(1).normal(loc=2.0, scale=1.0, size=400)
    e = bootstrap(lambda v: float(v.mean()), a, resamples=2000, seed=0)
    half = 1.96 * a.std(ddof=1) / math.sqrt(a.size)
    assert e.low == pytest.approx(a.mean() - half, abs=0.02)
    assert e.high == pytest.approx(a.mean() + half, abs=0.02)


def _stratified_reference(stat, acc, labels, resamples, seed):
    """The stratified percentile bootstrap written out as a loop (the reference)."""
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    values = np.empty(resamples)
    for r in range(resamples):
        idx = np.concatenate([rng.choice(m, size=len(m), replace=True) for m in members])
        values[r] = stat(acc[idx], labels[idx])
    lo, hi = np.quantile(values[np.isfinite(values)], [(1 - 0.95) / 2, 1 - (1 - 0.95) / 2])
    return Estimate(float(stat(acc, labels)), float(lo), float(hi), 0.95, resamples)


def test_stratified_bootstrap_equals_a_loop_within_strata() -> None:
    from catdyn.classes import between_spread, within_spread

    rng = np.random.default_rng(2)
    acc = rng.uniform(0.8, 1.0, size=11)
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 1])
    for stat in (within_spread, between_spread):
        mine = stratified_bootstrap(stat, acc, labels, resamples=150, seed=4)
        ref = _stratified_reference(stat, acc, labels, resamples=150, seed=4)
        assert (mine.value, mine.low, mine.high, mine.resamples) == (
            ref.value,
            ref.low,
            ref.high,
            ref.resamples,
        )


def test_stratified_bootstrap_keeps_every_stratum_size() -> None:
    labels = np.array([0, 0, 1, 1, 1, 2])
    sizes = []

    def record(a: np.ndarray, s: np.ndarray) -> float:
        sizes.append(tuple(np.bincount(s, minlength=3)))
        return float(a.mean())

    stratified_bootstrap(record, np.arange(6.0), labels, resamples=20, seed=0)
    assert set(sizes) == {(2, 3, 1)}


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_t_interval_matches_closed_form_quantiles(level: float) -> None:
    p = 0.5 + level / 2
    # one degree of freedom (Cauchy): t = tan(π(p − ½)); two: t = (2p − 1) / √(2p(1 − p))
    for values, t in (
        ([1.0, 4.0], math.tan(math.pi * (p - 0.5))),
        ([1.0, 4.0, 2.0], (2 * p - 1) / math.sqrt(2 * p * (1 - p))),
    ):
        a = np.array(values)
        e = t_interval(values, level)
        half = t * a.std(ddof=1) / math.sqrt(a.size)
        assert e.value == pytest.approx(a.mean())
        assert (e.low, e.high) == pytest.approx((a.mean() - half, a.mean() + half), rel=1e-9)


def test_t_interval_of_one_and_of_no_value() -> None:
    one = t_interval([3.0])
    assert (one.value, one.low, one.high) == (3.0, 3.0, 3.0)
    assert math.isnan(t_interval([math.nan]).value)


def _brute_bound(lo: float, hi: float, bound: float, side: str) -> str:
    pts = np.linspace(lo, hi, 101)
    if side == "<":
        if all(p < bound for p in pts):
            return "reproduced"
        return "not reproduced" if all(p >= bound for p in pts) else "inconclusive"
    if all(p > bound for p in pts):
        return "reproduced"
    return "not reproduced" if all(p <= bound for p in pts) else "inconclusive"


@pytest.mark.parametrize("side", ["<", ">"])
def test_bound_verdict_agrees_with_checking_every_point_of_the_interval(side: str) -> None:
    grid = [-1.0, -0.5, 0.0, 0.5, 1.0]
    for lo in grid:
        for hi in grid:
            if hi < lo:
                continue
            assert bound_verdict((lo, hi), 0.0, side).value == _brute_bound(lo, hi, 0.0, side), (lo, hi)  # type: ignore[arg-type]


def test_sign_contains_band_and_test_rules() -> None:
    assert sign_verdict(Interval(-0.3, -0.1)) is Verdict.REPRODUCED
    assert sign_verdict(Interval(0.1, 0.3)) is Verdict.CONTRADICTED
    assert sign_verdict(Interval(0.1, 0.3), expected=1) is Verdict.REPRODUCED
    assert sign_verdict(Interval(-0.1, 0.0)) is Verdict.INCONCLUSIVE  # 0 held: not established
    assert contains_verdict((0.82, 0.82), 0.82) is Verdict.REPRODUCED
    assert contains_verdict((0.9, 1.0), 0.82) is Verdict.NOT_REPRODUCED
    assert band_verdict((2.0, 8.0), (2.0, 8.0)) is Verdict.REPRODUCED
    assert band_verdict((8.5, 9.0), (2.0, 8.0)) is Verdict.NOT_REPRODUCED
    assert significance_verdict(-0.5, 0.01, 0.9, claimed="<") is Verdict.REPRODUCED
    assert (
        significance_verdict(0.5, 0.01, 0.99, claimed="<") is Verdict.INCONCLUSIVE
    )  # p_claimed small, wrong sign
    assert point_verdict(0.3, 0.1, ">") is Verdict.REPRODUCED
    assert equality_verdict(3, 3) is Verdict.REPRODUCED


@pytest.mark.parametrize(
    "verdict",
    [
        lambda: bound_verdict((math.nan, 1.0), 0.5, "<"),
        lambda: bound_verdict(Estimate(math.nan, 0.0, 0.1), 0.5, "<"),
        lambda: sign_verdict((math.nan, math.nan)),
        lambda: contains_verdict((0.1, math.inf), 0.5),
        lambda: band_verdict((math.nan, math.nan), (0.0, 1.0)),
        lambda: significance_verdict(math.nan, 0.01, 0.9),
        lambda: point_verdict(math.nan, 1.0),
    ],
)
def test_what_cannot_be_measured_is_inconclusive(verdict) -> None:
    assert verdict() is Verdict.INCONCLUSIVE


def test_bad_requests_are_catdyn_errors() -> None:
    with pytest.raises(StatisticsError, match="level"):
        percentile_interval([1.0], level=1.0)
    with pytest.raises(StatisticsError, match="equally long"):
        bootstrap(lambda a, b: 0.0, [1.0, 2.0], [1.0])
    with pytest.raises(StatisticsError, match="non-empty"):
        bootstrap(lambda a: 0.0, [])
    with pytest.raises(StatisticsError, match="side"):
        bound_verdict((0.0, 1.0), 0.5, "<=")  # type: ignore[arg-type]
    with pytest.raises(StatisticsError, match="side"):
        sign_verdict((0.0, 1.0), expected=0)


def test_verdicts_serialise_as_their_words() -> None:
    import json

    assert json.dumps({"v": Verdict.NOT_REPRODUCED}) == '{"v": "not reproduced"}'
    assert f"{Verdict.CONTRADICTED}" == "contradicted"


@pytest.mark.parametrize("values", [[0.71, 0.74, 0.69, 0.8], [1.0, math.nan, 2.0, 4.0], list(np.linspace(0, 1, 17))])
def test_t_interval_matches_scipy_t_interval(values: list[float]) -> None:
    from scipy import stats as scipy_stats

    a = np.array([v for v in values if not math.isnan(v)])
    lo, hi = scipy_stats.t.interval(0.95, a.size - 1, loc=a.mean(), scale=a.std(ddof=1) / math.sqrt(a.size))
    e = t_interval(values)
    assert (e.low, e.high) == pytest.approx((lo, hi), rel=1e-12)


# --- sign stability: leave-one-out and bootstrap -------------------------------------------------
def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares slope, written out."""
    xm, ym = x.mean(), y.mean()
    return float(np.sum((x - xm) * (y - ym)) / np.sum((x - xm) ** 2))


def test_leave_one_out_is_the_statistic_without_each_row() -> None:
    from catdyn.stats import leave_one_out

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=9), rng.normal(size=9)
    got = leave_one_out(_slope, x, y)
    want = [_slope(np.delete(x, i), np.delete(y, i)) for i in range(9)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_bootstrap_draws_are_the_bootstrap_s_own() -> None:
    from catdyn.stats import bootstrap_draws

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=12), rng.normal(size=12)
    draws = bootstrap_draws(_slope, x, y, resamples=200, seed=3, skip=lambda i: np.ptp(x[i]) == 0)
    e = bootstrap(_slope, x, y, resamples=200, seed=3, skip=lambda i: np.ptp(x[i]) == 0)
    assert (e.low, e.high) == percentile_interval(draws).as_tuple()
    loop, g = [], np.random.default_rng(3)
    for _ in range(200):
        idx = g.integers(0, 12, 12)
        loop.append(_slope(x[idx], y[idx]))
    np.testing.assert_allclose(draws, loop, rtol=1e-12)


def _planted_unstable() -> tuple[np.ndarray, np.ndarray]:
    """Eleven points on a falling line and one far point high up: with it the slope is positive,
    without it negative."""
    x = np.concatenate([np.linspace(0.0, 1.0, 11), [10.0]])
    y = np.concatenate([1.0 - 0.1 * np.linspace(0.0, 1.0, 11), [5.0]])
    return x, y


def test_a_slope_that_one_point_flips_is_not_stable_and_never_contradicted() -> None:
    from catdyn.stats import sign_stability, stable_sign_verdict

    x, y = _planted_unstable()
    assert _slope(x, y) > 0 and _slope(x[:-1], y[:-1]) < 0  # the plant: dropping the last point flips it
    st = sign_stability(_slope, x, y, resamples=500, seed=0, skip=lambda i: np.ptp(x[i]) == 0)
    assert st.sign == 1 and st.flips == (11,) and not st.stable
    # an interval wholly above 0 would say "contradicted" for a claimed negative slope
    assert sign_verdict((0.1, 0.5), -1) is Verdict.CONTRADICTED
    verdict, why = stable_sign_verdict((0.1, 0.5), st, -1, names=[f"m{i}" for i in range(12)])
    assert verdict is Verdict.INCONCLUSIVE and "dropping m11 alone flips the sign" in why


def test_a_stable_slope_keeps_its_verdict() -> None:
    from catdyn.stats import sign_stability, stable_sign_verdict

    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 30)
    y = 2.0 * x + 0.05 * rng.normal(size=30)
    st = sign_stability(_slope, x, y, resamples=500, seed=0)
    assert st.stable and st.flips == () and st.bootstrap_share == 1.0
    e = bootstrap(_slope, x, y, resamples=500, seed=0)
    assert stable_sign_verdict(e, st, -1) == (Verdict.CONTRADICTED, "")
    assert stable_sign_verdict(e, st, 1) == (Verdict.REPRODUCED, "")


def test_bootstrap_share_is_counted_from_the_draws() -> None:
    from catdyn.stats import bootstrap_draws, sign_stability

    rng = np.random.default_rng(5)
    x, y = rng.normal(size=15), rng.normal(size=15)
    st = sign_stability(_slope, x, y, resamples=300, seed=7, level=0.9)
    draws = bootstrap_draws(_slope, x, y, resamples=300, seed=7)
    sign = np.sign(_slope(x, y))
    assert st.bootstrap_share == pytest.approx(np.mean(np.sign(draws) == sign))
    assert st.stable == (not st.flips and st.bootstrap_share >= 0.9)
