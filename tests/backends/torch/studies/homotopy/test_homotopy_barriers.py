"""The alignment of the pairs: chunks joined equal the whole matrix; a bad set of chunks is refused."""

import numpy as np
import pytest

from catdyn.backends.torch.paths.barrier_matrix import all_pairs, split_pairs
from catdyn.backends.torch.studies.homotopy.barriers import Criterion, join_parts, measure_barriers


def test_joined_chunks_equal_the_whole_matrix(members) -> None:
    whole = measure_barriers(members, points=4, seed=0)
    chunks = split_pairs(all_pairs(members.n), 3)
    parts = [measure_barriers(members, points=4, seed=0, pairs=c).to_value() for c in reversed(chunks)]
    joined = join_parts(parts, members.n)
    assert joined.pairs == whole.pairs == all_pairs(members.n)
    for key, v in whole.profiles.items():
        np.testing.assert_allclose(joined.profiles[key], v, rtol=0, atol=1e-6)
    crit = Criterion(0.1, "loss", "train", "line-endpoint")
    np.testing.assert_allclose(crit.matrix(joined), crit.matrix(whole), atol=1e-6)


def test_chunks_that_miss_a_pair_are_refused(members) -> None:
    from catdyn.errors import HomotopyError

    chunk = all_pairs(members.n)[:-1]
    with pytest.raises(HomotopyError, match="every pair"):
        join_parts([measure_barriers(members, points=3, seed=0, pairs=chunk).to_value()], members.n)


def test_the_criterion_reads_its_own_matrix(members) -> None:
    bm = measure_barriers(members, points=3, seed=0)
    for d in ("line-endpoint", "mean-endpoint"):
        c = Criterion(0.1, "error", "test", d)
        np.testing.assert_array_equal(c.matrix(bm), bm.matrix("error", "test", d))
    assert Criterion().key == ("loss", "train", "line-endpoint")
