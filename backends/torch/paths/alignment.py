"""Symmetry alignment: the element of an architecture's symmetry group that best matches one
network to another, as a morphism of Perm applied through the declared symmetry.

Two networks trained from different seeds compute similar functions with their hidden units in
different orders. Before measuring a barrier between them, catdyn moves the second network
``θ_b`` by a permutation ``σ`` of the architecture's symmetry group (a
:class:`~catdyn.categories.perm.Permutation` of ``arch.symmetry.group``), so that
``σ·θ_b`` — which computes exactly the same function — lies close to ``θ_a``.

* :func:`weight_matching` (as in Ainsworth et al., *Git Re-Basin*): maximise
  ``Σ_tensors ⟨θ_a, σ·θ_b⟩`` by coordinate descent over the groups; with the other groups held
  fixed, the best permutation of one group is a linear assignment problem over its units
  (:func:`scipy.optimize.linear_sum_assignment` on the ``size × size`` matrix of unit
  similarities summed over every tensor axis the group acts on). Sweeps repeat, in a seeded
  random order, until no group changes.
* :func:`activation_matching`: for every group with feature layers, the linear assignment of
  the units' activations on probe inputs (correlation by default); groups without a feature
  layer are then weight-matched with the others held fixed.

Every group's action is read from ``arch.symmetry`` (its :class:`AxisAction` blocks and tiles
included), so any architecture with a declared symmetry is aligned by the same code. Running
statistics of batch norm are moved by ``σ`` but not used to choose it.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> from catdyn.backends.torch.models.symmetry import permute, random_element
>>> net = MLP((4, 16, 16, 3))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> tau = random_element(net, torch.Generator().manual_seed(1))
>>> shuffled = permute(net, theta, tau)
>>> result = weight_matching(net, theta, shuffled)
>>> aligned = permute(net, shuffled, result.permutation)
>>> all(torch.equal(aligned[k], theta[k]) for k in theta)
True
>>> result.permutation.dom == net.symmetry.group
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.models.symmetry import (
    AxisAction,
    GroupElement,
    PermGroup,
    element_dict,
    permutation_matrix,
    permute,
    random_element,
    to_permutation,
)
from catdyn.categories.perm import Permutation
from catdyn.errors import HomotopyError

Params = dict[str, Tensor]


@dataclass(frozen=True)
class Alignment:
    """The result of an alignment: the Perm morphism ``permutation`` (apply it to ``θ_b`` with
    :func:`~catdyn.backends.torch.models.symmetry.permute`), the method, how many sweeps coordinate
    descent took and whether it stopped because nothing changed, and the matching objective
    ``Σ⟨θ_a, σ·θ_b⟩`` (weights) before and after.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> t = net.init(torch.Generator().manual_seed(0))
    >>> r = weight_matching(net, t, t)
    >>> r.method, r.converged, [p.tolist() for p in r.permutation.perms]
    ('weight', True, [[0, 1, 2]])
    """

    permutation: Permutation
    method: str
    sweeps: int
    converged: bool
    objective_before: float
    objective_after: float
    extra: dict[str, Any] = field(default_factory=dict)


def _unit_matrix(t: Tensor, action: AxisAction, size: int) -> Tensor:
    """``t`` with the group's axis turned into rows of units: ``(size, everything else)``."""
    moved = t.movedim(action.axis, 0)
    rest = moved.shape[1:]
    m = moved.reshape(action.tile, size, action.block, *rest).movedim(1, 0)
    return m.reshape(size, -1)


def _group_cost(
    arch: Architecture,
    group: PermGroup,
    a: Mapping[str, Tensor],
    b_moved: Mapping[str, Tensor],
    own: Tensor | None = None,
) -> Tensor:
    """``C[i, j] = Σ ⟨unit i of θ_a, unit j of θ_b⟩`` over every axis the group acts on.

    Where the group acts on *two* axes of one tensor (a recurrent weight), the other axis of
    ``θ_b`` is first moved by the group's current estimate ``own`` (coordinate descent within
    the group; the problem is then quadratic, not one assignment)."""
    skip = set(arch.buffers())
    cost = torch.zeros(group.size, group.size, dtype=torch.float64)
    for action in group.actions:
        if action.tensor in skip:
            continue
        tb = b_moved[action.tensor].detach().to("cpu", torch.float64)
        if own is not None:
            inverse = torch.argsort(own)
            for other in group.actions:
                if other.tensor == action.tensor and other.axis != action.axis:
                    tb = tb.index_select(other.axis, other.source_index(inverse, group.size))
        ua = _unit_matrix(a[action.tensor].detach().to("cpu", torch.float64), action, group.size)
        ub = _unit_matrix(tb, action, group.size)
        # numpy for these small products: torch's thread pool costs more than the product
        cost += torch.from_numpy(ua.numpy() @ ub.numpy().T)
    return cost


