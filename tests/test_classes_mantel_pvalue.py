"""``mantel``'s permutation p-value counts the relabellings *at least as extreme* as the
observed one, ties included: ``p = (hits + 1) / (permutations + 1)`` with a hit wherever the
relabelled ρ is ≥ the observed ρ.

Three models with accuracies 0, 1, 2 have pair distances 1, 2, 1 (pairs 01, 02, 12).
Relabelling them only moves the distance 2 to another pair: the two relabellings that keep
the middle model in the middle (a third of all six) give exactly the observed ranks, the other
four a ρ of ±1/2. So with barriers ranked against the distances (observed ρ = −1, the least
possible; the others give +1/2), *every* relabelling is as extreme: p is exactly 1. With
barriers ranked with the distances (ρ = 1, the largest; the others give −1/2), only the ties
are: p is about 1/3."""

from __future__ import annotations

import numpy as np
import pytest

from catdyn.classes import mantel

ACC = np.array([0.0, 1.0, 2.0])


def _barriers(b01: float, b02: float, b12: float) -> np.ndarray:
    b = np.zeros((3, 3))
    b[0, 1], b[0, 2], b[1, 2] = b01, b02, b12
    return b + b.T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p_is_one_when_every_relabelling_is_as_extreme(seed: int) -> None:
    rho, p = mantel(_barriers(0.5, 0.1, 0.5), ACC, permutations=300, seed=seed)
    assert rho == pytest.approx(-1.0)
    assert p == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ties_with_the_largest_rho_count_as_hits(seed: int) -> None:
    rho, p = mantel(_barriers(0.1, 0.5, 0.1), ACC, permutations=2000, seed=seed)
    assert rho == pytest.approx(1.0)
    # a third of the relabellings tie: p near 1/3 (binomial sd 0.011), never the 1/2001 of no hits
    assert 0.25 < p < 0.42, p
