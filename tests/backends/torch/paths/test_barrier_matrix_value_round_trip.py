"""``BarrierMatrix.to_value`` / ``from_value`` (what the runner's store keeps) give back the same
matrix: pairs in their order, profiles, grid, labels and every aligning permutation, for one
pair, for a reversed pair and for all pairs of four models."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.paths.barrier_matrix import BarrierMatrix, barrier_matrix  # noqa: E402


@pytest.mark.parametrize("pairs", [None, [(2, 0)], [(1, 3), (0, 2), (2, 3)]], ids=["all", "one", "three"])
def test_round_trip_keeps_everything(pairs) -> None:
    net = MLP((3, 5, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(4)]
    g = torch.Generator().manual_seed(9)
    data = (torch.randn(16, 3, generator=g), torch.randint(0, 2, (16,), generator=g))
    bm = barrier_matrix(net, models, data, points=4, pairs=pairs, alignment="weight")
    back = BarrierMatrix.from_value(bm.to_value())
    assert back.n == bm.n and back.pairs == bm.pairs
    assert (back.bn, back.alignment) == (bm.bn, bm.alignment)
    assert np.array_equal(back.alphas, bm.alphas)
    assert set(back.profiles) == set(bm.profiles)
    for key in bm.profiles:
        assert np.array_equal(back.profiles[key], bm.profiles[key]), key
    assert len(back.permutations) == len(bm.pairs)
    for got, want in zip(back.permutations, bm.permutations):
        assert len(got) == len(want) and all(np.array_equal(a, np.asarray(b)) for a, b in zip(got, want))
    np.testing.assert_array_equal(back.matrix("loss", "test"), bm.matrix("loss", "test"))
