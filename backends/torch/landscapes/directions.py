"""Directions for k-D landscapes: the top Hessian eigenvectors, beside the random
filter-normalised ones of :func:`~catdyn.backends.torch.landscapes.landscape.random_directions`.

**Top eigenpairs** (:func:`top_eigenpairs`): block (subspace) iteration on Hessian-vector
products with a Rayleigh–Ritz step, ``k + oversample`` vectors at once; the Hessian is never
formed (each product differentiates the gradient's graph, built once, again). Block
iteration finds the eigenvalues of largest *magnitude*. If the k largest algebraic
eigenvalues cannot be read off those with certainty (a negative eigenvalue of large
magnitude, a saddle), the iteration is rerun on ``H − σI`` with ``σ`` the most negative Ritz
value found (then every eigenvalue is ≥ 0 and magnitude order is algebraic order) — the
same shift :func:`~catdyn.backends.torch.landscapes.sharpness.top_eigenvalue` uses for one.

**Hessian directions** (:func:`hessian_directions`): the top-k eigenvectors of the mean
cross-entropy's Hessian with respect to the trainable parameters, as parameter dicts of unit
Euclidean norm (buffers get zero), ready for ``loss_landscape(directions=…)``; an eigenvector's
sign is fixed so that its largest-magnitude entry is positive.

>>> import torch
>>> A = torch.diag(torch.tensor([3.0, -5.0, 1.0, 2.0], dtype=torch.float64))
>>> quad = lambda p: 0.5 * p["w"] @ A @ p["w"]
>>> pairs = top_eigenpairs(quad, {"w": torch.zeros(4, dtype=torch.float64)}, k=2, seed=0)
>>> [round(v, 6) for v in pairs.eigenvalues], pairs.converged
([3.0, 2.0], True)
>>> [int(d["w"].abs().argmax()) for d in pairs.vectors]
[0, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.errors import TopologyError

Params = dict[str, Tensor]


@dataclass(frozen=True)
class Eigenpairs:
    """The k largest eigenvalues (descending) with unit eigenvectors as parameter dicts, the
    Hessian-vector products used, whether the residuals fell under the tolerance, and the shift
    applied (0 unless a saddle forced one).

    >>> Eigenpairs((2.0,), [], 10, True, 0.0).eigenvalues
    (2.0,)
    """

    eigenvalues: tuple[float, ...]
    vectors: list[Params]
    products: int
    converged: bool
    shift: float


def flatten(p: Mapping[str, Tensor], names: Sequence[str]) -> Tensor:
    """The tensors ``p[name]`` of ``names`` as one vector.

    >>> flatten({"a": torch.ones(2, 2), "b": torch.zeros(1)}, ["b", "a"]).tolist()
    [0.0, 1.0, 1.0, 1.0, 1.0]
    """
    return torch.cat([p[n].reshape(-1) for n in names])


def unflatten(v: Tensor, like: Mapping[str, Tensor], names: Sequence[str]) -> Params:
    """The inverse of :func:`flatten`: ``v`` cut into tensors shaped like ``like[name]``.

    >>> unflatten(torch.arange(3.0), {"a": torch.zeros(1), "b": torch.zeros(2)}, ["a", "b"])["b"].tolist()
    [1.0, 2.0]
    """
    out, at = {}, 0
    for n in names:
        size = like[n].numel()
        out[n] = v[at : at + size].reshape(like[n].shape)
        at += size
    return out


def _block_iteration(
    op: Callable[[Tensor], Tensor], start: Tensor, k: int, iters: int, tol: float
) -> tuple[Tensor, Tensor, int, bool]:
    """Ritz values (by descending magnitude) and vectors of the dominant invariant subspace of
    the symmetric operator ``op`` (columns → columns), from the ``(n, m)`` block ``start``;
    converged when the ``k`` algebraically largest Ritz pairs have residuals under ``tol``
    relative to the largest ``|θ|``."""
    v = torch.linalg.qr(start).Q
    theta, ritz, used = torch.zeros(0), v, 0
    for _ in range(iters):
        w = op(v)
        used += v.shape[1]
        t = v.T @ w
        theta, s = torch.linalg.eigh(0.5 * (t + t.T))
        order = torch.argsort(theta.abs(), descending=True)
        theta, s = theta[order], s[:, order]
        ritz, ws = v @ s, w @ s
        residual = (ws - ritz * theta).norm(dim=0)
        wanted = torch.argsort(theta, descending=True)[:k]
        if float(residual[wanted].max()) <= tol * max(float(theta.abs().max()), 1e-30):
            return theta, ritz, used, True
        v = torch.linalg.qr(ws).Q
    return theta, ritz, used, False


def _hessian_columns(loss: Callable[[Params], Tensor], p: Mapping[str, Tensor]) -> Callable[[Tensor], Tensor]:
    """``V ↦ H V`` for the Hessian of ``loss`` at ``p``, columns as flat vectors: the gradient's
    graph is built once and differentiated again per column (double backward)."""
    names = list(p)
    leaves = {n: t.detach().requires_grad_(True) for n, t in p.items()}
    with torch.enable_grad():
        grads = torch.autograd.grad(loss(leaves), [leaves[n] for n in names], create_graph=True)
        flat_grad = torch.cat([g.reshape(-1) for g in grads])

    def op(v: Tensor) -> Tensor:
        cols = []
        for c in v.T:
            hv = torch.autograd.grad(
                flat_grad, [leaves[n] for n in names], grad_outputs=c, retain_graph=True, allow_unused=True
            )
            cols.append(
                torch.cat(
                    [
                        (h if h is not None else torch.zeros_like(leaves[n])).reshape(-1)
                        for h, n in zip(hv, names)
                    ]
                )
            )
        return torch.stack(cols, dim=1)

    return op


def top_eigenpairs(
    loss: Callable[[Params], Tensor],
    params: Mapping[str, Tensor],
    k: int = 3,
    *,
    oversample: int = 3,
    iters: int = 1000,
    tol: float = 1e-6,
    seed: int = 0,
) -> Eigenpairs:
    """The ``k`` largest (algebraic) eigenvalues of the Hessian of ``loss`` at ``params`` and
    their unit eigenvectors (see the module docstring). ``tol`` bounds each returned Ritz
    residual ``‖Hv − θv‖`` relative to the largest ``|θ|``."""
    p = {n: t.detach() for n, t in params.items()}
    names = list(p)
    size = sum(t.numel() for t in p.values())
    if k < 1 or k > size:
        raise TopologyError(
            f"asked for {k} Hessian eigenvector(s) of {size} parameter(s)",
            f"Ask for 1 … {size}",
        )
    m = min(size, k + max(0, int(oversample)))
    like = next(iter(p.values()))
    gen = torch.Generator().manual_seed(int(seed))
    start = torch.randn(size, m, generator=gen, dtype=like.dtype).to(like.device)
    h = _hessian_columns(loss, p)
    theta, vecs, used, ok = _block_iteration(h, start, k, iters, tol)
    shift = 0.0
    top = torch.sort(theta, descending=True).values
    if m < size and float(top[k - 1]) < float(theta.abs().min()):  # the top k are not certain
        shift = float(theta.min()) * (1 + 1e-3)
        theta, vecs, more, ok = _block_iteration(lambda v: h(v) - shift * v, start, k, iters, tol)
        used += more
        theta = theta + shift
    order = torch.argsort(theta, descending=True)[:k]
    vectors = []
    for j in order.tolist():
        v = vecs[:, j] / vecs[:, j].norm()
        v = v * torch.sign(v[v.abs().argmax()])
        vectors.append(unflatten(v.detach(), p, names))
    return Eigenpairs(tuple(float(theta[j]) for j in order.tolist()), vectors, used, ok, shift)


def hessian_directions(
    arch: Architecture,
    params: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    k: int = 3,
    *,
    iters: int = 500,
    tol: float = 1e-6,
    seed: int = 0,
) -> Eigenpairs:
    """The top-``k`` eigenpairs of the Hessian of the mean cross-entropy of ``arch`` on
    ``(x, y)`` with respect to its trainable parameters; each vector covers every name of
    ``params`` (zero on buffers), so it can be passed to ``loss_landscape(directions=…)``.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((3, 4, 2))
    >>> th = net.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> e = hessian_directions(net, th, x, torch.arange(20) % 2, k=3)
    >>> e.eigenvalues[0] >= e.eigenvalues[1] >= e.eigenvalues[2], sorted(e.vectors[0]) == sorted(th)
    (True, True)
    """
    buffers = set(arch.buffers())
    fixed = {n: v.detach() for n, v in params.items() if n in buffers}
    train = {n: v.detach() for n, v in params.items() if n not in buffers}

    def loss(p: Params) -> Tensor:
        return F.cross_entropy(arch.apply({**p, **fixed}, x), y)

    pairs = top_eigenpairs(loss, train, k, iters=iters, tol=tol, seed=seed)
    full = [{n: (d[n] if n in d else torch.zeros_like(params[n])) for n in params} for d in pairs.vectors]
    return Eigenpairs(pairs.eigenvalues, full, pairs.products, pairs.converged, pairs.shift)
