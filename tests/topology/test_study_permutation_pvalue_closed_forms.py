"""``permutation_pvalue`` on statistics whose p-value is known in closed form.

The study only passes statistics symmetric in their two arguments (Kendall's tau, R²), where
the order of ``x`` and ``y`` cannot show; the function is public and documents
``s(x, π y)``, so these statistics are not symmetric on purpose.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from catdyn.topology.study import permutation_pvalue


def _first_of_x(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0])


def _first_of_y(a: np.ndarray, b: np.ndarray) -> float:
    return float(b[0])


def test_a_statistic_blind_to_the_pairing_has_p_value_one() -> None:
    # s(x, π y) = s(x, y) for every π, so every permutation is a hit: p = (1 + n) / (n + 1)
    x = np.array([0.5, 1.0, 2.0, 3.0])
    y = np.array([9.0, 8.0, 7.0, 6.0])
    assert permutation_pvalue(x, y, _first_of_x, n=50, seed=0) == 1.0


def test_a_statistic_of_y_alone_counts_the_permutations_that_reach_it() -> None:
    # s(x, π y) = (π y)[0]: a hit is a permutation that puts a value of magnitude ≥ |y[0]|
    # first. With y[0] the largest magnitude only the permutations keeping it first hit, about
    # 1 in 4; with y[0] the smallest every permutation hits.
    x = np.arange(4.0)
    largest_first = np.array([-9.0, 1.0, 2.0, 3.0])
    smallest_first = np.array([0.5, 1.0, -2.0, 3.0])
    assert permutation_pvalue(x, smallest_first, _first_of_y, n=40, seed=1) == 1.0
    p = permutation_pvalue(x, largest_first, _first_of_y, n=4000, seed=2)
    assert p == pytest.approx(0.25, abs=0.03)


def test_a_small_sample_against_every_permutation() -> None:
    # the sampled p-value estimates the exact one: the share of all 5! orderings of y whose
    # |statistic| reaches the observed one (counting the identity once more, as the formula's 1)
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.3, 1.1, 1.9, 3.4, 3.2])

    def slope_of_y_on_x(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.polyfit(a, b, 1)[0])

    observed = abs(slope_of_y_on_x(x, y))
    perms = list(itertools.permutations(y))
    exact = sum(abs(slope_of_y_on_x(x, np.array(p))) >= observed - 1e-12 for p in perms) / len(perms)
    assert exact < 0.05  # y rises with x: few orderings are as steep
    p = permutation_pvalue(x, y, slope_of_y_on_x, n=3000, seed=3)
    assert p == pytest.approx(exact, abs=0.015)
