"""``spread_claims``' per-class summaries against a plain loop (each class's mean, and its sample
standard deviation from two members up; a single member has none: NaN), and the permutation
test against the exact distribution over every relabelling."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest

from catdyn.classes import permutation_test, spread_claims, within_spread


def test_class_means_and_stds_for_classes_of_one_two_and_three() -> None:
    acc = [0.90, 0.94, 0.70, 0.81, 0.80, 0.86]
    labels = [1, 1, 2, 0, 0, 0]  # class sizes 3 (label 0), 2 (label 1), 1 (label 2)
    s = spread_claims(np.array(acc), np.array(labels), resamples=50)
    for k, c in enumerate(sorted(set(labels))):
        members = [a for a, lab in zip(acc, labels) if lab == c]
        assert s.class_sizes[k] == len(members)
        assert math.isclose(s.class_means[k], sum(members) / len(members), rel_tol=1e-12)
        if len(members) >= 2:
            assert math.isclose(s.class_stds[k], statistics.stdev(members), rel_tol=1e-12), c
        else:
            assert math.isnan(s.class_stds[k]), c
    assert s.n_classes == 3 and s.classes_used == 2


def test_permutation_test_with_two_classes_against_all_relabellings() -> None:
    # two classes is the smallest case the test applies to; one class has no p-value
    acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
    labels = np.array([0, 0, 0, 1, 1, 1])
    p = permutation_test(acc, labels, permutations=400, seed=0)
    # exact reference: the share of the 20 relabellings into two classes of three whose within-
    # class spread is at most the observed one (only the true split and its mirror image)
    observed = within_spread(acc, labels)
    splits = [np.isin(np.arange(6), c).astype(int) for c in itertools.combinations(range(6), 3)]
    exact = np.mean([within_spread(acc, s) <= observed + 1e-15 for s in splits])
    assert exact == pytest.approx(2 / 20)
    assert np.isfinite(p) and abs(p - exact) < 0.06
    assert math.isnan(permutation_test(acc, np.zeros(6, dtype=int)))


def test_permutation_p_value_is_one_when_every_relabelling_is_as_extreme() -> None:
    # equal accuracies: every relabelling has within-class spread 0, so all count as hits and
    # p = (hits + 1) / (permutations + 1) = 1 exactly (the observed labelling counts once)
    acc = np.full(6, 0.9)
    assert permutation_test(acc, np.array([0, 0, 0, 1, 1, 1]), permutations=99) == 1.0
