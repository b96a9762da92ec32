"""One runner for CPU shards: the ensemble's members and the barrier matrix's pairs.

Both batched CPU routes cut their work into contiguous shards and run them side by side, one
per core of the :func:`~catdyn.backends.torch.compute.layout.shard_layout` over the cores this
process may use. :func:`shard_plan` turns a route's ``workers`` and ``parallel`` options into
that layout; :func:`run_shards` runs one job per shard under the same placement policy for
every route:

- **one shard**: the job runs in the calling thread, at the caller's intra-op thread count;
- **threads**: every shard in a thread of this process, each with its layout's intra-op thread
  count (OpenMP's count is per thread: a fresh thread would start a full team of its own),
  while this process's count is 1; the caller's count is restored afterwards;
- **processes**: the first shard in the calling thread, the others in the persistent worker
  processes of :func:`~catdyn.backends.torch.compute.worker_pool.shared_round`, sent before
  the local shard starts (an argument a worker cannot take fails at once), cancelled if the
  local shard fails;
- **pinning** (``pin=True``): each shard's thread or worker is bound to its layout's cores
  with ``os.sched_setaffinity`` for the duration of its job (the cores it may not use are
  left out; the previous mask is restored). Off by default: see docs/performance.md.

A job is a tuple of positional arguments of a module-level function (workers import it by
name). ``first`` keyword arguments go to the first shard only (it always runs in this process:
a progress callback), ``in_threads`` ones to every shard that runs as a thread of this process
(a route may avoid a kernel that holds the GIL). The results come back in shard order, the
same whichever way the shards ran.

>>> plan = shard_plan(4, "auto", "auto", min_shard=2)
>>> plan.shards >= 1 and sum(plan.sizes) == 4
True
>>> run_shards(max, [(1, 5), (7, 2)], shard_plan(2, 2, "threads", min_shard=1))
[5, 7]
"""

from __future__ import annotations

import importlib
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import torch

from catdyn.backends.torch.compute.layout import ShardLayout, available_cores, shard_layout
from catdyn.errors import CatdynError

_T = TypeVar("_T")


def shard_plan(
    items: int,
    workers: int | str = "auto",
    parallel: str = "auto",
    *,
    min_shard: int,
    device: torch.device | None = None,
) -> ShardLayout:
    """The layout of ``items`` (members, pairs) over the cores this process may use, capped by
    torch's intra-op thread count (a caller that lowered it keeps its limit). ``workers="auto"``
    takes the layout's shard count and threads per shard; an explicit count wins, with one
    thread a shard. ``parallel="auto"`` takes the layout's choice (threads for at most two
    shards, processes beyond). Off the CPU there is one shard.

    >>> shard_plan(64, 3, "threads", min_shard=8).sizes
    (21, 22, 21)
    >>> shard_plan(64, "auto", "auto", min_shard=8, device=torch.device("meta")).shards
    1
    """
    n = max(1, int(items))
    if device is not None and device.type != "cpu":
        return ShardLayout(1, (n,), 1, (available_cores()[:1],), "threads")
    cores = available_cores()[: max(1, torch.get_num_threads())]
    layout = shard_layout(n, cores, min_shard=min_shard)
    if workers != "auto":
        count = max(1, min(int(workers), n))
        layout = _with_count(layout, count, cores, n)
    if parallel not in ("auto", "threads", "processes"):
        raise CatdynError(f"parallel={parallel!r} is not 'auto', 'threads' or 'processes'.")
    if parallel != "auto" and layout.shards > 1:
        layout = ShardLayout(layout.shards, layout.sizes, layout.threads_per_shard, layout.cores, parallel)
    return layout


def _with_count(layout: ShardLayout, count: int, cores: Sequence[int], n: int) -> ShardLayout:
    """``layout`` with exactly ``count`` shards of one thread each (an explicit setting, which
    overrides the layout's ``min_shard``: the caller asked for that many)."""
    bounds = [round(i * n / count) for i in range(count + 1)]
    sizes = tuple(hi - lo for lo, hi in itertools.pairwise(bounds))
    ids = tuple(cores) or (0,)
    placement = tuple((ids[i % len(ids)],) for i in range(count))
    return ShardLayout(count, sizes, 1, placement, "threads" if count <= 2 else "processes")


