"""``H0Persistence.linkage`` is scipy's single-linkage matrix in full: which clusters merge (ids
``n + k`` for the cluster made by the k-th merge), at what height, and the merged size. With
distinct barriers the merge order is unique, so every entry must equal scipy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, is_valid_linkage, linkage
from scipy.spatial.distance import squareform

from catdyn.classes import h0_persistence


@pytest.mark.parametrize("n, seed", [(2, 0), (3, 1), (5, 2), (8, 3), (12, 4), (12, 5)])
def test_linkage_equals_scipys_single_linkage_entry_by_entry(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    B = np.triu(rng.uniform(0, 1, size=(n, n)), 1)
    B = B + B.T  # distinct off-diagonal values (with probability one): one merge order
    Z = linkage(squareform(B, checks=False), method="single")
    ours = h0_persistence(B).linkage()
    assert is_valid_linkage(ours)
    assert ours.shape == Z.shape == (n - 1, 4)
    assert np.array_equal(ours[:, [0, 1, 3]], Z[:, [0, 1, 3]])  # cluster ids and sizes exactly
    assert np.allclose(ours[:, 2], Z[:, 2], rtol=0, atol=1e-12)
    for c in np.quantile(Z[:, 2], [0.2, 0.5, 0.8]):
        assert np.array_equal(fcluster(ours, t=c, criterion="distance"), fcluster(Z, t=c, criterion="distance"))
