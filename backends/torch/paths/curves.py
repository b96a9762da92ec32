"""Curved paths between two minima (Garipov et al. 2018): Bézier curves and polygonal chains
whose interior control points are trained to make the whole curve low-loss.

A curve ``φ: [0, 1] → Θ`` with ``φ(0) = θ_a`` and ``φ(1) = θ_b`` is fixed by ``k`` control
points ``c₁ … c_k``:

* ``"bezier"`` — ``φ(t) = Σ_i B_{i,k+1}(t)·p_i`` with ``p = (θ_a, c₁, …, c_k, θ_b)`` and the
  Bernstein polynomials ``B_{i,n}(t) = C(n, i)·tⁱ(1 − t)ⁿ⁻ⁱ`` (one control point: the quadratic
  ``(1 − t)²θ_a + 2t(1 − t)c + t²θ_b``);
* ``"polychain"`` — straight segments through ``θ_a, c₁, …, c_k, θ_b`` at equally spaced ``t``.

:func:`fit_curve` minimises ``E_{t ∼ U[0,1]} L(φ(t))`` over the control points with Adam, the
endpoints fixed, evaluating several ``t`` per step in one batched pass (stratified samples).
The loss is any function of *stacked* parameters (one value per point), so the same fitting
works for a network (:func:`network_loss`) and for a synthetic landscape. The fitted curve's
profile (:meth:`CurveFit.profile`) is a :class:`~catdyn.backends.torch.paths.interpolation.PathProfile`
and gives both named barriers. Two minima are *connected at level c* if some path between them
— the straight line or a fitted curve — has barrier ≤ c (:func:`connected`).

A ring-shaped valley ``L(w) = (|w|² − 1)²``: the straight line from (1, 0) to (−1, 0) crosses
the peak at the origin, a fitted Bézier curve goes round.

>>> import torch
>>> ring = lambda p: (p["w"].pow(2).sum(-1) - 1) ** 2
>>> a, b = {"w": torch.tensor([1.0, 0.0])}, {"w": torch.tensor([-1.0, 0.0])}
>>> fit = fit_curve(ring, a, b, steps=300, lr=0.05, seed=0)
>>> ts = torch.linspace(0, 1, 21)
>>> line = ring({"w": torch.stack([(1 - t) * a["w"] + t * b["w"] for t in ts])})
>>> float(line.max()), float(ring(fit.points(ts)).max()) < 0.1
(1.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.backends.torch.paths.interpolation import (
    BNMode,
    PathProfile,
    alpha_grid,
    as_splits,
    profile_points,
)
from catdyn.errors import HomotopyError

Params = dict[str, Tensor]
Kind = Literal["bezier", "polychain"]
StackedLoss = Callable[[Params], Tensor]
"""A loss of stacked parameters ``{name: (T, ...)}`` returning ``(T,)`` values (differentiable)."""


def bezier_weights(ts: Tensor, n_controls: int) -> Tensor:
    """The Bernstein weights ``(T, n_controls + 2)`` of the points ``(θ_a, c₁…c_k, θ_b)``.

    >>> bezier_weights(torch.tensor([0.0, 0.5, 1.0]), 1).tolist()
    [[1.0, 0.0, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]]
    """
    n = n_controls + 1
    i = torch.arange(n + 1, dtype=ts.dtype)
    binom = torch.tensor([math.comb(n, int(k)) for k in range(n + 1)], dtype=ts.dtype)
    t = ts.reshape(-1, 1)
    return binom * t**i * (1 - t) ** (n - i)


def polychain_weights(ts: Tensor, n_controls: int) -> Tensor:
    """The piecewise-linear weights ``(T, n_controls + 2)``: the chain visits point ``i`` at
    ``t = i / (k + 1)``.

    >>> polychain_weights(torch.tensor([0.0, 0.25, 0.5, 1.0]), 1).tolist()
    [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    n = n_controls + 1
    knots = torch.arange(n + 1, dtype=ts.dtype) / n
    return torch.clamp(1 - (ts.reshape(-1, 1) - knots).abs() * n, min=0.0)


def curve_points(
    a: Mapping[str, Tensor],
    controls: Sequence[Mapping[str, Tensor]],
    b: Mapping[str, Tensor],
    ts: Tensor,
    kind: Kind = "bezier",
) -> Params:
    """The curve's parameters at every ``t``, stacked (differentiable in the controls).

    >>> import torch
    >>> p = curve_points({"w": torch.zeros(1)}, [{"w": torch.ones(1)}], {"w": torch.zeros(1)}, torch.tensor([0.5]))
    >>> p["w"].tolist()
    [[0.5]]
    """
    if kind == "bezier":
        weights = bezier_weights(ts, len(controls))
    elif kind == "polychain":
        weights = polychain_weights(ts, len(controls))
    else:
        raise HomotopyError.bad_option("kind", kind, "'bezier' or 'polychain'")
    out: Params = {}
    for k, ta in a.items():
        pts = torch.stack([ta, *(c[k] for c in controls), b[k]])  # (k+2, ...)
        w = weights.to(ta.dtype if ta.is_floating_point() else torch.float32).to(ta.device)
        out[k] = torch.tensordot(w, pts, dims=1)
    return out


@dataclass
class CurveFit:
    """A fitted curve: endpoints, trained control points, kind, and the training loss history
    (mean over the sampled ``t`` at each step).

    >>> import torch
    >>> c = CurveFit({"w": torch.zeros(1)}, {"w": torch.ones(1)}, [{"w": torch.ones(1)}], "polychain")
    >>> c.points(torch.tensor([0.25]))["w"].tolist()
    [[0.5]]
    """

    a: Params
    b: Params
    controls: list[Params]
    kind: Kind = "bezier"
    history: list[float] = field(default_factory=list)

    def points(self, ts: Tensor) -> Params:
        """The curve at ``ts``, stacked."""
        with torch.no_grad():
            return curve_points(self.a, self.controls, self.b, ts, self.kind)

    def profile(self, arch: Architecture, data: Any, *, points: int = 25, bn: BNMode = "auto") -> PathProfile:
        """Loss and error along the curve at ``points`` equally spaced ``t`` (both splits)."""
        ts = alpha_grid(points)
        return profile_points(arch, self.points(ts.float()), ts, data, bn=bn, path=self.kind)


def fit_curve(
    loss: StackedLoss,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    *,
    kind: Kind = "bezier",
    n_controls: int = 1,
    steps: int = 200,
    lr: float = 0.01,
    samples: int = 8,
    seed: int = 0,
    trainable: Sequence[str] | None = None,
    noise: float = 1e-2,
) -> CurveFit:
    """Train ``n_controls`` control points (started on the straight line, plus Gaussian noise of
    ``noise`` times each tensor's distance scale ``|θ_b − θ_a|/√size``, so that a symmetric saddle
    does not hold them) so that the curve from ``a`` to ``b`` has low mean ``loss``: Adam,
    ``steps`` steps, ``samples`` stratified ``t`` per step. Only the entries named in
    ``trainable`` move (default: every floating-point entry).

    >>> import torch
    >>> bowl = lambda p: p["w"].pow(2).sum(-1)
    >>> fit = fit_curve(bowl, {"w": torch.tensor([1.0])}, {"w": torch.tensor([-1.0])}, steps=5)
    >>> len(fit.history), len(fit.controls)
    (5, 1)
    """
    if n_controls < 1:
        raise HomotopyError.bad_option("n_controls", n_controls, "at least 1")
    gen = torch.Generator().manual_seed(seed)
    names = list(trainable) if trainable is not None else [k for k, v in a.items() if v.is_floating_point()]
    controls: list[Params] = []
    for i in range(1, n_controls + 1):
        frac = i / (n_controls + 1)
        c = {}
        for k in a:
            v = ((1 - frac) * a[k] + frac * b[k]).detach().clone() if a[k].is_floating_point() else a[k]
            if k in names:
                scale = float((b[k] - a[k]).norm()) / math.sqrt(max(a[k].numel(), 1))
                v = v + noise * scale * torch.randn(v.shape, generator=gen, dtype=v.dtype).to(v.device)
                v.requires_grad_(True)
            c[k] = v
        controls.append(c)
    opt = torch.optim.Adam([c[k] for c in controls for k in names], lr=lr)
    history = []
    for _ in range(steps):
        u = torch.rand(samples, generator=gen, dtype=torch.float64)
        ts = ((torch.arange(samples, dtype=torch.float64) + u) / samples).float()
        value = loss(curve_points(a, controls, b, ts, kind)).mean()
        opt.zero_grad()
        value.backward()
        opt.step()
        history.append(float(value.detach()))
    frozen = [{k: v.detach() for k, v in c.items()} for c in controls]
    return CurveFit(dict(a), dict(b), frozen, kind, history)


def network_loss(
    arch: Architecture, data: Any, *, batch_size: int = 256, seed: int = 0, train_mode_bn: bool = True
) -> StackedLoss:
    """The mean cross-entropy of stacked networks on a fresh minibatch of the training split at
    each call (batch norm in training mode when the architecture has it).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.paths.interpolation import stack
    >>> net = MLP((2, 3, 2))
    >>> f = network_loss(net, (torch.randn(10, 2), torch.randint(0, 2, (10,))), batch_size=4)
    >>> f(stack([net.init(torch.Generator().manual_seed(0))] * 3)).shape
    torch.Size([3])
    """
    splits = as_splits(data)
    x, y = splits.get("train", next(iter(splits.values())))
    gen = torch.Generator().manual_seed(seed)
    train = bool(arch.buffers()) and train_mode_bn

    def loss(stacked: Params) -> Tensor:
        idx = torch.randperm(x.shape[0], generator=gen)[: min(batch_size, x.shape[0])]
        xb, yb = x[idx], y[idx]
        logits = torch.func.vmap(lambda p: arch.apply(p, xb, train=train))(stacked)
        t = logits.shape[0]
        return (
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.repeat(t), reduction="none")
            .reshape(t, -1)
            .mean(1)
        )

    return loss


