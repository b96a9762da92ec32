"""The one shard runner (ensembles and barrier paths): each shard gets its layout's intra-op
threads and, when pinned, its layout's cores, for layouts of 1, 2, 8 and 16 cores on whatever
machine runs the tests (the affinity calls are recorded, not made, where the cores are not
there); results come back in shard order; the caller's thread count and mask are restored."""

from __future__ import annotations

import itertools
import os
import threading

import pytest
import torch

import catdyn.backends.torch.compute.shards as shards_module
from catdyn.backends.torch.compute.layout import ShardLayout, shard_layout
from catdyn.backends.torch.compute.shards import run_placed, run_shards, shard_bounds, shard_plan
from catdyn.errors import CatdynError


def _where(tag: int, **kwargs: object) -> tuple[int, int, int, dict, set[int]]:
    """Which thread ran the job, with how many intra-op threads, the keywords it got and the
    cores it was bound to meanwhile."""
    return tag, threading.get_ident(), torch.get_num_threads(), kwargs, os.sched_getaffinity(0)


@pytest.fixture
def recorded_affinity(monkeypatch: pytest.MonkeyPatch) -> dict[int, list[set[int]]]:
    """A 16-core machine as far as the affinity calls can tell: every call is recorded per
    thread instead of made."""
    calls: dict[int, list[set[int]]] = {}
    masks: dict[int, set[int]] = {}

    def get(pid: int) -> set[int]:
        return set(masks.get(threading.get_ident(), set(range(16))))

    def put(pid: int, cores: set[int]) -> None:
        masks[threading.get_ident()] = set(cores)
        calls.setdefault(threading.get_ident(), []).append(set(cores))

    monkeypatch.setattr(os, "sched_getaffinity", get)
    monkeypatch.setattr(os, "sched_setaffinity", put)
    return calls


@pytest.mark.parametrize("n_cores", [1, 2, 8, 16])
@pytest.mark.parametrize("items", [3, 64])
def test_threads_get_their_layouts_threads_and_cores(n_cores: int, items: int, recorded_affinity) -> None:
    base = shard_layout(items, range(n_cores))
    layout = ShardLayout(base.shards, base.sizes, base.threads_per_shard, base.cores, "threads")
    before = torch.get_num_threads()
    jobs = [(i,) for i in range(layout.shards)]
    out = run_shards(_where, jobs, layout, first={"progress": "p"}, in_threads={"beside": True}, pin=True)
    assert [o[0] for o in out] == list(range(layout.shards))  # shard order
    assert torch.get_num_threads() == before
    if layout.shards == 1:  # one shard: the caller's own thread, count and mask
        assert out[0][1] == threading.get_ident() and out[0][2] == before
        assert out[0][3] == {"progress": "p"} and not recorded_affinity
        return
    for i, (_, ident, threads, kwargs, cores) in enumerate(out):
        assert threads == layout.threads_per_shard
        assert kwargs == ({"beside": True, "progress": "p"} if i == 0 else {"beside": True})
        assert cores == set(layout.cores[i])  # bound to its layout's cores while it ran
        assert recorded_affinity[ident][-1] == set(range(16))  # then given its mask back


def test_no_pinning_unless_asked(recorded_affinity) -> None:
    base = shard_layout(64, range(16))
    layout = ShardLayout(base.shards, base.sizes, base.threads_per_shard, base.cores, "threads")
    assert len(run_shards(_where, [(i,) for i in range(layout.shards)], layout)) == layout.shards
    assert not recorded_affinity


def test_pinning_leaves_out_cores_this_process_may_not_use(recorded_affinity, monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    calls: list[set[int]] = []
    monkeypatch.setattr(os, "sched_setaffinity", lambda pid, cores: calls.append(set(cores)))
    assert run_placed(1, (1, 5), int, "7") == 7 and calls == [{1}, {0, 1}]
    calls.clear()
    assert run_placed(1, (6, 7), int, "7") == 7 and calls == []  # none allowed: left alone


def test_processes_run_the_first_shard_here_and_the_rest_in_workers() -> None:
    """A fake 8-core layout on this machine: shard 0 in this process, the others in workers with
    their layout's thread count; pinned shards get the allowed part of their cores."""
    layout = ShardLayout(3, (1, 1, 1), 2, ((0, 1), (2, 3), (4, 5)), "processes")
    pids = run_shards(os.getpid, [(), (), ()], layout)
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:] and len(set(pids)) == 3
    assert run_shards(torch.get_num_threads, [(), (), ()], layout)[1:] == [2, 2]
    mine = os.sched_getaffinity(0)
    masks = run_shards(os.sched_getaffinity, [(0,)] * 3, layout, pin=True)
    assert masks[0] == ({0, 1} & mine or mine) and os.sched_getaffinity(0) == mine
    assert masks[1] == ({2, 3} & mine or mine)


def test_a_failing_shard_fails_the_run_in_threads_and_processes() -> None:
    from catdyn.errors import WorkerError

    for parallel, error in (("threads", ValueError), ("processes", WorkerError)):
        layout = ShardLayout(2, (1, 1), 1, ((0,), (0,)), parallel)
        with pytest.raises(error, match="invalid literal"):
            run_shards(int, [("1",), ("x",)], layout)
        with pytest.raises(ValueError):  # the first shard runs in this process either way
            run_shards(int, [("x",), ("1",)], layout)
    assert run_shards(int, [("1",), ("2",)], ShardLayout(2, (1, 1), 1, ((0,), (0,)), "processes")) == [1, 2]


def test_shard_plan_follows_the_affinity_mask_and_torchs_thread_count(monkeypatch) -> None:
    for n in (1, 2, 8, 16):
        monkeypatch.setattr(torch, "get_num_threads", lambda: 64)
        monkeypatch.setattr(shards_module, "available_cores", lambda n=n: tuple(range(n)))
        assert shard_plan(64, min_shard=8) == shard_layout(64, range(n))
        assert shard_plan(120, min_shard=2) == shard_layout(120, range(n), min_shard=2)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)  # a caller that asked for one thread
    assert shard_plan(64, min_shard=8).shards == 1
    explicit = shard_plan(64, 3, "threads", min_shard=8)
    assert (explicit.shards, explicit.threads_per_shard, explicit.parallel) == (3, 1, "threads")
    assert shard_plan(64, 3, "auto", min_shard=8).parallel == "processes"
    assert shard_plan(64, min_shard=8, device=torch.device("meta")).shards == 1
    with pytest.raises(CatdynError):
        shard_plan(4, 2, "fibers", min_shard=1)


def test_bounds_cover_the_items_in_order() -> None:
    for n_cores in (1, 2, 8, 16):
        layout = shard_layout(100, range(n_cores))
        cuts = shard_bounds(layout)
        assert cuts[0].start == 0 and cuts[-1].stop == 100
        assert [c.stop - c.start for c in cuts] == list(layout.sizes)
        assert all(a.stop == b.start for a, b in itertools.pairwise(cuts))
