"""``mantel`` on degenerate input: constant barriers or equal accuracies give NaN, quietly.

When either side has no spread, Spearman's correlation is undefined. ``mantel`` must say so
(``nan`` for ρ and p) by its own guard, not by letting ``np.corrcoef`` divide by zero: that
prints a RuntimeWarning into every report built on the study, and under ``-W error`` raises.
The reference for ρ where it is defined is scipy's ``spearmanr`` over the upper triangle.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr

from catdyn.classes import mantel


def _quiet(barriers, acc):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy warning fails the test
        return mantel(barriers, acc, permutations=50, seed=0)


@pytest.mark.parametrize("n", [3, 5, 8])
def test_constant_barriers_give_nan_without_a_warning(n: int) -> None:
    b = np.full((n, n), 0.7)
    np.fill_diagonal(b, 0.0)
    acc = np.linspace(0.5, 0.9, n)
    rho, p = _quiet(b, acc)
    assert math.isnan(rho) and math.isnan(p)


@pytest.mark.parametrize("n", [3, 5, 8])
def test_equal_accuracies_give_nan_without_a_warning(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.random((n, n))
    b = x + x.T
    np.fill_diagonal(b, 0.0)
    rho, p = _quiet(b, np.full(n, 0.8))
    assert math.isnan(rho) and math.isnan(p)


@pytest.mark.parametrize("seed", range(5))
def test_rho_where_defined_is_spearmans_over_the_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 6
    x = rng.random((n, n))
    b = x + x.T
    np.fill_diagonal(b, 0.0)
    acc = rng.random(n)
    iu = np.triu_indices(n, 1)
    expected = spearmanr(b[iu], np.abs(acc[:, None] - acc[None, :])[iu]).statistic
    rho, p = _quiet(b, acc)
    assert rho == pytest.approx(expected, abs=1e-12)
    assert 0 < p <= 1
