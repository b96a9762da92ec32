"""The shard runner changes where members train, never their numbers: for a fixed seed and
layout the ensemble is bit for bit the same in threads, in worker processes and pinned to
cores, and each shard's members are bit for bit those of the same members trained as an
ensemble of their own (float64, where no kernel is chosen by timing). The barrier paths' pairs:
tests/backends/torch/paths/test_pair_path_shards.py; against a per-member torch.optim loop:
tests/backends/torch/training/test_ensemble.py."""

from __future__ import annotations

import pytest
import torch

from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble
from catdyn.backends.torch.training.optim import SGD

SEEDS = [3, 1, 4, 1, 5, 9]
LRS = [0.05, 0.1, 0.02, 0.05, 0.07, 0.03]


def _train(seeds: list[int], lrs: list[float] = LRS, **options: object):  # type: ignore[no-untyped-def]
    config = TrainConfig(
        steps=12,
        batch_size=16,
        optimiser=SGD(momentum=0.9),
        lr=lrs,
        checkpoints=(0, 6, 12),
        **options,  # type: ignore[arg-type]
    )
    data = load_digits(seed=0).train.subset(list(range(300)))
    return train_ensemble(MLP((64, 12, 10)), data, seeds, config, device="cpu", dtype=torch.float64)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert torch.equal(a.losses, b.losses) and torch.equal(a.failed_at, b.failed_at)
    assert all(torch.equal(a.params[n], b.params[n]) for n in a.params)
    assert all(torch.equal(a.checkpoints[s][n], b.checkpoints[s][n]) for s in a.checkpoints for n in a.params)


@pytest.fixture(scope="module")
def two_thread_shards():  # type: ignore[no-untyped-def]
    return _train(SEEDS, workers=2, parallel="threads")


@pytest.mark.parametrize(
    "options",
    [{"parallel": "processes"}, {"parallel": "threads", "pin": True}, {"parallel": "processes", "pin": True}],
)
def test_where_the_shards_run_changes_no_number(two_thread_shards, options) -> None:  # type: ignore[no-untyped-def]
    _same(two_thread_shards, _train(SEEDS, workers=2, **options))


def test_each_shard_is_its_members_trained_alone(two_thread_shards) -> None:  # type: ignore[no-untyped-def]
    first, second = _train(SEEDS[:3], LRS[:3], workers=1), _train(SEEDS[3:], LRS[3:], workers=1)
    whole = two_thread_shards
    assert torch.equal(whole.losses, torch.cat([first.losses, second.losses], dim=1))
    for n in whole.params:
        assert torch.equal(whole.params[n], torch.cat([first.params[n], second.params[n]]))
