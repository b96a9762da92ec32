"""mantel_test: ρ is scipy's Spearman correlation over the pairs; the p-values are both tails."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from catdyn.backends.torch.studies.homotopy.mantel import mantel_test


def test_rho_is_spearman_over_pairs_and_both_tails_are_reported() -> None:
    rng = np.random.default_rng(0)
    acc = rng.uniform(0.8, 1.0, 7)
    b = rng.uniform(0, 1, (7, 7))
    b = np.triu(b, 1) + np.triu(b, 1).T
    t = mantel_test(b, acc, permutations=300, seed=1)
    iu = np.triu_indices(7, 1)
    assert t.rho == pytest.approx(spearmanr(b[iu], np.abs(acc[:, None] - acc[None, :])[iu]).statistic)
    assert t.pairs == 21 and t.measured
    assert 0 < t.p_greater <= 1 and 0 < t.p_less <= 1


def test_a_reversed_relation_is_significant_the_other_way() -> None:
    acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
    d = np.abs(acc[:, None] - acc[None, :])
    b = 1.0 - d  # high barrier where accuracies agree
    np.fill_diagonal(b, 0.0)
    t = mantel_test(b, acc, permutations=300, seed=0)
    assert t.rho < 0 and t.p_less < 0.05 and t.p_greater > 0.5


def test_too_few_members_is_not_measured() -> None:
    t = mantel_test(np.array([[0, 1.0], [1.0, 0]]), np.array([0.9, 0.8]), permutations=10, seed=0)
    assert not t.measured
