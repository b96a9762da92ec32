"""Sharpness: the top eigenvalue of the loss Hessian, by power iteration on Hessian-vector
products (``torch.func.jvp`` of ``torch.func.grad``; the Hessian is never formed).

Power iteration finds the eigenvalue of largest magnitude. If that one is negative (a
saddle), a second run on ``H − λ₁I`` (whose dominant eigenvalue is ``λ_max − λ₁ ≥ 0``)
recovers the largest algebraic eigenvalue, which is what is returned. Batch-norm running
statistics (``arch.buffers()``) are held fixed, not differentiated.

>>> import torch
>>> A = torch.diag(torch.tensor([3.0, -5.0, 1.0], dtype=torch.float64))
>>> quad = lambda p: 0.5 * p["w"] @ A @ p["w"]
>>> r = top_eigenvalue(quad, {"w": torch.ones(3, dtype=torch.float64)}, seed=0)
>>> round(r.eigenvalue, 4), r.converged
(3.0, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture

Params = dict[str, Tensor]


@dataclass(frozen=True)
class Sharpness:
    """The top Hessian eigenvalue, the dominant-magnitude one met on the way, the iterations
    used and whether the relative change fell under the tolerance.

    >>> Sharpness(2.0, 2.0, 10, True).eigenvalue
    2.0
    """

    eigenvalue: float
    dominant: float
    iterations: int
    converged: bool


def hvp(loss: Callable[[Params], Tensor], params: Mapping[str, Tensor], v: Mapping[str, Tensor]) -> Params:
    """The Hessian-vector product ``H v`` of ``loss`` at ``params`` (forward-over-reverse).

    >>> f = lambda p: (p["x"] ** 3).sum()
    >>> hvp(f, {"x": torch.tensor([1.0, 2.0])}, {"x": torch.tensor([1.0, 1.0])})["x"].tolist()
    [6.0, 12.0]
    """
    return torch.func.jvp(torch.func.grad(loss), (dict(params),), (dict(v),))[1]


def _dot(a: Mapping[str, Tensor], b: Mapping[str, Tensor]) -> Tensor:
    return sum((a[k] * b[k]).sum() for k in a)  # type: ignore[return-value]


def _power(
    op: Callable[[Params], Params], like: Mapping[str, Tensor], iters: int, tol: float, seed: int
) -> tuple[float, int, bool]:
    gen = torch.Generator().manual_seed(int(seed))
    v = {k: torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device) for k, t in like.items()}
    norm = torch.sqrt(_dot(v, v))
    v = {k: t / norm for k, t in v.items()}
    lam = 0.0
    for i in range(1, iters + 1):
        hv = op(v)
        new = float(_dot(v, hv))
        norm = torch.sqrt(_dot(hv, hv))
        if float(norm) == 0.0:
            return 0.0, i, True
        v = {k: t / norm for k, t in hv.items()}
        if i > 1 and abs(new - lam) <= tol * max(abs(new), 1e-12):
            return new, i, True
        lam = new
    return lam, iters, False


def top_eigenvalue(
    loss: Callable[[Params], Tensor],
    params: Mapping[str, Tensor],
    *,
    iters: int = 200,
    tol: float = 1e-7,
    seed: int = 0,
) -> Sharpness:
    """The largest eigenvalue of the Hessian of ``loss`` (a function of a parameter dict) at
    ``params``."""
    p = {k: t.detach() for k, t in params.items()}

    def op(v: Params) -> Params:
        return hvp(loss, p, v)

    dominant, n1, ok1 = _power(op, p, iters, tol, seed)
    if dominant >= 0:
        return Sharpness(dominant, dominant, n1, ok1)

    def shifted(v: Params) -> Params:
        hv = op(v)
        return {k: hv[k] - dominant * v[k] for k in hv}

    gap, n2, ok2 = _power(shifted, p, iters, tol, seed + 1)
    return Sharpness(gap + dominant, dominant, n1 + n2, ok1 and ok2)


def sharpness(
    arch: Architecture,
    params: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    *,
    iters: int = 100,
    tol: float = 1e-5,
    seed: int = 0,
) -> Sharpness:
    """The top Hessian eigenvalue of the mean cross-entropy of ``arch`` on ``(x, y)`` with
    respect to its trainable parameters (buffers held fixed).

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((3, 4, 2))
    >>> th = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> sharpness(net, th, x, torch.arange(20) % 2).eigenvalue > 0
    True
    """
    buffers = set(arch.buffers())
    fixed = {k: v.detach() for k, v in params.items() if k in buffers}
    train = {k: v.detach() for k, v in params.items() if k not in buffers}

    def loss(p: Params) -> Tensor:
        return F.cross_entropy(arch.apply({**p, **fixed}, x), y)

    return top_eigenvalue(loss, train, iters=iters, tol=tol, seed=seed)
