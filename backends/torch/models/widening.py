"""Function-preserving reindexing of units: permutations and Net2Net-style widening.

A *unit map* between two sizes of one architecture says, for every group and every unit ``j``
of the target, which unit ``source[j]`` of the source it copies, and a ``fraction[j]`` of the
source unit's outgoing weights it takes. Every source unit must be copied at least once and its
fractions must sum to 1; then the wider network computes the same function: all copies of a
unit carry the same value (its producing tensors — weight rows, biases, normalisation entries —
are copied), and the tensors that read the unit see the sum of its copies' contributions,
which the fractions make equal to the original (Chen, Goodfellow & Shlens, *Net2Net*, 2016).

A permutation ``σ`` is the unit map with ``source = σ⁻¹`` and all fractions 1. Widening
duplicates units; ``split="equal"`` gives every copy ``1/count`` of the outgoing weights,
``split="random"`` draws positive fractions summing to 1 (this breaks the copies' symmetry
for later training, and still preserves the function exactly).

Groups marked not ``widenable`` (the Transformer's residual stream, read by layer norm) may be
permuted but not widened.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net = MLP((3, 4, 2))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> wide, theta2 = widen(net, theta, {"hidden0": 7}, torch.Generator().manual_seed(1))
>>> wide.widths
(3, 7, 2)
>>> x = torch.randn(5, 3)
>>> bool(torch.allclose(wide.apply(theta2, x), net.apply(theta, x), atol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture, Params
from catdyn.errors import ShapeError

Split = Literal["equal", "random"]


def check_unit_map(
    source_arch: Architecture, group: str, source: Tensor, fraction: Tensor, tol: float = 1e-6
) -> None:
    """Raise a :class:`~catdyn.errors.ShapeError` unless ``(source, fraction)`` is a
    function-preserving unit map for ``group`` (onto every source unit, fractions summing to 1
    per source unit, and a bijection for groups that are not widenable).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> check_unit_map(MLP((2, 2, 1)), "hidden0", torch.tensor([0, 1, 1]), torch.tensor([1.0, 0.5, 0.5]))
    >>> check_unit_map(MLP((2, 2, 1)), "hidden0", torch.tensor([0, 0]), torch.tensor([0.5, 0.5]))
    Traceback (most recent call last):
    ...
    catdyn.errors.ShapeError: unit map of group hidden0 of mlp(2-2-1) copies no unit onto source unit(s) [1], so the function would change. Every source unit needs at least one copy.
    """
    g = source_arch.symmetry[group]
    source = source.to(torch.long)
    if source.dim() != 1 or fraction.shape != source.shape:
        raise ShapeError(
            f"unit map of group {group} of {source_arch.name}: source {tuple(source.shape)} and fraction "
            f"{tuple(fraction.shape)} must be vectors of the same length",
            "Give one source unit and one fraction per target unit",
        )
    if source.numel() and (source.min() < 0 or source.max() >= g.size):
        raise ShapeError(
            f"unit map of group {group} of {source_arch.name} refers to units outside 0 … {g.size - 1}",
            "Sources are unit indices of the smaller architecture",
        )
    counts = torch.bincount(source, minlength=g.size)
    missing = torch.nonzero(counts == 0).flatten().tolist()
    if missing:
        raise ShapeError(
            f"unit map of group {group} of {source_arch.name} copies no unit onto source unit(s) {missing}, "
            "so the function would change",
            "Every source unit needs at least one copy",
        )
    if not g.widenable and source.numel() != g.size:
        raise ShapeError(
            f"group {group} of {source_arch.name} cannot be widened (a layer norm reads its coordinates)",
            "Only permute it",
        )
    totals = torch.zeros(g.size, dtype=torch.float64).index_add_(0, source, fraction.to(torch.float64))
    if not torch.allclose(totals, torch.ones_like(totals), atol=tol, rtol=0):
        raise ShapeError(
            f"unit map of group {group} of {source_arch.name}: the fractions of each unit's copies sum to "
            f"{totals.tolist()}, not 1",
            "Split each unit's outgoing weights into fractions that sum to 1",
        )


def reindex(
    source_arch: Architecture,
    params: Mapping[str, Tensor],
    maps: Mapping[str, tuple[Tensor, Tensor]],
) -> tuple[Architecture, Params]:
    """Apply unit maps ``{group: (source, fraction)}`` (groups not named are unchanged) and
    return the target architecture and its parameters. The generic engine behind widening;
    it reads only the architecture's symmetry declaration. ``params`` must be exactly
    ``source_arch``'s parameters (:meth:`~catdyn.backends.torch.models.architectures.Architecture.check_params`).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((1, 2, 1))
    >>> theta = {"fc0.weight": torch.tensor([[1.0], [2.0]]), "fc0.bias": torch.zeros(2),
    ...          "fc1.weight": torch.tensor([[3.0, 4.0]]), "fc1.bias": torch.zeros(1)}
    >>> wide, out = reindex(net, theta, {"hidden0": (torch.tensor([0, 1, 1]), torch.tensor([1.0, 0.25, 0.75]))})
    >>> out["fc0.weight"].flatten().tolist(), out["fc1.weight"].flatten().tolist()
    ([1.0, 2.0, 2.0], [3.0, 1.0, 3.0])
    """
    source_arch.check_params(params)
    out = dict(params)
    sizes = {}
    for name, (source, fraction) in maps.items():
        check_unit_map(source_arch, name, source, fraction)
        g = source_arch.symmetry[name]
        source = source.to(torch.long)
        sizes[name] = source.numel()
        for a in g.actions:
            t = out[a.tensor]
            index = a.source_index(source, g.size).to(t.device)
            moved = t.index_select(a.axis, index)
            if a.role == "in":
                scale = fraction.to(device=t.device, dtype=t.dtype)[
                    a.unit_of_coordinate(source.numel()).to(t.device)
                ]
                shape = [1] * t.dim()
                shape[a.axis] = -1
                moved = moved * scale.reshape(shape)
            out[a.tensor] = moved
    target = source_arch.resized(sizes) if sizes else source_arch
    target.symmetry.validate(out)
    return target, out


def widening_map(
    old: int, new: int, generator: torch.Generator, split: Split = "equal"
) -> tuple[Tensor, Tensor]:
    """A unit map from ``old`` to ``new ≥ old`` units: units ``0 … old−1`` keep their place, each
    extra unit copies a random source unit; fractions split each source unit's outgoing weights
    equally or at random.

    >>> source, fraction = widening_map(2, 4, torch.Generator().manual_seed(0))
    >>> source[:2].tolist(), len(source)
    ([0, 1], 4)
    """
    if new < old:
        raise ShapeError(f"cannot widen {old} units to {new}", "A widening keeps or adds units")
    extra = torch.randint(old, (new - old,), generator=generator) if old else torch.zeros(0, dtype=torch.long)
    source = torch.cat([torch.arange(old), extra])
    counts = torch.bincount(source, minlength=old).to(torch.float64)
    if split == "equal":
        fraction = 1.0 / counts[source]
    elif split == "random":
        weights = 0.2 + torch.rand(new, generator=generator, dtype=torch.float64)
        totals = torch.zeros(old, dtype=torch.float64).index_add_(0, source, weights)
        fraction = weights / totals[source]
    else:
        raise ShapeError(f"unknown split {split!r}", "Use 'equal' or 'random'")
    return source, fraction


def widen(
    arch: Architecture,
    params: Mapping[str, Tensor],
    sizes: Mapping[str, int],
    generator: torch.Generator,
    split: Split = "equal",
) -> tuple[Architecture, Params]:
    """Embed ``params`` into the architecture with the groups in ``sizes`` widened (Net2Net);
    returns ``(wider architecture, its parameters)``, computing the same function.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import CNN
    >>> net = CNN((1, 6, 6), (2, 3), 4)
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> wide, theta2 = widen(net, theta, {"conv0": 5, "conv1": 4}, torch.Generator().manual_seed(0), "random")
    >>> wide.channels
    (5, 4)
    >>> x = torch.randn(2, 1, 6, 6)
    >>> bool(torch.allclose(wide.apply(theta2, x), net.apply(theta, x), atol=1e-5))
    True
    """
    maps = {}
    for name, n in sizes.items():
        g = arch.symmetry[name]
        if n != g.size and not g.widenable:
            raise ShapeError(
                f"group {name} of {arch.name} cannot be widened (a layer norm reads its coordinates)",
                f"Widen one of {[h.name for h in arch.symmetry.groups if h.widenable]}",
            )
        maps[name] = widening_map(g.size, int(n), generator, split)
    return reindex(arch, params, maps)
