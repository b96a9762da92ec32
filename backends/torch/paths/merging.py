"""Model merging as a colimit: networks of one architecture glued along matchings of their units.

Each permutation group ``g`` of an architecture's symmetry (a hidden layer, a channel set …)
gives every network ``θ_k`` a finite set of units ``U_k`` (``|U_k| = size of g``). A
*matching* of ``θ_j`` onto ``θ_i`` is a bijection, held as its graph: a set ``M`` of matched
pairs with two maps ``U_i ← M → U_j`` (a span in FinSet). The merged network's units are the
**colimit** of the diagram made of all the ``U_k``, all the ``M`` and their maps — the units
of every network, glued wherever a matching pairs them (the pushout of the span for two
networks, the coequaliser of ``M ⇉ U_i + U_j``). It is computed by
:func:`catdyn.limits.colimit` (union-find in FinSet), and its legs ``ℓ_k: U_k → Q`` say which
merged unit each unit of ``θ_k`` became.

When every leg is a bijection (each merged unit holds exactly one unit of every network), the
merged parameters are the average *in the quotient*: a tensor entry indexed by merged units
``(c, d, …)`` is the mean over the networks of their entries at the units in those classes,
``θ[c, d] = (1/K) Σ_k θ_k[ℓ_k⁻¹(c), ℓ_k⁻¹(d)]``, i.e. ``mean_k ℓ_k·θ_k`` with ``ℓ_k`` acting
through the declared symmetry (:func:`~catdyn.backends.torch.models.symmetry.permute`). The classes
are numbered by the units of ``θ_0``, so ``ℓ_0`` is the identity. A colimit that glues two
units of one network (matchings that do not compose round a cycle), or keeps units of no
network's apart (a network matched to none), is refused (:class:`~catdyn.errors.MergeError`).

The two methods differ only in the matchings: ``aligned`` matches every ``θ_k`` to ``θ_0`` by
weight matching (:func:`~catdyn.backends.torch.paths.alignment.weight_matching`, a Perm morphism);
``naive`` matches unit ``i`` with unit ``i`` — plain parameter averaging (FedAvg without
alignment). Running statistics (batch norm) are averaged like the other tensors, not
recomputed.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.models.symmetry import permute, random_element
>>> net = MLP((4, 8, 3))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> copy = permute(net, theta, random_element(net, torch.Generator().manual_seed(1)))
>>> m = merge(net, [theta, copy], "aligned")
>>> all(torch.equal(m.params[k], theta[k]) for k in theta)
True
>>> m.colimits["hidden0"].apex.size, m.colimits["hidden0"].kind
(8, 'colimit')
>>> any(not torch.equal(merge(net, [theta, copy], "naive").params[k], theta[k]) for k in theta)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.models.symmetry import permute, to_permutation
from catdyn.backends.torch.paths.alignment import Alignment, weight_matching
from catdyn.categories.finset import FinSet
from catdyn.categories.perm import Permutation
from catdyn.diagram import Diagram
from catdyn.errors import HomotopyError, MergeError
from catdyn.limits import Colimit, colimit

Params = dict[str, Tensor]

Method = Literal["aligned", "naive"]


@dataclass(frozen=True)
class UnitMatching:
    """Units of network ``source`` matched onto units of network ``target`` in one group:
    ``pairs[j]`` is the unit of ``target`` that unit ``j`` of ``source`` is matched with (a
    permutation, as a weight-matching ``σ`` is: ``σ·θ_source ≈ θ_target``)."""

    target: int
    source: int
    pairs: np.ndarray


def units_name(group: str, model: int) -> str:
    """The name of network ``model``'s units of ``group`` in the gluing diagram."""
    return f"{group} of θ{model}"


def gluing_diagram(group: str, size: int, n_models: int, matchings: Sequence[UnitMatching]) -> Diagram:
    """The FinSet diagram whose colimit is the merged units of ``group``: one object of
    ``size`` units per network, and per matching its set of pairs with a map to each side
    (``pair j ↦ pairs[j]`` in the target, ``pair j ↦ j`` in the source).

    >>> d = gluing_diagram("h", 2, 2, [UnitMatching(0, 1, np.array([1, 0]))])
    >>> [o.name for o in d.objects], [(m.name, m.table.tolist()) for m in d.morphisms]
    (['h of θ0', 'h of θ1', 'h: θ1 matched to θ0'], [('onto θ0', [1, 0]), ('from θ1', [0, 1])])
    """
    units = [FinSet.object(units_name(group, k), size) for k in range(n_models)]
    arrows = []
    for m in matchings:
        pairs = FinSet.object(f"{group}: θ{m.source} matched to θ{m.target}", size)
        suffix = "" if len(matchings) == 1 else f" ({m.source}→{m.target})"
        arrows.append(FinSet.function(f"onto θ{m.target}{suffix}", pairs, units[m.target], np.asarray(m.pairs)))
        arrows.append(FinSet.function(f"from θ{m.source}{suffix}", pairs, units[m.source], np.arange(size)))
    return Diagram(f"units of {group} glued", FinSet, arrows, objects=units)


