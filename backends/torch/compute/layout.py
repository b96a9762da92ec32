"""How CPU work is laid out over the cores this process may use: shard count, shard sizes,
threads per shard, which cores each shard gets, threads or processes.

The cores are the ones the operating system lets this process run on
(:func:`available_cores`: ``os.sched_getaffinity``, so ``taskset``, cgroups' cpusets and a
container's CPU list count), not ``torch.get_num_threads()`` and not the machine's total.

:func:`shard_layout` is a pure function of the member count and the core list:

- **shards**: one per core, but no shard smaller than ``min_shard`` members (a batched shard of
  one or two members spends its time in per-call overhead, not in arithmetic), and never more
  shards than members;
- **sizes**: as equal as possible (they differ by at most one; the ensemble's cut points
  ``round(i · members / shards)``);
- **threads per shard**: the cores left over when there are fewer shards than cores are given
  to the shards as intra-op threads (``cores // shards``), so no core idles;
- **cores per shard**: consecutive runs of the core list, ``threads_per_shard`` each (a shard's
  threads share a cache when neighbouring core ids do);
- **parallel**: ``"threads"`` for at most two shards (the GIL handoff between two shards costs
  a few per cent, and threads start at once), ``"processes"`` beyond (every extra thread of one
  process queues for the same GIL around each of its thousands of small torch calls).

>>> shard_layout(64, range(2))
ShardLayout(shards=2, sizes=(32, 32), threads_per_shard=1, cores=((0,), (1,)), parallel='threads')
>>> shard_layout(64, range(16)).sizes, shard_layout(64, range(16)).threads_per_shard
((8, 8, 8, 8, 8, 8, 8, 8), 2)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass

MIN_SHARD = 8
"""The fewest members a shard gets when there are more cores than ``members / MIN_SHARD``."""


@dataclass(frozen=True)
class ShardLayout:
    """Where each shard runs: see the module docstring.

    >>> ShardLayout(1, (4,), 1, ((0,),), "threads").shards
    1
    """

    shards: int
    sizes: tuple[int, ...]
    threads_per_shard: int
    cores: tuple[tuple[int, ...], ...]
    parallel: str


def available_cores() -> tuple[int, ...]:
    """The ids of the cores this process may run on (``os.sched_getaffinity``; every core the
    machine reports where the call does not exist).

    >>> len(available_cores()) >= 1
    True
    """
    try:
        return tuple(sorted(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return tuple(range(os.cpu_count() or 1))


def shard_layout(members: int, cores: Iterable[int], *, min_shard: int = MIN_SHARD) -> ShardLayout:
    """The layout of ``members`` over ``cores`` (see the module docstring).

    >>> shard_layout(4, [0]).shards, shard_layout(4, [3, 5]).cores
    (1, ((3,), (5,)))
    >>> shard_layout(64, range(8)).sizes
    (8, 8, 8, 8, 8, 8, 8, 8)
    """
    ids = tuple(cores)
    n_cores = max(1, len(ids))
    if not ids:
        ids = (0,)
    members = max(1, int(members))
    per_shard_floor = max(2, min(int(min_shard), members // 2)) if n_cores > 1 else members
    shards = max(1, min(n_cores, members // per_shard_floor, members))
    bounds = [round(i * members / shards) for i in range(shards + 1)]  # as the ensemble cuts them
    sizes = tuple(hi - lo for lo, hi in itertools.pairwise(bounds))
    threads = max(1, n_cores // shards)
    placement = tuple(ids[i * threads : (i + 1) * threads] for i in range(shards))
    return ShardLayout(shards, sizes, threads, placement, "threads" if shards <= 2 else "processes")