def _assign(cost: Tensor) -> Tensor:
    """The permutation ``σ`` of ``θ_b``'s units maximising ``Σ_j C[σ[j], j]``: unit ``j`` of
    ``θ_b`` goes to the position of the unit of ``θ_a`` it is matched with."""
    rows, cols = linear_sum_assignment(cost.numpy(), maximize=True)
    sigma = np.empty(cost.shape[0], dtype=np.int64)
    sigma[cols] = rows
    return torch.as_tensor(sigma)


def _score(cost: Tensor, sigma: Tensor) -> float:
    """``Σ_j C[σ[j], j]``: the similarity of the matching ``σ``."""
    return float(cost[sigma, torch.arange(cost.shape[0])].sum())


def matching_objective(arch: Architecture, a: Mapping[str, Tensor], b: Mapping[str, Tensor]) -> float:
    """``Σ ⟨θ_a, θ_b⟩`` over the tensors the symmetry acts on (statistics excluded).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((1, 1, 1))
    >>> t = {"fc0.weight": torch.tensor([[2.0]]), "fc0.bias": torch.tensor([1.0]),
    ...      "fc1.weight": torch.tensor([[3.0]]), "fc1.bias": torch.tensor([5.0])}
    >>> matching_objective(net, t, t)   # 4 + 1 + 9 (fc1.bias is not acted on)
    14.0
    """
    skip = set(arch.buffers())
    names = {ac.tensor for g in arch.symmetry.groups for ac in g.actions} - skip
    return float(sum((a[k].double() * b[k].double()).sum() for k in sorted(names)))


def weight_matching(
    arch: Architecture,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    *,
    max_sweeps: int = 100,
    seed: int = 0,
    groups: Sequence[str] | None = None,
    init: GroupElement | None = None,
) -> Alignment:
    """Align ``θ_b`` to ``θ_a`` by weight matching (coordinate descent over ``groups``, default
    all; the others stay at ``init``, default the identity). Each sweep visits the groups in a
    random order drawn from ``seed``; it stops after a sweep in which no group changed.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import CNN
    >>> from catdyn.backends.torch.models.symmetry import permute, random_element
    >>> net = CNN((1, 8, 8), (4, 6), 10)
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> moved = permute(net, theta, random_element(net, torch.Generator().manual_seed(3)))
    >>> r = weight_matching(net, theta, moved)
    >>> all(torch.equal(permute(net, moved, r.permutation)[k], theta[k]) for k in theta)
    True
    """
    spec = arch.symmetry
    if list(a) != list(b):
        raise HomotopyError.mismatched_models(list(a), list(b))
    current = {g.name: torch.arange(g.size) for g in spec.groups}
    if init is not None:
        current.update(element_dict(arch, init))
    todo = list(groups) if groups is not None else list(spec.names())
    for name in todo:
        spec[name]
    rng = np.random.default_rng(seed)
    # one float64 CPU copy of each model, reused by every sweep
    a = {k: v.detach().to("cpu", torch.float64) for k, v in a.items()}
    b = {k: v.detach().to("cpu", torch.float64) for k, v in b.items()}
    before = matching_objective(arch, a, permute(arch, b, current))
    sweeps, converged = 0, not todo
    while todo and sweeps < max_sweeps:
        sweeps += 1
        changed = False
        for k in rng.permutation(len(todo)):
            g = spec[todo[k]]
            others = {n: p for n, p in current.items() if n != g.name}
            cost = _group_cost(arch, g, a, permute(arch, b, others), current[g.name])
            new = _assign(cost)
            old = current[g.name]
            # keep the old permutation on ties, so that descent cannot cycle
            gain = _score(cost, new) - _score(cost, old)
            if not torch.equal(new, old) and gain > 1e-12 * (1 + float(cost.abs().max())):
                current[g.name] = new
                changed = True
        if not changed:
            converged = True
            break
    after = matching_objective(arch, a, permute(arch, b, current))
    return Alignment(to_permutation(arch, current, name="σ_wm"), "weight", sweeps, converged, before, after)


