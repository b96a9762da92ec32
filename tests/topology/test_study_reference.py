"""The study's statistics against closed forms and plain loops: least squares on tiny data and
its degenerate cases, leave-one-out and default-fold cross-validation written out, τ-b's zero
denominator, Jiang's granulated τ by brute-force grouping (missing keys, NaN rows, groups with
one value), the two-sided permutation p-value as a loop over the same generator, which rows
``_xy`` keeps and how many it needs, ``assess`` as the composition of those calls, ``rank``
with a NaN τ, and the claims rows' fields and verdicts."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import kendalltau

from catdyn.errors import TopologyError
from catdyn.stats import contains_verdict, sign_verdict
from catdyn.topology.study import (
    PAPER_INTERCEPT,
    PAPER_R2,
    PAPER_SLOPE,
    Measure,
    assess,
    claims,
    cv_r2,
    granulated_tau,
    kendall_tau,
    linear_fit,
    permutation_pvalue,
    rank,
)


def _ls(x, y):
    """Least squares by the normal equations of the 2-parameter model (closed form)."""
    n = len(x)
    sx, sy, sxx, sxy = sum(x), sum(y), sum(a * a for a in x), sum(a * b for a, b in zip(x, y))
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    intercept = (sy - slope * sx) / n
    ym = sy / n
    r2 = 1 - sum((b - intercept - slope * a) ** 2 for a, b in zip(x, y)) / sum((b - ym) ** 2 for b in y)
    return slope, intercept, r2


def test_linear_fit_is_the_closed_form() -> None:
    rng = np.random.default_rng(0)
    for n in (2, 3, 5, 9):
        x, y = rng.normal(size=n).tolist(), rng.normal(size=n).tolist()
        got = linear_fit(x, y)
        for a, b in zip(got, _ls(x, y)):
            assert a == pytest.approx(b, abs=1e-10)
    assert linear_fit([0, 1, 2], [0, 2, 1]) == (0.5, 0.5, 0.25)  # residuals −0.5, 1, −0.5


def test_linear_fit_degenerate_cases() -> None:
    assert linear_fit([2, 2, 2], [1, 2, 6]) == (0.0, 3.0, 0.0)  # constant x: the mean, R² 0
    assert linear_fit([1, 2, 3], [4, 4, 4]) == (0.0, 4.0, 0.0)  # constant y: nothing to explain
    assert linear_fit([1, 2, np.nan, 4, 5], [2, 4, 100, np.inf, 10]) == (2.0, 0.0, 1.0)  # rows 2, 3 left out
    with pytest.raises(TopologyError, match="models with finite measure and target"):
        linear_fit([1, np.nan, 3], [1, 2, np.nan])
    with pytest.raises(TopologyError, match="3 values but the target 2"):
        linear_fit([1, 2, 3], [1, 2])


def _cv_loop(x, y, parts):
    pred = np.empty(len(x))
    for part in parts:
        train = [i for i in range(len(x)) if i not in set(part)]
        s, i0, _ = _ls([x[i] for i in train], [y[i] for i in train])
        for i in part:
            pred[i] = i0 + s * x[i]
    return 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def test_cv_r2_is_leave_one_out_below_the_fold_count() -> None:
    rng = np.random.default_rng(1)
    for n in (4, 5, 7):
        x, y = rng.normal(size=n), rng.normal(size=n)
        want = _cv_loop(x, y, [[i] for i in range(n)])
        assert cv_r2(x, y, folds=10, seed=3) == pytest.approx(want, abs=1e-9)
        if n <= 5:  # the default: 5 folds
            assert cv_r2(x, y) == pytest.approx(want, abs=1e-9)


def test_cv_r2_defaults_are_five_folds_from_seed_0() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=12), rng.normal(size=12)
    perm = np.random.default_rng(0).permutation(12)
    want = _cv_loop(x, y, [p.tolist() for p in np.array_split(perm, 5)])
    assert cv_r2(x, y) == pytest.approx(want, abs=1e-9) and cv_r2(x, y, folds=5, seed=0) == cv_r2(x, y)
    assert cv_r2(x, y, folds=3) == pytest.approx(
        _cv_loop(x, y, [p.tolist() for p in np.array_split(perm, 3)]), abs=1e-9
    )
    assert cv_r2([1, 2, 3, 4, 5], [2, 2, 2, 2, 2]) == 0.0  # no variance to explain
    with pytest.raises(TopologyError):
        cv_r2([1, 2, 3], [1, 2, 3])


def test_kendall_tau_with_a_constant_side_is_zero() -> None:
    assert kendall_tau([1, 1, 1], [1, 2, 3]) == 0.0
    assert kendall_tau([1, 2, 3], [5, 5, 5]) == 0.0
    assert kendall_tau([1, 2], [2, 1]) == -1.0
    with pytest.raises(TopologyError):
        kendall_tau([1.0], [2.0])


def _granulated_loop(x, y, hparams):
    keys = sorted({k for h in hparams for k in h})
    out = {}
    for key in keys:
        seen, taus = set(), []
        for i in range(len(hparams)):
            group = tuple(
                j
                for j in range(len(hparams))
                if all(hparams[j].get(k, "<none>") == hparams[i].get(k, "<none>") for k in keys if k != key)
            )
            if group in seen:
                continue
            seen.add(group)
            ok = [j for j in group if math.isfinite(x[j]) and math.isfinite(y[j])]
            if len({repr(hparams[j].get(key)) for j in group}) >= 2 and len(ok) >= 2:
                t = kendalltau([x[j] for j in ok], [y[j] for j in ok]).statistic
                taus.append(0.0 if math.isnan(t) else t)
        if taus:
            out[key] = float(np.mean(taus))
    out["mean"] = float(np.mean(list(out.values()))) if out else math.nan
    return out


@pytest.mark.parametrize("seed", range(6))
def test_granulated_tau_against_brute_force_grouping(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 24
    hparams = []
    for _ in range(n):
        h = {"w": int(rng.integers(1, 3)), "lr": int(rng.integers(1, 3)), "depth": int(rng.integers(1, 3))}
        if rng.uniform() < 0.15:
            del h["depth"]  # a record without that key: its own group
        hparams.append(h)
    x = rng.integers(0, 5, n).astype(float)
    y = rng.normal(size=n)
    x[rng.uniform(size=n) < 0.1] = np.nan
    got, want = granulated_tau(x, y, hparams), _granulated_loop(x, y, hparams)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-12), k


def test_granulated_tau_with_no_group_and_with_one_value_per_group() -> None:
    hp = [{"w": 1, "lr": 1}, {"w": 2, "lr": 2}, {"w": 3, "lr": 3}]  # no two agree on the other key
    g = granulated_tau([1, 2, 3], [3, 2, 1], hp)
    assert set(g) == {"mean"} and math.isnan(g["mean"])
    hp = [{"w": 1, "lr": 1}, {"w": 1, "lr": 2}, {"w": 2, "lr": 1}]
    g = granulated_tau([1.0, 2.0, np.nan], [1.0, 2.0, 0.0], hp)
    assert g == {"lr": 1.0, "mean": 1.0}  # the w pair (rows 0, 2) has one finite model
    with pytest.raises(TopologyError, match="2 hyperparameter records for 3 models"):
        granulated_tau([1, 2, 3], [1, 2, 3], hp[:2])


def test_permutation_pvalue_is_two_sided_and_the_loop_over_the_same_generator() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=9), rng.normal(size=9)
    p = permutation_pvalue(x, y, kendall_tau)
    assert p == permutation_pvalue(x, y, kendall_tau, n=999, seed=0)
    g = np.random.default_rng(0)
    obs = abs(kendall_tau(x, y))
    hits = sum(abs(kendall_tau(x, g.permutation(y))) >= obs - 1e-12 for _ in range(999))
    assert p == (1 + hits) / 1000
    assert permutation_pvalue(x, -y, kendall_tau) == p  # a negative statistic as extreme
    assert permutation_pvalue(x, y, kendall_tau, n=99, seed=4) != permutation_pvalue(
        x, y, kendall_tau, n=99, seed=5
    )
    with pytest.raises(TopologyError):
        permutation_pvalue([1, 2], [2, 1], kendall_tau)


def test_permutation_pvalue_counts_ties_with_the_observed() -> None:
    # a constant x gives τ = 0 for every permutation: all 19 are as extreme, p = 1
    assert permutation_pvalue([1, 1, 1, 1], [1, 2, 3, 4], kendall_tau, n=19) == 1.0
    # three models: the 6 orders of y give τ = ±1 (2) and ±1/3 (4); at n = 600 about a third hit
    p = permutation_pvalue([1, 2, 3], [1, 2, 3], kendall_tau, n=600, seed=1)
    assert abs(p - 1 / 3) < 0.06


def _loo_and_boot_sign(x, y, resamples, seed):
    def slope(a, b):
        return _ls(list(a), list(b))[0]

    sign = int(np.sign(slope(x, y)))
    flips = [i for i in range(len(x)) if int(np.sign(slope(np.delete(x, i), np.delete(y, i)))) != sign]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        idx = rng.integers(0, len(x), len(x))
        if np.ptp(x[idx]) == 0:
            continue
        draws.append(slope(x[idx], y[idx]))
    return sign, flips, float(np.mean(np.sign(draws) == sign)), len(draws)


def test_assess_is_the_composition_of_the_calls() -> None:
    rng = np.random.default_rng(8)
    x = np.round(rng.uniform(0, 1, 10), 1)
    y = -0.5 * x + 0.3 * rng.normal(size=10)
    xs, ys = np.append(x, np.nan), np.append(y, 1.0)  # one model without a measure
    hp = [{"w": i % 3, "lr": i // 3} for i in range(11)]
    m = assess(xs, ys, name="m", target="acc", hparams=hp, folds=4, resamples=80, permutations=39, seed=2)
    assert (m.name, m.target, m.n) == ("m", "acc", 10)
    assert (m.slope, m.intercept, m.r2) == linear_fit(x, y)
    assert m.cv_r2 == cv_r2(x, y, folds=4, seed=2)
    assert m.tau == kendall_tau(x, y)
    assert m.p_tau == permutation_pvalue(x, y, kendall_tau, n=39, seed=4)
    assert m.p_r2 == permutation_pvalue(x, y, lambda a, b: linear_fit(a, b)[2], n=39, seed=5)
    assert m.granulated == granulated_tau(xs, ys, hp) and set(m.granulated) == {"w", "lr", "mean"}
    sign, flips, share, draws = _loo_and_boot_sign(x, y, 80, 6)
    st = m.slope_stability
    assert (st["sign"], st["n"], st["flips"], st["draws"]) == (sign, 10, flips, draws)
    assert st["bootstrap_share"] == pytest.approx(share) and st["level"] == 0.95
    assert assess(x, y, name="m", resamples=20, permutations=9).granulated == {}
    with pytest.raises(TopologyError):
        assess([1, 2, 3, np.nan], [1, 2, 3, 4], name="m")


def test_assess_defaults() -> None:
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=6), rng.normal(size=6)
    m = assess(x, y, name="m", resamples=30, permutations=19)
    assert m.target == "gap" and m.cv_r2 == cv_r2(x, y, folds=5, seed=0)
    assert m.p_tau == permutation_pvalue(x, y, kendall_tau, n=19, seed=2)
    d = assess(x, y, name="m", resamples=30)
    assert d.p_tau == permutation_pvalue(x, y, kendall_tau, n=999, seed=2)


def _measure(name: str, tau: float, **kw) -> Measure:
    base = dict(
        name=name,
        target="gap",
        n=5,
        slope=0.0,
        intercept=0.0,
        r2=0.0,
        r2_interval=(0.0, 0.0),
        cv_r2=0.0,
        tau=tau,
        tau_interval=(0.0, 0.0),
        p_tau=1.0,
        p_r2=1.0,
        slope_interval=(0.0, 0.0),
    )
    base.update(kw)
    return Measure(**base)


def test_rank_puts_a_nan_tau_with_the_zeros_after_the_rest() -> None:
    ms = [_measure("nan", math.nan), _measure("a", 0.2), _measure("b", -0.7), _measure("z", 0.0)]
    assert [m.name for m in rank(ms)] == ["b", "a", "nan", "z"]
    assert [m.name for m in rank(ms[::-1])] == ["b", "a", "z", "nan"]  # stable among equal keys


@pytest.mark.parametrize(
    "interval, want",
    [((-0.05, -0.01), "reproduced"), ((0.01, 0.05), "contradicted"), ((-0.01, 0.02), "inconclusive")],
)
def test_claims_rows_without_a_stability_record(interval, want) -> None:
    tp = _measure(
        "total_persistence",
        -0.4,
        n=12,
        slope=-0.03,
        intercept=0.1,
        r2=0.7,
        r2_interval=(0.6, 0.85),
        cv_r2=0.65,
        p_tau=0.02,
        p_r2=0.01,
        slope_interval=interval,
    )
    base = _measure("norm", 0.3, slope=0.2, r2=0.1, cv_r2=-0.1, p_tau=0.4)
    r2_row, slope_row = claims(tp, [base])
    assert r2_row == {
        "claim": "R² of gap on total persistence",
        "paper": PAPER_R2,
        "measured": 0.7,
        "interval": [0.6, 0.85],
        "cv_r2": 0.65,
        "p_value": 0.01,
        "n": 12,
        "verdict": contains_verdict((0.6, 0.85), PAPER_R2).value,
        "baselines": {"norm": {"r2": 0.1, "cv_r2": -0.1, "tau": 0.3}},
    }
    assert r2_row["verdict"] == "reproduced"
    assert slope_row == {
        "claim": "slope of gap on total persistence is negative",
        "paper": PAPER_SLOPE,
        "measured": -0.03,
        "interval": list(interval),
        "tau": -0.4,
        "p_value": 0.02,
        "n": 12,
        "verdict": want,
        "why": "",
        "sign_stability": {},
        "baselines": {"norm": {"slope": 0.2, "tau": 0.3, "p_tau": 0.4}},
    }
    assert want == sign_verdict(interval, -1).value


def test_claims_with_an_unstable_record_name_the_rows() -> None:
    st = {
        "sign": -1,
        "n": 3,
        "flips": [1],
        "bootstrap_share": 0.99,
        "draws": 100,
        "level": 0.95,
        "stable": False,
        "reason": "ignored",
    }
    tp = _measure("total_persistence", -0.4, slope=-0.03, slope_interval=(-0.05, -0.01), slope_stability=st)
    row = claims(tp, names=["a", "b", "c"])[1]
    assert row["verdict"] == "inconclusive" and "dropping b alone flips the sign" in row["why"]
    ok = {**st, "flips": [], "bootstrap_share": 0.95}
    row = claims(_measure("total_persistence", -0.4, slope_interval=(-0.05, -0.01), slope_stability=ok))[1]
    assert row["verdict"] == "reproduced" and row["why"] == ""


def test_bruteforce_helper_agrees_with_itertools_pairs() -> None:
    # the closed form above and a pairwise slope average are both least squares on 2 points
    for (x0, y0), (x1, y1) in itertools.combinations([(0.0, 1.0), (2.0, -3.0), (5.0, 4.0)], 2):
        assert _ls([x0, x1], [y0, y1])[0] == pytest.approx((y1 - y0) / (x1 - x0))


def test_the_papers_figures_are_those_the_claims_quote() -> None:
    # "gap = −0.034 · total persistence + 0.12, R² = 0.82" (claims' docstring, the paper's figure)
    assert (PAPER_SLOPE, PAPER_INTERCEPT, PAPER_R2) == (-0.034, 0.12, 0.82)


def test_small_scale_data_is_fitted_not_taken_for_degenerate() -> None:
    # variances far below 1 (accuracies, gaps): nothing may be mistaken for constant
    rng = np.random.default_rng(11)
    for n in (3, 6):
        x, y = 0.01 * rng.normal(size=n), 0.01 * rng.normal(size=n)
        for a, b in zip(linear_fit(x, y), _ls(x.tolist(), y.tolist())):
            assert a == pytest.approx(b, abs=1e-10)
    x, y = 0.01 * rng.normal(size=5), 0.01 * rng.normal(size=5)
    assert cv_r2(x, y) == pytest.approx(_cv_loop(x, y, [[i] for i in range(5)]), abs=1e-9)


def test_permutation_pvalue_with_an_asymmetric_statistic_permutes_y() -> None:
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=8), 3 * rng.normal(size=8)

    def slope(a, b):
        return _ls(list(a), list(b))[0]

    p = permutation_pvalue(x, y, slope, n=99, seed=3)
    g = np.random.default_rng(3)
    obs = abs(slope(x, y))
    hits = sum(abs(slope(x, g.permutation(y))) >= obs - 1e-12 for _ in range(99))
    assert p == pytest.approx((1 + hits) / 100)


def test_permutation_pvalue_counts_ties_up_to_rounding() -> None:
    # Σ 0.1·y is the same sum for every order of y; in floats some orders give 0.09999999999999999
    x, y = np.full(3, 0.1), np.array([0.1, 0.2, 0.7])
    sums = {float(np.sum(x * y[list(p)])) for p in itertools.permutations(range(3))}
    assert len(sums) == 2 and float(np.sum(x * y)) == max(sums)  # the observed is the larger
    assert permutation_pvalue(x, y, lambda a, b: float(np.sum(a * b)), n=50) == 1.0


def test_slope_stability_skips_resamples_with_a_constant_measure() -> None:
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
    y = np.array([0.3, 0.1, 0.2, 0.25, -0.5, -1.1])
    m = assess(x, y, name="m", resamples=150, permutations=9, seed=0)
    sign, flips, share, draws = _loo_and_boot_sign(x, y, 150, 4)
    st = m.slope_stability
    assert 100 < draws < 150  # some resamples drew only zeros: skipped, not counted as slope 0
    assert (st["sign"], st["flips"], st["draws"]) == (sign, flips, draws)
    assert st["bootstrap_share"] == pytest.approx(share)
    # the intervals skip the same resamples (and only those: a measure spanning 0 to 1 is kept)
    for got, stat, seed in (
        (m.slope_interval, lambda a, b: _ls(a, b)[0], 4),
        (m.tau_interval, kendall_tau, 1),
    ):
        g = np.random.default_rng(seed)
        kept = []
        for _ in range(150):
            idx = g.integers(0, 6, 6)
            if np.ptp(x[idx]) > 0:
                kept.append(stat(list(x[idx]), list(y[idx])))
        assert got == pytest.approx(tuple(np.quantile(kept, [0.025, 0.975])), abs=1e-9)


def test_assess_needs_four_models_and_resamples_1000_by_default() -> None:
    x, y = np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, 0.5, 0.7, -1.0])
    m = assess(x, y, name="m", permutations=9)
    assert m.n == 4
    sign, flips, share, draws = _loo_and_boot_sign(x, y, 1000, 4)
    st = m.slope_stability
    assert (st["sign"], st["draws"], st["flips"]) == (sign, draws, flips) and 900 < draws < 1000
    assert st["bootstrap_share"] == pytest.approx(share)


def test_linear_fit_is_unmoved_by_a_large_common_offset() -> None:
    # slope and R² do not depend on where x and y are centred; an uncentred cross product
    # (Σ x·(y − ȳ), mathematically the same) loses ~4 digits at an offset of 10⁶
    rng = np.random.default_rng(0)
    x = rng.normal(size=20)
    y = 0.5 * x + rng.normal(size=20)
    slope, _, r2 = linear_fit(x, y)
    for offset in (1e3, 1e6):
        s, i0, r = linear_fit(x + offset, y + offset)
        assert s == pytest.approx(slope, abs=1e-8) and r == pytest.approx(r2, abs=1e-8)
        assert i0 == pytest.approx(offset - slope * offset + linear_fit(x, y)[1], abs=1e-4)


def test_a_size_mismatch_names_the_measure_then_the_target() -> None:
    for f in (linear_fit, kendall_tau, cv_r2):
        with pytest.raises(TopologyError, match="a measure has 5 values but the target 4"):
            f([1, 2, 3, 4, 5], [1, 2, 3, 4])
    with pytest.raises(TopologyError, match="a measure has 5 values but the target 4"):
        permutation_pvalue([1, 2, 3, 4, 5], [1, 2, 3, 4], kendall_tau)
    with pytest.raises(TopologyError, match="a measure has 5 values but the target 4"):
        assess([1, 2, 3, 4, 5], [1, 2, 3, 4], name="m")
