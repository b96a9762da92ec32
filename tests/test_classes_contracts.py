"""``catdyn.classes`` against plain-loop references: the barrier-matrix checks (each refusal for
its own reason, the symmetry tolerance), Kruskal's merges written out (negative barriers too),
``stable_range``/``barcode``/``total_persistence`` by their definitions, the spreads with
``min_size``, ``spread_claims``' intervals and p-value as the calls it documents, and
``mantel``/``permutation_test`` defaults and small-n cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import rankdata, spearmanr

from catdyn.classes import (
    H0Persistence,
    barrier_edges,
    between_spread,
    check_barrier_matrix,
    h0_persistence,
    mantel,
    pair_spreads,
    permutation_test,
    spread_claims,
    within_spread,
)
from catdyn.errors import HomotopyError
from catdyn.stats import stratified_bootstrap


def _sym(rng: np.random.Generator, n: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    b = np.triu(rng.uniform(lo, hi, (n, n)), 1)
    return b + b.T


# --- the matrix check ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, why",
    [
        (np.ones((2, 3)), "is not square"),
        (np.zeros(3), "is not square"),
        (np.zeros((2, 2, 2)), "is not square"),
        (np.array([[0.0, np.nan, 1.0], [np.nan, 0.0, np.inf], [1.0, np.inf, 0.0]]), "has 4 missing"),
        (np.array([[0.0, 1.0], [1.0 + 1e-9, 0.0]]), "is not symmetric"),
        (np.array([[0.0, 1.0], [1.0, 0.5]]), "non-zero diagonal"),
    ],
)
def test_each_bad_matrix_is_refused_for_its_own_reason(bad: np.ndarray, why: str) -> None:
    with pytest.raises(HomotopyError, match=why):
        check_barrier_matrix(bad)


def test_a_matrix_symmetric_within_1e_12_is_accepted_as_given() -> None:
    b = [[0, 1, 2], [1 + 1e-13, 0, 3], [2, 3, 0]]
    got = check_barrier_matrix(b)
    assert got.dtype == np.float64 and got.shape == (3, 3)
    assert np.array_equal(got, np.array(b, dtype=float))
    assert check_barrier_matrix(np.zeros((0, 0))).shape == (0, 0)


# --- edges and classes ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_edges_are_the_pairs_at_or_below_the_threshold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 7
    b = np.round(_sym(rng, n), 1)  # ties, and thresholds equal to entries
    for c in (-0.1, 0.0, 0.3, 0.5, 1.0):
        src, tgt = barrier_edges(b, c)
        want = [(i, j) for i in range(n) for j in range(i + 1, n) if b[i, j] <= c]
        assert list(zip(src.tolist(), tgt.tolist())) == want
        assert src.dtype == np.int64 and tgt.dtype == np.int64


# --- H0 persistence by Kruskal written out --------------------------------------------------------
def _kruskal(b: np.ndarray) -> list[tuple[int, int, float]]:
    n = b.shape[0]
    comp = list(range(n))
    out = []
    for h, i, j in sorted((b[i, j], i, j) for i, j in itertools.combinations(range(n), 2)):
        if comp[i] != comp[j]:
            old, new = comp[j], comp[i]
            comp = [new if c == old else c for c in comp]
            out.append((i, j, float(h)))
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("lo", [0.0, -3.0, -10.0])
def test_merges_are_kruskals_edges_also_below_zero(seed: int, lo: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    b = _sym(rng, n, lo, lo + 2.0)  # distinct weights: the MST is unique
    p = h0_persistence(b)
    want = _kruskal(b)
    assert p.n == n and p.essential == 1
    assert [(i, j) for i, j, _ in p.merges] == [(i, j) for i, j, _ in want]
    np.testing.assert_allclose([h for _, _, h in p.merges], [h for _, _, h in want], rtol=0, atol=1e-12)
    np.testing.assert_allclose(p.deaths, [h for _, _, h in want], rtol=0, atol=1e-12)
    assert p.total_persistence() == pytest.approx(sum(h for _, _, h in want))


def test_one_model_and_no_model() -> None:
    p = h0_persistence(np.zeros((1, 1)))
    assert p.n == 1 and p.merges == [] and p.deaths.shape == (0,) and p.essential == 1
    assert p.n_classes(0.0) == 1 and p.stable_range(0.5) == (0.0, math.inf)
    assert p.barcode() == [(0.0, math.inf)] and p.linkage().shape == (0, 4)
    with pytest.raises(HomotopyError):
        h0_persistence(np.zeros((0, 0)))


def test_stable_range_barcode_and_total_by_definition() -> None:
    deaths = np.array([0.1, 0.1, 0.4, 2.0])
    p = H0Persistence(5, deaths, [], essential=2)
    for t in (-1.0, 0.0, 0.05, 0.1, 0.2, 0.4, 1.0, 2.0, 3.0):
        lo = max([d for d in deaths if d <= t], default=0.0)
        hi = min([d for d in deaths if d > t], default=math.inf)
        assert p.stable_range(t) == (lo, hi), t
        assert p.n_classes(t) == 5 - sum(d <= t for d in deaths)
    assert p.barcode() == [(0.0, 0.1), (0.0, 0.1), (0.0, 0.4), (0.0, 2.0), (0.0, math.inf), (0.0, math.inf)]
    assert p.total_persistence() == pytest.approx(2.6)


# --- spreads -------------------------------------------------------------------------------------
def _within_loop(acc, labels, min_size):
    ss = dof = 0.0
    for c in sorted(set(labels)):
        xs = [a for a, lab in zip(acc, labels) if lab == c]
        if len(xs) >= max(min_size, 2):
            m = sum(xs) / len(xs)
            ss += sum((x - m) ** 2 for x in xs)
            dof += len(xs) - 1
    return math.sqrt(ss / dof) if dof else math.nan


def _between_loop(acc, labels, min_size):
    means = []
    for c in sorted(set(labels)):
        xs = [a for a, lab in zip(acc, labels) if lab == c]
        if len(xs) >= min_size:
            means.append(sum(xs) / len(xs))
    pairs = [abs(a - b) for a, b in itertools.combinations(means, 2)]
    return sum(pairs) / len(pairs) if pairs else math.nan


ACC = np.array([0.91, 0.95, 0.90, 0.80, 0.84, 0.70, 0.74, 0.78, 0.60, 0.99])
LAB = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 4])  # sizes 3, 2, 3, 1, 1


@pytest.mark.parametrize("min_size", [1, 2, 3, 4])
def test_spreads_with_min_size_against_loops(min_size: int) -> None:
    w, b = within_spread(ACC, LAB, min_size), between_spread(ACC, LAB, min_size)
    for got, want in ((w, _within_loop(ACC, LAB, min_size)), (b, _between_loop(ACC, LAB, min_size))):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-12)


def test_between_spread_of_exactly_two_classes_and_pair_spreads_without_pairs() -> None:
    acc = np.array([0.9, 0.8])
    assert between_spread(acc, np.array([0, 1]), min_size=1) == pytest.approx(0.1)
    assert math.isnan(between_spread(acc, np.array([0, 1])))
    w, b = pair_spreads(acc, np.array([0, 1]))
    assert math.isnan(w) and b == pytest.approx(0.1)
    w, b = pair_spreads(acc, np.array([3, 3]))
    assert w == pytest.approx(0.1) and math.isnan(b)


# --- permutation test and spread_claims ----------------------------------------------------------
def test_permutation_test_defaults_are_2000_relabellings_from_seed_0() -> None:
    acc = np.array([0.90, 0.85, 0.92, 0.80, 0.91, 0.79, 0.83])
    lab = np.array([0, 0, 0, 1, 1, 1, 1])
    p = permutation_test(acc, lab)
    assert p == permutation_test(acc, lab, permutations=2000, seed=0)
    assert p != permutation_test(acc, lab, permutations=2000, seed=1)
    hits = round(p * 2001) - 1
    assert p == (hits + 1) / 2001 and 0 < hits < 2000
    # the loop the docstring describes, with the same generator
    rng = np.random.default_rng(0)
    obs = within_spread(acc, lab)
    want = sum(within_spread(acc, rng.permutation(lab)) <= obs + 1e-15 for _ in range(2000))
    assert hits == want


@pytest.mark.parametrize("min_size, resamples, level, seed", [(2, 60, 0.95, 0), (3, 40, 0.8, 7)])
def test_spread_claims_is_the_documented_calls(min_size, resamples, level, seed) -> None:
    rng = np.random.default_rng(5)
    acc = np.round(rng.uniform(0.8, 1.0, 11), 3)
    lab = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4])
    s = spread_claims(acc, lab, min_size=min_size, resamples=resamples, level=level, seed=seed)
    kw = {"resamples": resamples, "level": level, "seed": seed}
    want = {
        "within": stratified_bootstrap(lambda x, y: _within_loop(x, y, min_size), acc, lab, **kw),
        "between": stratified_bootstrap(lambda x, y: _between_loop(x, y, min_size), acc, lab, **kw),
        "within_pairs": stratified_bootstrap(lambda x, y: pair_spreads(x, y)[0], acc, lab, **kw),
        "between_pairs": stratified_bootstrap(lambda x, y: pair_spreads(x, y)[1], acc, lab, **kw),
    }
    for name, e in want.items():
        got = getattr(s, name)
        for a, b in ((got.value, e.value), (got.low, e.low), (got.high, e.high)):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), name
    assert s.p_value == permutation_test(acc, lab, permutations=resamples, seed=seed)
    assert s.n_classes == 5 and s.class_sizes == [4, 3, 2, 1, 1]
    assert s.classes_used == sum(k >= min_size for k in [4, 3, 2, 1, 1])


def test_spread_claims_caps_the_permutations_at_2000() -> None:
    acc = np.array([0.90, 0.85, 0.92, 0.80, 0.91, 0.79, 0.83])
    lab = np.array([0, 0, 0, 1, 1, 1, 1])
    s = spread_claims(acc, lab, resamples=2001)
    assert s.p_value == permutation_test(acc, lab, permutations=2000, seed=0)


def test_spread_claims_refuses_labels_of_another_shape() -> None:
    with pytest.raises(HomotopyError):
        spread_claims([0.9, 0.8, 0.7], [0, 1])


# --- mantel --------------------------------------------------------------------------------------
def test_mantel_needs_three_models_and_three_suffice() -> None:
    for n in (1, 2):
        rho, p = mantel(np.zeros((n, n)), np.arange(n, dtype=float))
        assert math.isnan(rho) and math.isnan(p)
    acc = np.array([0.0, 1.0, 3.0])
    b = np.array([[0, 1.0, 2.0], [1.0, 0, 3.0], [2.0, 3.0, 0]])
    rho, p = mantel(b, acc, permutations=50)
    iu = np.triu_indices(3, 1)
    d = np.abs(acc[:, None] - acc[None, :])[iu]
    assert rho == pytest.approx(spearmanr(b[iu], d).statistic) and 0 < p <= 1


def test_mantel_defaults_and_the_permutation_loop() -> None:
    rng = np.random.default_rng(3)
    acc = rng.uniform(0.8, 1.0, 6)
    b = _sym(rng, 6)
    rho, p = mantel(b, acc)
    assert (rho, p) == mantel(b, acc, permutations=2000, seed=0)
    iu = np.triu_indices(6, 1)

    rb = rankdata(b[iu])

    def ref_rho(order):  # Spearman's ρ: Pearson's r of the ranks
        rd = rankdata(np.abs(acc[order][:, None] - acc[order][None, :])[iu])
        return float(
            np.sum((rb - rb.mean()) * (rd - rd.mean()))
            / np.sqrt(np.sum((rb - rb.mean()) ** 2) * np.sum((rd - rd.mean()) ** 2))
        )

    assert rho == pytest.approx(spearmanr(b[iu], np.abs(acc[:, None] - acc[None, :])[iu]).statistic)
    assert rho == pytest.approx(ref_rho(np.arange(6)))
    g = np.random.default_rng(0)
    hits = sum(ref_rho(g.permutation(6)) >= rho - 1e-12 for _ in range(2000))
    assert p == pytest.approx((hits + 1) / 2001)


def test_a_persistence_built_without_a_count_has_one_essential_class() -> None:
    # the documented default: one class never dies (a connected set of models)
    p = H0Persistence(3, np.array([0.1, 0.4]), [(0, 1, 0.1), (1, 2, 0.4)])
    assert p.essential == 1 and p.barcode()[-1] == (0.0, math.inf) and len(p.barcode()) == 3


def test_relabellings_of_the_same_classes_count_as_ties_despite_rounding() -> None:
    # three classes: renaming them sums the classes' squares in another order, and two of the
    # six namings of the observed partition give a spread one ulp above the observed one
    acc = np.array([0.934, 0.882, 0.913, 0.727, 0.889, 0.994])
    lab = np.array([0, 0, 1, 1, 2, 2])
    obs = within_spread(acc, lab)
    names = [within_spread(acc, np.array(p)[lab]) for p in itertools.permutations(range(3))]
    assert max(names) > obs and max(names) - obs < 1e-15  # the same value, up to rounding
    p = permutation_test(acc, lab, permutations=400, seed=2)
    g = np.random.default_rng(2)
    hits = sum(round(within_spread(acc, g.permutation(lab)), 12) <= round(obs, 12) for _ in range(400))
    assert p == (hits + 1) / 401


def test_spread_claims_defaults_are_2000_resamples_at_95_percent_from_seed_0() -> None:
    acc = np.array([0.90, 0.85, 0.92, 0.80, 0.91, 0.79, 0.83])
    lab = np.array([0, 0, 0, 1, 1, 1, 1])
    s = spread_claims(acc, lab)
    e = stratified_bootstrap(lambda x, y: _within_loop(x, y, 2), acc, lab, resamples=2000, level=0.95, seed=0)
    assert (s.within.low, s.within.high) == pytest.approx((e.low, e.high), rel=1e-12)
    assert s.p_value == permutation_test(acc, lab, permutations=2000, seed=0)


def test_a_class_of_one_has_a_nan_std_without_a_numpy_warning() -> None:
    # numpy's std(ddof=1) of one value is NaN too, but with a RuntimeWarning (an error under
    # -W error): a single member is answered before numpy is asked
    import warnings

    acc = np.array([0.90, 0.92, 0.94, 0.70])
    lab = np.array([0, 0, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = spread_claims(acc, lab, resamples=20)
    assert math.isnan(s.class_stds[1]) and s.class_stds[0] == pytest.approx(0.02)


def test_persistent_counts_skip_a_count_that_tied_merges_jump_over() -> None:
    from catdyn.classes import classes_at, persistent_counts

    # the module's double well: two merges at 0.1, so 3 classes occur at no level
    b = np.full((5, 5), 2.0)
    b[:3, :3] = 0.1
    b[3:, 3:] = 0.05
    np.fill_diagonal(b, 0.0)
    levels = [-1.0, 0.0, 0.05, 0.07, 0.1, 0.5, 2.0, 3.0]
    occurring = {len(set(classes_at(b, t).tolist())) for t in levels}
    runs = persistent_counts(h0_persistence(b))
    assert occurring == {5, 4, 2, 1} and {k for k, _, _ in runs} == occurring
    assert sorted(runs) == [(1, 2.0, math.inf), (2, 0.1, 2.0), (4, 0.05, 0.1), (5, 0.0, 0.05)]
    assert runs[0] == (2, 0.1, 2.0) and runs[-1] == (1, 2.0, math.inf)