def glue_units(group: str, size: int, n_models: int, matchings: Sequence[UnitMatching]) -> Colimit:
    """The merged units of ``group``: the colimit of :func:`gluing_diagram` (union-find).

    >>> Q = glue_units("h", 3, 2, [UnitMatching(0, 1, np.array([2, 0, 1]))])
    >>> Q.apex.size, Q.leg("h of θ1").table.tolist() == [Q.leg("h of θ0").table[i] for i in (2, 0, 1)]
    (3, True)
    """
    return colimit(gluing_diagram(group, size, n_models, matchings))


def quotient_positions(glued: Colimit, group: str, n_models: int) -> list[np.ndarray]:
    """For each network, where each of its units lands among the merged units numbered by
    ``θ_0``'s units (``ℓ_0⁻¹ ∘ ℓ_k``); a :class:`~catdyn.errors.MergeError` when the colimit
    glues two units of one network.

    >>> Q = glue_units("h", 2, 2, [UnitMatching(0, 1, np.array([1, 0]))])
    >>> [p.tolist() for p in quotient_positions(Q, "h", 2)]
    [[0, 1], [1, 0]]
    """
    legs = [np.asarray(glued.leg(units_name(group, k)).table) for k in range(n_models)]
    for k, leg in enumerate(legs):
        values, counts = np.unique(leg, return_counts=True)
        if (counts > 1).any():
            raise MergeError.units_glued(group, k, np.flatnonzero(leg == values[counts > 1][0]).tolist())
        if len(leg) != glued.apex.size:  # type: ignore[attr-defined]
            raise MergeError.units_apart(group, k, glued.apex.size, len(leg))  # type: ignore[attr-defined]
    unit_of_class = np.empty(len(legs[0]), dtype=np.int64)
    unit_of_class[legs[0]] = np.arange(len(legs[0]))
    return [unit_of_class[leg] for leg in legs]


@dataclass(frozen=True)
class Merged:
    """A merge: the merged parameters, the colimit of each group's units, the Perm morphism
    ``ℓ_k`` that moves each network into the merged units, and the alignments that made the
    matchings (none for ``naive``)."""

    params: Params
    method: str
    colimits: dict[str, Colimit]
    legs: list[Permutation]
    alignments: list[Alignment]


def matchings_for(
    arch: Architecture, models: Sequence[Params], method: Method, seed: int = 0
) -> tuple[dict[str, list[UnitMatching]], list[Alignment]]:
    """Every network matched onto ``θ_0`` in every group: by weight matching (``aligned``) or
    unit for unit (``naive``)."""
    by_group: dict[str, list[UnitMatching]] = {g.name: [] for g in arch.symmetry.groups}
    alignments = []
    for k in range(1, len(models)):
        if method == "aligned":
            alignment = weight_matching(arch, models[0], models[k], seed=seed)
            alignments.append(alignment)
            perms = alignment.permutation.perms
        elif method == "naive":
            perms = tuple(np.arange(g.size) for g in arch.symmetry.groups)
        else:
            raise HomotopyError.bad_option("method", method, "'aligned' or 'naive'")
        for g, p in zip(arch.symmetry.groups, perms):
            by_group[g.name].append(UnitMatching(0, k, np.asarray(p)))
    return by_group, alignments


def average_in_quotient(arch: Architecture, models: Sequence[Params], legs: Sequence[Permutation]) -> Params:
    """``mean_k ℓ_k·θ_k``, summed in float64 (so that K equal networks average to themselves
    exactly) and returned in the networks' dtype."""
    moved = [permute(arch, theta, leg) for theta, leg in zip(models, legs)]
    out = {}
    for name, t in models[0].items():
        total = sum(m[name].detach().to(torch.float64) for m in moved)
        out[name] = (total / len(moved)).to(t.dtype)
    return out


def merge(arch: Architecture, models: Sequence[Params], method: Method = "aligned", *, seed: int = 0) -> Merged:
    """Merge ``models`` (two or more networks of ``arch``) as the colimit of their units glued
    along the ``method``'s matchings, then average in the quotient (see the module docstring).
    """
    if len(models) < 2:
        raise MergeError.too_few(len(models))
    for theta in models[1:]:
        if list(theta) != list(models[0]):
            raise HomotopyError.mismatched_models(list(models[0]), list(theta))
    matchings, alignments = matchings_for(arch, models, method, seed)
    colimits, positions = {}, {}
    for g in arch.symmetry.groups:
        colimits[g.name] = glue_units(g.name, g.size, len(models), matchings[g.name])
        positions[g.name] = quotient_positions(colimits[g.name], g.name, len(models))
    legs = [
        to_permutation(arch, {name: torch.as_tensor(p[k]) for name, p in positions.items()}, name=f"ℓ_{k}")
        for k in range(len(models))
    ]
    return Merged(average_in_quotient(arch, models, legs), method, colimits, legs, alignments)
