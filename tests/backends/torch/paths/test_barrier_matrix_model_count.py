"""The barrier matrix needs two models, and two are enough (its smallest useful case)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix  # noqa: E402
from catdyn.errors import HomotopyError  # noqa: E402


def test_two_models_give_one_pair_and_one_model_is_a_clear_error() -> None:
    net = MLP((3, 4, 2))
    models = [net.init(torch.Generator().manual_seed(s)) for s in range(2)]
    data = (torch.randn(12, 3, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1] * 6))
    bm = barrier_matrix(net, models, data, points=3, alignment="none")
    assert bm.n == 2 and bm.pairs == [(0, 1)] and bm.matrix("loss", "test").shape == (2, 2)
    with pytest.raises(HomotopyError, match="need at least 2"):
        barrier_matrix(net, models[:1], data, points=3)
