"""A member that fails at the very first step (``failed_at == 0``) is failed, not ok.

``failed_at`` is -1 for a member that never failed and the failing step otherwise, so step 0 is
the boundary of the ``ok`` mask: a ``<= 0`` slip there would count a member that never trained
as healthy. Here member 1 starts with a NaN weight, so its first loss is NaN.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import Dataset  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training.ensemble import (  # noqa: E402
    TrainConfig,
    init_ensemble,
    train_ensemble,
)
from catdyn.backends.torch.training.optim import SGD  # noqa: E402


def _data() -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(24, 3, generator=g)
    return Dataset(x, (x[:, 0] > 0).long(), "toy", 2, "train")


@pytest.mark.parametrize("path", ["fast", "generic"])
def test_a_member_failing_at_step_zero_is_not_ok(path: str) -> None:
    arch = MLP((3, 5, 2))
    seeds = [0, 1, 2]
    init = init_ensemble(arch, seeds)
    init["fc0.weight"][1, 0, 0] = float("nan")
    cfg = TrainConfig(4, 8, SGD(), lr=0.1, path=path, workers=1)
    r = train_ensemble(arch, _data(), seeds, cfg, init=init, device="cpu")
    assert r.failed_at.tolist() == [-1, 0, -1]
    assert r.ok.tolist() == [True, False, True]
    assert r.status == ["ok", "failed", "ok"]
    assert torch.isnan(r.losses[:, 1]).all()
    assert torch.isfinite(r.losses[:, [0, 2]]).all()
