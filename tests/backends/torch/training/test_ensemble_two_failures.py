"""Two members failing at different steps: each is frozen at *its own* step, and the healthy
member is untouched.

The trainer keeps one snapshot of the parameters, taken when a member fails; a second failure
later takes a new one, in which the first failed member already holds its frozen values. A
slip there (a snapshot kept from the first failure, a dead member counted alive again, the
failure step written to the wrong member) shows only with two failures at different steps,
which no other test has; nor does a dead member meeting the poison again at the step another
member fails (it must keep its own failure step and frozen values). The failures come from the poison sample of
``test_ensemble_infinite_loss.py`` (a mini-batch loss that is not finite when a poisoned member's
batch holds it); the recipe of :func:`batch_schedule` says when each member meets it. The
independent reference for a frozen member is that member trained alone for the steps before
its failure; for the healthy one, that member trained alone for the whole run.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import Dataset  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training.ensemble import (  # noqa: E402
    TrainConfig,
    batch_schedule,
    init_ensemble,
    train_ensemble,
)
from catdyn.backends.torch.training.optim import SGD, Adam  # noqa: E402

N, BATCH, STEPS, POISON = 44, 8, 9, 17  # 5 batches an epoch, 4 samples left out
SEEDS = [0, 1, 2]
DATA_SEEDS = [2, 3, 30]  # member 0 meets the poison at steps 1 and 6, member 2 first at 6
ARCH = MLP((3, 6, 2))


def _data() -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(N, 3)
    x[:, :2] = torch.randn(N, 2, generator=g)
    y = (x[:, 0] > 0).long()
    x[POISON, 2] = 1.0
    y[POISON] = 0
    return Dataset(x, y, "poison", 2, "train")


def _init(poisoned: tuple) -> dict:
    init = init_ensemble(ARCH, SEEDS)
    init["fc0.weight"][:, :, 2] = 0.0
    for k in poisoned:  # the poison sample's target gets log-probability −inf: loss +inf
        init["fc0.weight"][k, 0, 2] = 1.7e38
        init["fc1.weight"][k, :, 0] = torch.tensor([-2.0, 2.0])
    return init


def _first_poison_step(data_seed: int) -> int:
    schedule = batch_schedule(N, BATCH, STEPS, data_seed)
    return int((schedule == POISON).any(1).nonzero()[0])


def _alone(k: int, steps: int, optimiser, path: str, poisoned: bool) -> dict:
    cfg = TrainConfig(steps, BATCH, optimiser, lr=0.05, path=path, workers=1)
    init = {n: t[[k]] for n, t in _init((k,) if poisoned else ()).items()}
    r = train_ensemble(ARCH, _data(), [SEEDS[k]], cfg, data_seeds=[DATA_SEEDS[k]], init=init, device="cpu")
    assert r.status == ["ok"]
    return {n: t[0] for n, t in r.params.items()}


@pytest.mark.parametrize("path", ["fast", "generic"])
@pytest.mark.parametrize("optimiser", [SGD(momentum=0.9), Adam()], ids=["sgd", "adam"])
def test_each_failed_member_is_frozen_at_its_own_step(path: str, optimiser) -> None:
    t0, t2 = _first_poison_step(DATA_SEEDS[0]), _first_poison_step(DATA_SEEDS[2])
    assert 0 < t0 < t2 < STEPS - 1
    assert (
        t2 in (batch_schedule(N, BATCH, STEPS, DATA_SEEDS[0]) == POISON).any(1).nonzero().flatten().tolist()
    )
    cfg = TrainConfig(
        STEPS, BATCH, optimiser, lr=0.05, path=path, workers=1, checkpoints=tuple(range(STEPS + 1))
    )
    r = train_ensemble(ARCH, _data(), SEEDS, cfg, data_seeds=DATA_SEEDS, init=_init((0, 2)), device="cpu")
    assert r.failed_at.tolist() == [t0, -1, t2]
    assert r.status == ["failed", "ok", "failed"]
    for k, t in ((0, t0), (2, t2)):
        assert not math.isfinite(r.losses[t, k].item())
        assert torch.isfinite(r.losses[:t, k]).all() and torch.isnan(r.losses[t + 1 :, k]).all()
        frozen = _alone(k, t, optimiser, path, poisoned=True)  # its t steps before the poison
        for s in range(t, STEPS + 1):
            for n, v in frozen.items():
                torch.testing.assert_close(r.checkpoints[s][n][k], v, rtol=0, atol=1e-6, msg=f"{k} {s} {n}")
        for n, v in frozen.items():
            torch.testing.assert_close(r.params[n][k], v, rtol=0, atol=1e-6)
    assert torch.isfinite(r.losses[:, 1]).all()
    healthy = _alone(1, STEPS, optimiser, path, poisoned=False)
    for n, v in healthy.items():
        torch.testing.assert_close(r.params[n][1], v, rtol=0, atol=1e-6)