def shard_bounds(layout: ShardLayout) -> list[slice]:
    """The contiguous slices of the items, one per shard.

    >>> shard_bounds(shard_layout(5, range(2), min_shard=2))
    [slice(0, 2, None), slice(2, 5, None)]
    """
    edges = [0]
    for size in layout.sizes:
        edges.append(edges[-1] + size)
    return [slice(lo, hi) for lo, hi in itertools.pairwise(edges)]


def run_shards(
    fn: Callable[..., _T],
    jobs: Sequence[tuple[Any, ...]],
    layout: ShardLayout,
    *,
    first: Mapping[str, Any] | None = None,
    in_threads: Mapping[str, Any] | None = None,
    pin: bool = False,
) -> list[_T]:
    """``fn(*job)`` for every shard's job, placed as the module docstring says; the results in
    shard order. ``fn`` must be a module-level function when ``layout.parallel`` is
    ``"processes"`` (workers import it by name)."""
    first, in_threads = dict(first or {}), dict(in_threads or {})
    if len(jobs) == 1:
        return [fn(*jobs[0], **first)]
    caller_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if layout.parallel == "processes":
            return _in_processes(fn, jobs, layout, first, pin)
        with ThreadPoolExecutor(len(jobs), thread_name_prefix="catdyn-shard") as pool:
            futures = [
                pool.submit(
                    run_placed,
                    layout.threads_per_shard,
                    _cores(layout, i, pin),
                    fn,
                    *job,
                    **in_threads,
                    **(first if i == 0 else {}),
                )
                for i, job in enumerate(jobs)
            ]
            return [f.result() for f in futures]
    finally:
        torch.set_num_threads(caller_threads)


def _in_processes(
    fn: Callable[..., _T],
    jobs: Sequence[tuple[Any, ...]],
    layout: ShardLayout,
    first: Mapping[str, Any],
    pin: bool,
) -> list[_T]:
    """The first job here, the others in worker processes (sent first, cancelled on failure)."""
    from catdyn.backends.torch.compute.worker_pool import shared_round

    name = (fn.__module__, fn.__qualname__)
    remote = [(layout.threads_per_shard, _cores(layout, i, pin), *name, *job) for i, job in enumerate(jobs)]
    with shared_round(__name__, "run_named", remote[1:]) as running:
        local = run_placed(layout.threads_per_shard, _cores(layout, 0, pin), fn, *jobs[0], **first)
        return [local, *running.results()]


def _cores(layout: ShardLayout, i: int, pin: bool) -> tuple[int, ...] | None:
    return tuple(layout.cores[i]) if pin and i < len(layout.cores) else None


def run_named(threads: int, cores: tuple[int, ...] | None, module: str, qualname: str, *job: Any) -> Any:
    """What a worker process runs: ``module.qualname(*job)`` placed like :func:`run_placed`.

    >>> run_named(1, None, "math", "gcd", 12, 18)
    6
    """
    return run_placed(threads, cores, getattr(importlib.import_module(module), qualname), *job)


def run_placed(
    threads: int, cores: tuple[int, ...] | None, fn: Callable[..., _T], *args: Any, **kwargs: Any
) -> _T:
    """``fn(*args, **kwargs)`` in this thread with ``threads`` intra-op threads and, when
    ``cores`` is given, bound to those of them this process may use; the thread's previous
    mask is restored afterwards (its thread count is the caller's to restore).

    >>> run_placed(1, (0,), sum, [1, 2, 3])
    6
    """
    torch.set_num_threads(max(1, int(threads)))
    before = _pin(cores)
    try:
        return fn(*args, **kwargs)
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)


def _pin(cores: tuple[int, ...] | None) -> set[int] | None:
    """Bind the calling thread to ``cores`` (those allowed); its previous mask, or None when
    nothing was changed (no cores asked, none allowed, or no affinity call here)."""
    if not cores or not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    allowed = set(cores) & before
    if not allowed or allowed == before:
        return None
    os.sched_setaffinity(0, allowed)
    return before
