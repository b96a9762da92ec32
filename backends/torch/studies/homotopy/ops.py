"""The homotopy-classes study as runner operations (the registration point; the science lives in
the small modules of :mod:`catdyn.backends.torch.studies.homotopy`): train a population, measure every
pair's barrier after symmetry alignment (and curved paths where the straight one fails),
classify, and report the paper's claims with measured figures, intervals and verdicts.

Operations (registered with :func:`catdyn.runner.operations.operation`; a spec imports this
module):

* ``homotopy_train`` (dataset → population): for one architecture, every (optimiser, learning
  rate, seed) member, trained as one batched ensemble per optimiser, with checkpoints at
  matched stages; a population of 0 seeds is *skipped* (so a preset can switch a group off).
* ``homotopy_barrier_part`` (population × dataset → barrier_part): one chunk of the pairs,
  aligned and profiled.
* ``homotopy_classify`` / ``homotopy_classify_parts`` (population × dataset [× chunks] →
  homotopy): :func:`~catdyn.backends.torch.studies.homotopy.classify.classify_population`.

:func:`homotopy_study` runs the same thing in-process, without a store (for tests and
notebooks).

>>> from catdyn.runner.operations import get
>>> get("homotopy_classify").inputs
('population', 'dataset')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catdyn.backends.torch.paths.barrier_matrix import all_pairs, split_pairs
from catdyn.backends.torch.studies.homotopy.classify import classify_population
from catdyn.backends.torch.studies.homotopy.dendrogram import (
    DENDROGRAM_DRAWER,
    dendrogram_data,
    draw_barrier_dendrogram,
)
from catdyn.backends.torch.studies.homotopy.members import load_members
from catdyn.backends.torch.studies.homotopy.train import train_population
from catdyn.runner.operations import OpContext, operation

__all__ = [
    "DENDROGRAM_DRAWER",
    "classify_population",
    "dendrogram_data",
    "draw_barrier_dendrogram",
    "homotopy_barrier_part",
    "homotopy_classify",
    "homotopy_classify_parts",
    "homotopy_study",
    "homotopy_train",
    "train_population",
]


@operation("homotopy_train", inputs=("dataset",), output="population", version="1")
def homotopy_train(
    ctx: OpContext,
    data: dict[str, Any],
    *,
    arch: dict[str, Any],
    seeds: Sequence[int],
    optimisers: Sequence[dict[str, Any]],
    steps: int,
    batch_size: int = 64,
    stages: int = 4,
) -> dict[str, Any]:
    """Train the population of one architecture (see
    :func:`~catdyn.backends.torch.studies.homotopy.train.train_population`)."""
    pop = train_population(
        data,
        arch=arch,
        seeds=seeds,
        optimisers=optimisers,
        steps=steps,
        batch_size=batch_size,
        stages=stages,
        seed=ctx.seed,
        device=ctx.device,
    )
    ctx.metric("members", pop["members"])
    if not pop["skipped"]:
        ctx.metric("members failed", sum(s != "ok" for s in pop["status"]))
    return pop


@operation("homotopy_barrier_part", inputs=("population", "dataset"), output="barrier_part", version="1")
def homotopy_barrier_part(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], *, part: int, parts: int, points: int = 25
) -> dict[str, Any]:
    """Chunk ``part`` of ``parts`` of the pairs of the population's trained members: aligned by
    weight matching and profiled along their linear paths (one task per chunk, so the runner's
    executors can spread the pairs; ``homotopy_classify_parts`` joins them).

    >>> from catdyn.runner.operations import get
    >>> get("homotopy_barrier_part").output
    'barrier_part'
    """
    from catdyn.backends.torch.studies.homotopy.barriers import measure_barriers

    if pop.get("skipped"):
        return {"skipped": True}
    members = load_members(pop, data, ctx.device)
    chunk = split_pairs(all_pairs(members.n), int(parts))[int(part)]
    bm = measure_barriers(members, points=points, seed=ctx.seed, pairs=chunk)
    ctx.metric("pairs", len(chunk))
    return bm.to_value()


@operation("homotopy_classify_parts", inputs=None, output="homotopy", version="1")
def homotopy_classify_parts(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], *parts: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """:func:`classify_population` on a barrier matrix joined from ``homotopy_barrier_part`` chunks."""
    if pop.get("skipped"):
        return classify_population(ctx, pop, data, **options)
    return classify_population(ctx, pop, data, parts=list(parts), **options)


@operation("homotopy_classify", inputs=("population", "dataset"), output="homotopy", version="1")
def homotopy_classify(
    ctx: OpContext, pop: dict[str, Any], data: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """Classify a trained population and record the claims (see :func:`classify_population`)."""
    return classify_population(ctx, pop, data, **options)


def homotopy_study(
    data: dict[str, Any],
    *,
    arch: dict[str, Any],
    seeds: Sequence[int],
    optimisers: Sequence[dict[str, Any]],
    steps: int,
    seed: int = 0,
    device: str = "cpu",
    **options: Any,
) -> tuple[dict[str, Any], OpContext]:
    """Train and classify in-process; returns the result and the context holding the records.

    >>> from catdyn.backends.torch.data.datasets import load_digits
    >>> s = load_digits()
    >>> d = {"name": "digits", "n_classes": 10, "train_x": s.train.x[:300], "train_y": s.train.y[:300],
    ...      "test_x": s.test.x[:100], "test_y": s.test.y[:100]}
    >>> out, ctx = homotopy_study(d, arch={"type": "mlp", "hidden": [8]}, seeds=[0, 1],
    ...                           optimisers=[{"name": "adam", "lrs": [0.01]}], steps=20,
    ...                           points=3, max_curves=1, curve_steps=2, resamples=50, law_examples=1)
    >>> out["n"], sorted({r[0] for r in ctx.records})
    (2, ['claim', 'figure', 'heatmap', 'law', 'metric', 'series', 'table'])
    """
    ctx = OpContext(seed=seed, device=device)
    pop = train_population(
        data, arch=arch, seeds=seeds, optimisers=optimisers, steps=steps, seed=seed, device=device
    )
    return classify_population(ctx, pop, data, **options), ctx