def fit_network_curve(
    arch: Architecture,
    a: Mapping[str, Tensor],
    b: Mapping[str, Tensor],
    data: Any,
    *,
    kind: Kind = "bezier",
    n_controls: int = 1,
    steps: int = 300,
    lr: float = 0.01,
    samples: int = 8,
    batch_size: int = 256,
    seed: int = 0,
) -> CurveFit:
    """:func:`fit_curve` for two networks of ``arch`` on ``data``'s training split (batch-norm
    statistics are trained in no way: they are recomputed when the curve is profiled).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 4, 2))
    >>> a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    >>> data = (torch.randn(32, 2), torch.randint(0, 2, (32,)))
    >>> fit = fit_network_curve(net, a, b, data, steps=3)
    >>> fit.profile(net, data, points=3).path
    'bezier'
    """
    trainable = [k for k in a if k not in set(arch.buffers()) and a[k].is_floating_point()]
    loss = network_loss(arch, data, batch_size=batch_size, seed=seed)
    return fit_curve(
        loss,
        a,
        b,
        kind=kind,
        n_controls=n_controls,
        steps=steps,
        lr=lr,
        samples=samples,
        seed=seed,
        trainable=trainable,
    )


def connected(barriers: Sequence[float], threshold: float) -> bool:
    """Whether some path (its barrier among ``barriers``; NaN for paths not tried) is at or
    below ``threshold``.

    >>> connected([0.8, float("nan"), 0.05], 0.1), connected([0.8], 0.1)
    (True, False)
    """
    vals = np.asarray(barriers, dtype=float)
    vals = vals[~np.isnan(vals)]
    return bool(vals.size and vals.min() <= threshold)