def _feature_units(z: Tensor, arch: Architecture, layer: str) -> Tensor:
    """Features ``(N, width)`` of ``layer`` as ``(size, samples·tile·block)`` unit rows."""
    action = arch.layer_action(layer)
    n = z.shape[0]
    m = z.reshape(n, action.tile, action.size, action.block).permute(2, 0, 1, 3)
    return m.reshape(action.size, -1)


def activation_matching(
    arch: Architecture,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    x: Tensor,
    *,
    similarity: Literal["correlation", "inner"] = "correlation",
    seed: int = 0,
) -> Alignment:
    """Align ``θ_b`` to ``θ_a`` by matching the activations of every group's feature layers on
    the probe inputs ``x`` (one linear assignment per group; groups without a feature layer are
    weight-matched afterwards with the rest held fixed).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.models.symmetry import permute, random_element
    >>> net = MLP((4, 12, 8, 3))
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> moved = permute(net, theta, random_element(net, torch.Generator().manual_seed(1)))
    >>> r = activation_matching(net, theta, moved, torch.randn(200, 4))
    >>> all(torch.allclose(permute(net, moved, r.permutation)[k], theta[k]) for k in theta)
    True
    """
    spec = arch.symmetry
    layers_of: dict[str, list[str]] = {g.name: [] for g in spec.groups}
    for layer in arch.layers():
        group = arch.layer_action(layer).group
        if group is not None:
            layers_of[group].append(layer)
    current = {g.name: torch.arange(g.size) for g in spec.groups}
    with torch.no_grad():
        for g in spec.groups:
            if not layers_of[g.name]:
                continue
            cost = torch.zeros(g.size, g.size, dtype=torch.float64)
            for layer in layers_of[g.name]:
                za = _feature_units(arch.features(a, x, layer).double().cpu(), arch, layer)
                zb = _feature_units(arch.features(b, x, layer).double().cpu(), arch, layer)
                if similarity == "correlation":
                    za = za - za.mean(1, keepdim=True)
                    zb = zb - zb.mean(1, keepdim=True)
                    za = za / (za.norm(dim=1, keepdim=True) + 1e-12)
                    zb = zb / (zb.norm(dim=1, keepdim=True) + 1e-12)
                elif similarity != "inner":
                    raise HomotopyError.bad_option("similarity", similarity, "'correlation' or 'inner'")
                cost += za @ zb.T
            current[g.name] = _assign(cost)
    rest = [name for name, layers in layers_of.items() if not layers]
    before = matching_objective(arch, a, b)
    if rest:
        wm = weight_matching(arch, a, b, groups=rest, init=current, seed=seed)
        current = element_dict(arch, wm.permutation)
    after = matching_objective(arch, a, permute(arch, b, current))
    return Alignment(
        to_permutation(arch, current, name="σ_am"),
        "activation",
        1,
        True,
        before,
        after,
        extra={"weight_matched_groups": rest, "similarity": similarity},
    )


def align(
    arch: Architecture,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    method: Literal["weight", "activation", "none"] = "weight",
    x: Tensor | None = None,
    seed: int = 0,
) -> tuple[Params, Alignment | None]:
    """``σ·θ_b`` aligned to ``θ_a`` and the alignment (``method="none"`` returns ``θ_b``).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 4, 2))
    >>> a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    >>> moved, r = align(net, a, b)
    >>> r.objective_after >= r.objective_before
    True
    """
    if method == "none":
        return dict(b), None
    if method == "weight":
        r = weight_matching(arch, a, b, seed=seed)
    elif method == "activation":
        if x is None:
            raise HomotopyError.bad_option("x", None, "probe inputs for activation matching")
        r = activation_matching(arch, a, b, x, seed=seed)
    else:
        raise HomotopyError.bad_option("method", method, "'weight', 'activation' or 'none'")
    return permute(arch, b, r.permutation), r


def _scaled_tolerances(arch: Architecture, params: Mapping[str, Tensor], x: Tensor, atol: float) -> tuple[Any, Any]:
    """Comparisons for outputs and for features within ``atol`` times their largest magnitude
    on ``x`` (at least 1): rounding grows with the size of what a permuted network sums."""
    from catdyn.checker.law import approx

    with torch.no_grad():
        out_scale = float(arch.apply(params, x).abs().max())
        feat_scale = max(float(arch.features(params, x, layer).abs().max()) for layer in arch.layers())
    return approx(rtol=0.0, atol=atol * max(1.0, out_scale)), approx(rtol=0.0, atol=atol * max(1.0, feat_scale))


