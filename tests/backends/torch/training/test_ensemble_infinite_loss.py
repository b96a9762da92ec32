"""A member whose loss becomes +inf (not NaN) is frozen and marked failed, on every path.

The divergence tests elsewhere drive a member to NaN. A detection that only looked for NaN
would pass them all and leave a member with +inf losses as ``ok``. Here one training sample is
a *poison* sample: member 1 has a weight of 1.7e38 on an input feature that is zero in every
other sample and 1 in the poison one, so the poison sample's logits are ∓3.4e38 (finite), its target
class's log-probability overflows to −inf and the mini-batch loss is exactly +inf (the other
classes' log-probabilities stay finite, so neither engine's loss turns NaN). The other
members have weight 0 there. The step at which member 1 first meets the poison sample comes
from the batch recipe (:func:`batch_schedule`), so the test knows when it must fail.
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

N, BATCH, STEPS, POISON = 40, 8, 15, 17
SEEDS = [0, 1, 2]
DATA_SEEDS = [3, 2, 5]


def _data() -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(N, 3)
    x[:, :2] = torch.randn(N, 2, generator=g)
    y = (x[:, 0] > 0).long()
    x[POISON, 2] = 1.0
    y[POISON] = 0
    return Dataset(x, y, "poison", 2, "train")


def _init(arch: MLP, seeds: list[int], poisoned: int | None) -> dict:
    init = init_ensemble(arch, seeds)
    init["fc0.weight"][:, :, 2] = 0.0
    if poisoned is not None:
        # hidden unit 0 carries +1.7e38 on the poison sample (relu keeps it); the output layer
        # turns it into logits ∓3.4e38: class 0 (the poison's label) gets −inf log-probability
        init["fc0.weight"][poisoned, 0, 2] = 1.7e38
        init["fc1.weight"][poisoned, :, 0] = torch.tensor([-2.0, 2.0])
    return init


def _first_poison_step(data_seed: int) -> int:
    schedule = batch_schedule(N, BATCH, STEPS, data_seed)
    return int((schedule == POISON).any(1).nonzero()[0])


@pytest.mark.parametrize(
    "path,workers,parallel",
    [
        ("fast", 1, "threads"),
        ("generic", 1, "threads"),
        ("fast", 2, "threads"),
        ("generic", 2, "threads"),
        ("fast", 2, "processes"),
    ],
)
@pytest.mark.parametrize("optimiser", [SGD(momentum=0.9), Adam()], ids=["sgd", "adam"])
def test_a_member_whose_loss_is_plus_inf_is_frozen_and_failed(path, workers, parallel, optimiser) -> None:
    arch = MLP((3, 6, 2))
    data = _data()
    t0 = _first_poison_step(DATA_SEEDS[1])
    assert 0 < t0 < STEPS - 1  # the member trains normally first, and the run goes on after
    cfg = TrainConfig(
        STEPS,
        BATCH,
        optimiser,
        lr=0.05,
        path=path,
        workers=workers,
        parallel=parallel,
        checkpoints=tuple(range(STEPS + 1)),
    )
    r = train_ensemble(
        arch, data, SEEDS, cfg, data_seeds=DATA_SEEDS, init=_init(arch, SEEDS, 1), device="cpu"
    )
    assert r.path == path
    assert r.status == ["ok", "failed", "ok"]
    assert r.failed_at.tolist() == [-1, t0, -1]
    # the loss that failed it is +inf itself (the point of this test: not NaN)
    assert r.losses[t0, 1].item() == math.inf
    assert torch.isfinite(r.losses[:t0, 1]).all() and torch.isnan(r.losses[t0 + 1 :, 1]).all()
    # frozen: its parameters from before step t0's update, at every later checkpoint
    for s in range(t0, STEPS + 1):
        for n in r.params:
            assert torch.equal(r.checkpoints[s][n][1], r.checkpoints[t0][n][1]), (s, n)
    assert not torch.equal(r.checkpoints[t0 - 1]["fc1.weight"][1], r.checkpoints[t0]["fc1.weight"][1])
    # the others never see it: the same as a run without member 1
    ref_cfg = TrainConfig(STEPS, BATCH, optimiser, lr=0.05, path=path, workers=1)
    ref = train_ensemble(
        arch,
        data,
        [0, 2],
        ref_cfg,
        data_seeds=[DATA_SEEDS[0], DATA_SEEDS[2]],
        init={n: t[[0, 2]] for n, t in _init(arch, SEEDS, None).items()},
        device="cpu",
    )
    assert ref.status == ["ok", "ok"]
    for n in ref.params:
        torch.testing.assert_close(r.params[n][[0, 2]], ref.params[n], rtol=0, atol=1e-6)
    torch.testing.assert_close(r.losses[:, [0, 2]], ref.losses, rtol=0, atol=1e-6)
