"""Curves only lower barriers, only for candidate pairs, within the budget; the candidates are
the pairs across classes, cheapest first, among the members the criterion admits."""

import numpy as np

from catdyn.backends.torch.studies.homotopy.barriers import measure_paths
from catdyn.backends.torch.studies.homotopy.criteria import levels
from catdyn.backends.torch.studies.homotopy.curves import candidate_pairs, fit_curves
from catdyn.classes import classes_at


def test_candidates_are_the_pairs_across_classes_cheapest_first() -> None:
    rng = np.random.default_rng(0)
    b = rng.uniform(0, 1, (6, 6))
    b = np.triu(b, 1) + np.triu(b, 1).T
    lab = classes_at(b, 0.2)
    brute = sorted((b[i, j], i, j) for i in range(6) for j in range(6) if i < j and lab[i] != lab[j])
    assert candidate_pairs(b, 0.2) == brute
    keep = np.array([True, False, True, True, True, True])
    assert candidate_pairs(b, 0.2, keep) == [t for t in brute if 1 not in t[1:]]


def test_curves_lower_only_fitted_pairs_within_the_budget(members) -> None:
    lines = measure_paths(members, points=4, seed=0)
    # c < 0: nothing joins on the line, every pair is a candidate
    paths, fits = fit_curves(members, lines, "line-endpoint", "loss", "train", -1.0, max_curves=2, curve_steps=3,
                             seed=0)
    linear, after = levels(lines, "line-endpoint").matrix, levels(paths, "line-endpoint").matrix
    assert len(fits) == 2 and set(paths.curves) == {f"{i}-{j}" for i, j in (f.pair for f in fits)}
    changed = {tuple(sorted(p)) for p in zip(*np.nonzero(after != linear))}
    assert changed <= {f.pair for f in fits}
    assert np.all(after <= linear)
    for f in fits:
        i, j = f.pair
        assert after[i, j] == min(f.linear, f.curve) and f.row()["pair"] == f"{i}-{j}"
        assert set(paths.curves[f"{i}-{j}"]) == set(lines.lines)  # every measure along the curve


def test_no_budget_fits_nothing(members) -> None:
    lines = measure_paths(members, points=3, seed=0)
    paths, fits = fit_curves(members, lines, "sublevel", "loss", "train", -1.0, max_curves=0, curve_steps=3, seed=0)
    assert fits == [] and paths.curves == {}
