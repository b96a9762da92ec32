"""``spread_claims``' per-class summaries against a plain loop: each class's mean, and its sample
standard deviation from two members up (a single member has none: NaN)."""

from __future__ import annotations

import math
import statistics

import numpy as np

from catdyn.classes import spread_claims


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
