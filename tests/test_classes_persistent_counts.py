"""``persistent_counts``: for each number of classes that occurs, the range of levels that
gives exactly that many, against a brute-force component count at the range's ends.

The homotopy study's records read these ranges (how long each class count persists); the
reference is a flood fill over the pairs with barrier ≤ the level.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from component_reference import brute_force_count

from catdyn.classes import h0_persistence, persistent_counts


def _assert_ranges_match_the_brute_force(b: np.ndarray) -> None:
    runs = persistent_counts(h0_persistence(b))
    assert len({k for k, _, _ in runs}) == len(runs)  # each count once
    for k, lo, hi in runs:
        assert lo < hi
        assert brute_force_count(b, lo) == k, (k, lo, hi)
        if math.isfinite(hi):
            assert brute_force_count(b, float(np.nextafter(hi, -np.inf))) == k, (k, lo, hi)
            assert brute_force_count(b, hi) < k, (k, lo, hi)
        else:
            assert k == 1
    # the ranges tile [lowest, ∞) with no gap
    by_lo = sorted(runs, key=lambda r: r[1])
    for (_, _, hi), (_, lo, _) in itertools.pairwise(by_lo):
        assert hi == lo
    # the finite ranges longest first, the single class's infinite range last
    lengths = [hi - lo for _, lo, hi in runs[:-1]]
    assert lengths == sorted(lengths, reverse=True) and math.isinf(runs[-1][2])


def test_the_docstring_matrix() -> None:
    b = np.full((4, 4), 2.0)
    b[:2, :2] = 0.1
    b[2:, 2:] = 0.3
    np.fill_diagonal(b, 0.0)
    assert persistent_counts(h0_persistence(b)) == [(2, 0.3, 2.0), (3, 0.1, 0.3), (4, 0.0, 0.1), (1, 2.0, math.inf)]
    _assert_ranges_match_the_brute_force(b)


@pytest.mark.parametrize("seed", range(8))
def test_random_matrices(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    upper = rng.choice(np.array([0.0, 0.1, 0.3, 0.3, 0.7, 1.5, 2.5]), size=(n, n)) + rng.uniform(0, 1e-3, (n, n))
    b = np.triu(upper, 1)
    _assert_ranges_match_the_brute_force(b + b.T)
