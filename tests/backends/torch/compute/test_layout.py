"""The CPU layout follows the cores that are there: shard count, sizes, threads per shard,
placement and threads-or-processes for 1, 2, 8 and 16 cores (a pure function of its inputs),
and the ensemble's "auto" setting reads the affinity mask, not torch's thread count."""

from __future__ import annotations

import os

import pytest

from catdyn.backends.torch.compute.layout import ShardLayout, available_cores, shard_layout


def _check_invariants(layout: ShardLayout, members: int, cores: tuple[int, ...]) -> None:
    assert sum(layout.sizes) == members and len(layout.sizes) == layout.shards
    assert max(layout.sizes) - min(layout.sizes) <= 1
    used = [c for group in layout.cores for c in group]
    assert len(used) == len(set(used)) and set(used) <= set(cores)  # no core given twice
    assert all(len(group) == layout.threads_per_shard for group in layout.cores)
    assert layout.shards * layout.threads_per_shard <= len(cores)


@pytest.mark.parametrize(
    "n_cores,members,shards,threads,parallel",
    [
        (1, 64, 1, 1, "threads"),
        (2, 64, 2, 1, "threads"),  # the layout tuned on the 2-core machine is kept
        (8, 64, 8, 1, "processes"),
        (16, 64, 8, 2, "processes"),  # no shard under 8 members: 8 shards, 2 threads each
        (16, 256, 16, 1, "processes"),
        (16, 16, 2, 8, "threads"),
        (16, 3, 1, 16, "threads"),  # too few members to split
        (2, 4, 2, 1, "threads"),
        (8, 20, 2, 4, "threads"),
    ],
)
def test_layout_for_core_counts(n_cores: int, members: int, shards: int, threads: int, parallel: str) -> None:
    cores = tuple(range(n_cores))
    layout = shard_layout(members, cores)
    assert (layout.shards, layout.threads_per_shard, layout.parallel) == (shards, threads, parallel)
    _check_invariants(layout, members, cores)


def test_placement_uses_the_given_core_ids_in_order() -> None:
    layout = shard_layout(64, [4, 5, 6, 7, 12, 13, 14, 15])
    assert layout.cores == ((4,), (5,), (6,), (7,), (12,), (13,), (14,), (15,))
    spread = shard_layout(64, [8, 9, 10, 11, 20, 21, 22, 23, *range(30, 38)])  # 16 cores, 8 shards
    assert spread.cores[:3] == ((8, 9), (10, 11), (20, 21)) and spread.threads_per_shard == 2


@pytest.mark.parametrize("n_cores", [1, 2, 8, 16])
@pytest.mark.parametrize("members", [1, 2, 5, 17, 64, 100])
def test_invariants_hold_everywhere(n_cores: int, members: int) -> None:
    _check_invariants(shard_layout(members, range(n_cores)), members, tuple(range(n_cores)))


def test_available_cores_is_the_affinity_mask() -> None:
    assert available_cores() == tuple(sorted(os.sched_getaffinity(0)))


def test_the_ensemble_follows_the_affinity_mask_within_torchs_thread_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ensemble's layout is the shard runner's plan over the affinity mask (the plan itself:
    tests/backends/torch/compute/test_shards.py)."""
    torch = pytest.importorskip("torch")
    import catdyn.backends.torch.compute.shards as shards_module
    from catdyn.backends.torch.training import ensemble

    class Seen(Exception):
        """Raised by the stand-in runner: nothing is trained, only the layout is looked at."""

    def stand_in(fn, jobs, layout, **kw):  # type: ignore[no-untyped-def]
        raise Seen(layout)

    monkeypatch.setattr(torch, "get_num_threads", lambda: 64)  # torch's count does not bind here
    monkeypatch.setattr(ensemble, "run_shards", stand_in)
    for n in (1, 2, 8, 16):
        monkeypatch.setattr(shards_module, "available_cores", lambda n=n: tuple(range(n)))
        with pytest.raises(Seen) as seen:
            ensemble.train_ensemble(_mlp(), _data(), list(range(64)), _config(), device="cpu")
        assert seen.value.args[0] == shard_layout(64, range(n))


def _mlp():  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.models.architectures import MLP

    return MLP((2, 3, 2))


def _data():  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.data.datasets import make_moons

    return make_moons(40, seed=0).train


def _config():  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.training.ensemble import TrainConfig

    return TrainConfig(steps=1, batch_size=8)