def alignment_laws(
    arch: Architecture,
    theta: Mapping[str, Tensor],
    other: Mapping[str, Tensor],
    x: Tensor,
    *,
    atol: float = 1e-5,
) -> list[Any]:
    """Laws an alignment must satisfy, as :class:`~catdyn.checker.law.Law` objects over random
    symmetry elements ``τ`` (drawn by hypothesis from seeds):

    1. *the aligned network computes the same function*: ``f(σ·θ_b)(x) = f(θ_b)(x)`` where ``σ``
       aligns ``θ_b = other`` to ``θ_a = theta`` (checked for ``τ·other`` too);
    2. *realisation is equivariant*: ``features(σ·θ_b) = features(θ_b)·P_σᵀ`` at every layer;
    3. *alignment inverts a planted permutation*: weight matching of ``τ·θ`` to ``θ`` gives
       back ``θ`` exactly (so the linear path between them has zero barrier).

    Laws 1 and 2 compare up to ``atol`` times the largest magnitude of the compared values
    (at least 1): a permuted network sums the same terms in another order, so its rounding
    grows with the size of what it sums (a trained CNN's logits of about 16 differed by 1e-5 in
    float32), while a wrong permutation moves the outputs by about their own size.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.checker.law import CheckConfig, check_law
    >>> net = MLP((3, 6, 2))
    >>> t0, t1 = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    >>> laws = alignment_laws(net, t0, t1, torch.randn(16, 3))
    >>> [check_law(law, CheckConfig(examples=3, seed=0)).status for law in laws]
    ['held', 'held', 'held']
    """
    from hypothesis import strategies as st

    from catdyn.checker.law import Law, approx

    def moved_other(seed: int) -> Params:
        return permute(arch, other, random_element(arch, torch.Generator().manual_seed(seed)))

    def aligned_output(seed: int) -> Tensor:
        b = moved_other(seed)
        r = weight_matching(arch, theta, b)
        return arch.apply(permute(arch, b, r.permutation), x)

    def realised(seed: int) -> tuple[Tensor, ...]:
        b = moved_other(seed)
        r = weight_matching(arch, theta, b)
        moved = permute(arch, b, r.permutation)
        return tuple(arch.features(moved, x, layer) for layer in arch.layers())

    def realised_then_permuted(seed: int) -> tuple[Tensor, ...]:
        b = moved_other(seed)
        r = weight_matching(arch, theta, b)
        return tuple(
            arch.features(b, x, layer)
            @ permutation_matrix(arch, layer, r.permutation, x.dtype).to(x.device).T
            for layer in arch.layers()
        )

    def recovered(seed: int) -> Params:
        shuffled = permute(arch, theta, random_element(arch, torch.Generator().manual_seed(seed)))
        r = weight_matching(arch, theta, shuffled)
        return permute(arch, shuffled, r.permutation)

    seeds = st.integers(0, 2**31 - 1).map(lambda s: (s,))
    out_tol, feat_tol = _scaled_tolerances(arch, other, x, atol)
    subject = arch.name
    return [
        Law(
            "aligned network computes the same function",
            "alignment",
            aligned_output,
            lambda s: arch.apply(moved_other(s), x),
            arguments=seeds,
            argnames=("seed",),
            compare=out_tol,
            subject=subject,
            statement="f(σ·θ_b) = f(θ_b), σ = weight_matching(θ_a, θ_b)",
        ),
        Law(
            "realisation of the aligned network is the permuted realisation",
            "alignment",
            realised,
            realised_then_permuted,
            arguments=seeds,
            argnames=("seed",),
            compare=feat_tol,
            subject=subject,
            statement="features(σ·θ_b) = features(θ_b) · P_σᵀ at every layer",
        ),
        Law(
            "weight matching inverts a planted permutation",
            "alignment",
            lambda s: tuple(recovered(s).values()),
            lambda s: tuple(theta.values()),
            arguments=seeds,
            argnames=("seed",),
            compare=approx(rtol=0.0, atol=0.0),
            subject=subject,
            statement="σ·(τ·θ) = θ for σ = weight_matching(θ, τ·θ)",
        ),
    ]
