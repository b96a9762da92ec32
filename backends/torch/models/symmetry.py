"""Symmetry declared once, applied everywhere: permutation groups of an architecture and their
action on parameter dicts.

An architecture declares a :class:`SymmetrySpec`: an ordered tuple of :class:`PermGroup`, one per
hidden layer, channel set, residual stream or head set whose units may be permuted. Each group
lists every tensor axis its units live on (:class:`AxisAction`) — weights on both sides, biases,
normalisation scale/shift and running statistics, residual-coupled channels, attention heads,
recurrent weights. One generic function, :func:`permute`, applies a group element to a
parameter dict; nothing else in catdyn knows how a particular network is permuted.

A group element is a :class:`~catdyn.categories.perm.Permutation` of the architecture's group
``arch.symmetry.group`` (an object of Perm, one factor per :class:`PermGroup`, in order), or a
plain mapping ``{group name: index tensor}``. The convention is Perm's: ``σ[i]`` is the
position unit ``i`` is sent to, so the permuted tensor ``W'`` has ``W'[σ[i]] = W[i]`` along
each declared axis.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.categories.perm import Perm
>>> net = MLP((2, 3, 2))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> sigma = Perm.element(net.symmetry.group, [2, 0, 1])
>>> moved = permute(net, theta, sigma)
>>> bool(torch.equal(moved["fc0.bias"][[2, 0, 1]], theta["fc0.bias"]))
True
>>> x = torch.randn(5, 2)
>>> bool(torch.allclose(net.apply(moved, x), net.apply(theta, x), atol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch
from torch import Tensor

from catdyn.categories.perm import Perm, Permutation, SymmetryGroup
from catdyn.errors import ShapeError

if TYPE_CHECKING:  # pragma: no cover
    from catdyn.backends.torch.models.architectures import Architecture

Role = Literal["out", "in"]

GroupElement = Permutation | Mapping[str, Tensor | Sequence[int] | np.ndarray]
"""A Perm morphism of ``arch.symmetry.group``, or ``{group name: permutation}`` (missing groups
are left fixed)."""


@dataclass(frozen=True)
class AxisAction:
    """Where the units of a group live in one tensor.

    ``tensor`` names the parameter, ``axis`` the axis. Along that axis the coordinates are laid
    out as ``tile`` stacked copies (GRU gates r, z, n: ``tile=3``) of ``size`` units, each unit
    occupying ``block`` consecutive coordinates (an attention head: ``block=head_dim``; a
    flattened conv channel: ``block=H*W``), so the axis has length ``tile * size * block``.

    ``role`` says what widening does: ``"out"`` — the tensor *produces* the units (weight rows,
    biases, normalisation scale/shift and statistics): duplicated units are copied;
    ``"in"`` — the tensor *reads* them (the next layer's weight columns): the duplicated units'
    weights are split so that the sum is unchanged.

    >>> AxisAction("fc0.weight", 0, "out").length(5)
    5
    >>> AxisAction("gru.weight_ih", 0, "out", tile=3).length(4)
    12
    """

    tensor: str
    axis: int
    role: Role
    block: int = 1
    tile: int = 1

    def length(self, size: int) -> int:
        """The length of the axis for a group of ``size`` units."""
        return self.tile * size * self.block

    def source_index(self, unit_source: Tensor, old_size: int) -> Tensor:
        """The coordinate index ``src`` with ``new[..., j, ...] = old[..., src[j], ...]`` when the
        new unit ``u`` takes its values from old unit ``unit_source[u]``.

        >>> AxisAction("w", 0, "out", block=2).source_index(torch.tensor([1, 0]), 2).tolist()
        [2, 3, 0, 1]
        """
        new_size = unit_source.numel()
        t = torch.arange(self.tile).view(-1, 1, 1) * (old_size * self.block)
        u = unit_source.view(1, -1, 1).to(torch.long) * self.block
        k = torch.arange(self.block).view(1, 1, -1)
        return (t + u + k).reshape(self.tile * new_size * self.block)

    def unit_of_coordinate(self, size: int) -> Tensor:
        """For each coordinate of the axis, the unit it belongs to.

        >>> AxisAction("w", 0, "out", block=2, tile=2).unit_of_coordinate(2).tolist()
        [0, 0, 1, 1, 0, 0, 1, 1]
        """
        return torch.arange(size).repeat_interleave(self.block).repeat(self.tile)


@dataclass(frozen=True)
class PermGroup:
    """One factor ``S_size`` of an architecture's symmetry group and every axis it acts on.

    ``widenable`` is False where duplicating units would change the function (coordinates read
    by a layer norm, whose mean and variance depend on the number of coordinates).

    >>> g = PermGroup("hidden0", 3, (AxisAction("fc0.weight", 0, "out"),))
    >>> g.tensors()
    ('fc0.weight',)
    """

    name: str
    size: int
    actions: tuple[AxisAction, ...]
    widenable: bool = True

    def tensors(self) -> tuple[str, ...]:
        """The names of the tensors this group touches."""
        return tuple(dict.fromkeys(a.tensor for a in self.actions))


@dataclass(frozen=True)
class LayerAction:
    """How the symmetry acts on the coordinates of a named layer's features: the group (None
    when the layer is invariant, e.g. logits) and the layout of its units (see
    :class:`AxisAction`).

    >>> LayerAction("hidden0", 3).permutation_index(torch.tensor([2, 0, 1])).tolist()
    [2, 0, 1]
    >>> LayerAction("heads", 2, block=2).permutation_index(torch.tensor([1, 0])).tolist()
    [2, 3, 0, 1]
    """

    group: str | None
    size: int
    block: int = 1
    tile: int = 1

    @property
    def width(self) -> int:
        """The number of feature coordinates."""
        return self.tile * self.size * self.block

    def permutation_index(self, sigma: Tensor) -> Tensor:
        """The coordinate permutation (``π[j]`` = image of coordinate ``j``) induced by the unit
        permutation ``sigma``."""
        inverse = torch.argsort(sigma)
        source = AxisAction("", 0, "out", self.block, self.tile).source_index(inverse, self.size)
        return torch.argsort(source)


@dataclass(frozen=True)
class SymmetrySpec:
    """The declared permutation symmetry of an architecture: an ordered tuple of groups, which
    act on disjoint tensor axes (so they commute and their product acts).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> MLP((2, 3, 4, 2)).symmetry.group.sizes
    (3, 4)
    """

    owner: str
    groups: tuple[PermGroup, ...]
    _by_name: dict[str, PermGroup] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {g.name: g for g in self.groups}
        if len(by_name) != len(self.groups):
            raise ShapeError(f"symmetry of {self.owner} names a group twice", "Give each group a unique name")
        seen: dict[tuple[str, int], str] = {}
        for g in self.groups:
            for a in g.actions:
                key = (a.tensor, a.axis)
                if key in seen:
                    raise ShapeError(
                        f"symmetry of {self.owner}: groups {seen[key]} and {g.name} both act on axis "
                        f"{a.axis} of {a.tensor}",
                        "Each tensor axis may carry at most one group, so that the groups commute",
                    )
                seen[key] = g.name
        object.__setattr__(self, "_by_name", by_name)

    @property
    def group(self) -> SymmetryGroup:
        """The Perm object ``S(n1, …, nk)`` acting on the parameters (one factor per group)."""
        return Perm.group(*(g.size for g in self.groups), name=f"Sym({self.owner})")

    def names(self) -> tuple[str, ...]:
        """The group names, in factor order."""
        return tuple(g.name for g in self.groups)

    def __getitem__(self, name: str) -> PermGroup:
        try:
            return self._by_name[name]
        except KeyError:
            raise ShapeError(
                f"{self.owner} has no symmetry group {name!r}", f"Its groups are {list(self._by_name)}"
            ) from None

    def validate(self, params: Mapping[str, Tensor]) -> None:
        """Check that every declared axis exists and has the declared length.

        >>> import torch
        >>> from catdyn.backends.torch.models.architectures import MLP
        >>> net = MLP((2, 3, 2))
        >>> net.symmetry.validate(net.init(torch.Generator().manual_seed(0)))
        """
        for g in self.groups:
            for a in g.actions:
                if a.tensor not in params:
                    raise ShapeError(
                        f"symmetry group {g.name} of {self.owner} acts on {a.tensor}, which is not a parameter",
                        f"Parameters are {list(params)}",
                    )
                shape = tuple(params[a.tensor].shape)
                if a.axis >= len(shape) or shape[a.axis] != a.length(g.size):
                    raise ShapeError(
                        f"symmetry group {g.name} of {self.owner} expects axis {a.axis} of {a.tensor} to "
                        f"have length {a.length(g.size)}, but the tensor has shape {shape}",
                        "Fix the architecture's symmetry declaration",
                    )


def element_dict(arch: Architecture, sigma: GroupElement) -> dict[str, Tensor]:
    """A group element as ``{group name: long tensor}``, checked against the declared sizes.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> element_dict(MLP((2, 3, 2)), {"hidden0": [1, 2, 0]})["hidden0"].tolist()
    [1, 2, 0]
    """
    spec = arch.symmetry
    if isinstance(sigma, Permutation):
        if sigma.dom != spec.group:
            raise ShapeError(
                f"permutation {sigma.name} lives in {sigma.dom.name} {sigma.dom.sizes}, but {arch.name}'s "
                f"symmetry group is {spec.group.name} {spec.group.sizes}",
                "Draw the element from arch.symmetry.group",
            )
        return {
            g.name: torch.as_tensor(np.array(p), dtype=torch.long) for g, p in zip(spec.groups, sigma.perms)
        }
    out: dict[str, Tensor] = {}
    for name, p in sigma.items():
        g = spec[name]
        t = torch.as_tensor(np.asarray(p) if not isinstance(p, Tensor) else p, dtype=torch.long)
        if t.shape != (g.size,) or not torch.equal(torch.sort(t).values, torch.arange(g.size)):
            raise ShapeError(
                f"element for group {name} of {arch.name} must be a permutation of 0 … {g.size - 1}, "
                f"got {t.tolist()}",
                "Give each group a permutation of its units",
            )
        out[name] = t
    return out


def to_permutation(arch: Architecture, sigma: GroupElement, name: str = "σ") -> Permutation:
    """A group element as a Perm morphism of ``arch.symmetry.group`` (missing groups fixed).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> to_permutation(MLP((2, 3, 2)), {"hidden0": [1, 2, 0]}).perms[0].tolist()
    [1, 2, 0]
    """
    if isinstance(sigma, Permutation):
        element_dict(arch, sigma)
        return sigma
    d = element_dict(arch, sigma)
    perms = [d[g.name].numpy() if g.name in d else np.arange(g.size) for g in arch.symmetry.groups]
    return Perm.element(arch.symmetry.group, *perms, name=name)


def permute(arch: Architecture, params: Mapping[str, Tensor], sigma: GroupElement) -> dict[str, Tensor]:
    """``σ·θ``: the parameter dict with every declared axis permuted (a new dict; tensors not
    touched by ``σ`` are shared, not copied). The network computes the same function.

    ``params`` must be exactly ``arch``'s parameters (every tensor, its shape, nothing else):
    otherwise an :class:`~catdyn.errors.ArchitectureError` (a ShapeError) names the tensor, rather
    than a row being dropped silently.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import GRU
    >>> net = GRU(2, 3, 2)
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> moved = permute(net, theta, {"hidden": [1, 2, 0]})
    >>> x = torch.randn(4, 5, 2)
    >>> bool(torch.allclose(net.apply(moved, x), net.apply(theta, x), atol=1e-6))
    True
    """
    arch.check_params(params)
    elements = element_dict(arch, sigma)
    out = dict(params)
    for g in arch.symmetry.groups:
        s = elements.get(g.name)
        if s is None:
            continue
        inverse = torch.argsort(s)
        for a in g.actions:
            t = out[a.tensor]
            index = a.source_index(inverse, g.size).to(t.device)
            out[a.tensor] = t.index_select(a.axis, index)
    return out


def random_element(arch: Architecture, generator: torch.Generator) -> dict[str, Tensor]:
    """A uniformly random element, one permutation per group.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> sorted(random_element(MLP((2, 3, 4, 2)), torch.Generator().manual_seed(0)))
    ['hidden0', 'hidden1']
    """
    return {g.name: torch.randperm(g.size, generator=generator) for g in arch.symmetry.groups}


def permutation_matrix(
    arch: Architecture, layer: str, sigma: GroupElement, dtype: torch.dtype = torch.float32
) -> Tensor:
    """``P_σ`` on the coordinates of ``layer``'s features: ``P[π[j], j] = 1`` where ``π`` is the
    coordinate permutation induced by ``σ`` (the identity for layers no group acts on). With
    features as rows, ``features(σ·θ) = features(θ) @ P_σ.T``.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> permutation_matrix(MLP((2, 3, 2)), "hidden0", {"hidden0": [1, 2, 0]}).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    pi = coordinate_permutation(arch, layer, sigma)
    n = pi.numel()
    out = torch.zeros(n, n, dtype=dtype)
    out[pi, torch.arange(n)] = 1
    return out


def coordinate_permutation(arch: Architecture, layer: str, sigma: GroupElement) -> Tensor:
    """The permutation ``π`` of ``layer``'s feature coordinates induced by ``σ`` (``π[j]`` is the
    image of coordinate ``j``).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> coordinate_permutation(MLP((2, 3, 2)), "logits", {"hidden0": [1, 2, 0]}).tolist()
    [0, 1]
    """
    action = arch.layer_action(layer)
    if action.group is None:
        return torch.arange(action.width)
    s = element_dict(arch, sigma).get(action.group)
    if s is None:
        return torch.arange(action.width)
    return action.permutation_index(s)
