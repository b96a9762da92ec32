"""Curves only lower barriers, only for candidate pairs, within the budget."""

import numpy as np

from catdyn.backends.torch.studies.homotopy.barriers import Criterion, measure_barriers
from catdyn.backends.torch.studies.homotopy.curves import candidate_pairs, fit_curves
from catdyn.classes import classes_at


def test_candidates_are_the_pairs_across_classes_cheapest_first() -> None:
    rng = np.random.default_rng(0)
    b = rng.uniform(0, 1, (6, 6))
    b = np.triu(b, 1) + np.triu(b, 1).T
    lab = classes_at(b, 0.2)
    brute = sorted((b[i, j], i, j) for i in range(6) for j in range(6) if i < j and lab[i] != lab[j])
    assert candidate_pairs(b, 0.2) == brute


def test_curves_lower_only_fitted_pairs_within_the_budget(members) -> None:
    bm = measure_barriers(members, points=4, seed=0)
    crit = Criterion(threshold=-1.0)  # nothing joins on the line: every pair is a candidate
    curves = fit_curves(members, bm, crit, max_curves=2, curve_steps=3, points=4, seed=0)
    linear = crit.matrix(bm)
    assert len(curves.fits) == 2
    changed = {tuple(sorted(p)) for p in zip(*np.nonzero(curves.barriers != linear))}
    assert changed <= {f.pair for f in curves.fits}
    assert np.all(curves.barriers <= linear)
    for f in curves.fits:
        i, j = f.pair
        assert curves.barriers[i, j] == min(f.linear, f.curve)
        assert f.row()["pair"] == f"{i}-{j}"
    assert curves.example is curves.fits[0]


def test_no_budget_fits_nothing(members) -> None:
    bm = measure_barriers(members, points=3, seed=0)
    curves = fit_curves(members, bm, Criterion(-1.0), max_curves=0, curve_steps=3, points=3, seed=0)
    assert curves.fits == () and curves.example is None
    np.testing.assert_array_equal(curves.barriers, Criterion(-1.0).matrix(bm))
