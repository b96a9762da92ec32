"""Transfer as the pullback of the source representation along a domain map ``f: D_T → D_S``.

The source network gives ``φ_S: D_S → Z`` (its features at a layer). Its graph
``Γ = {(x, φ_S(x))}`` sits over ``D_S`` by the first projection ``π: Γ → D_S``. Pulling ``Γ``
back along a domain map ``f: D_T → D_S`` gives the cospan ``D_T --f--> D_S <--π-- Γ`` whose
pullback has apex ``D_T`` (every target input has exactly one partner in ``Γ``), projections
``id`` and ``x ↦ (f(x), φ_S(f(x)))``, and mediating morphism ``u = p`` for a cone ``(p, q)``.
Reading off the representation coordinate gives ``φ_T = φ_S ∘ f``: the target representation
*is* the pulled-back source one, and only a head on top of it is trained (optionally also the
normalisation parameters). :func:`domain_pullback` builds these DSL objects in a
:class:`~catdyn.backends.torch.transfer.category.SampledCategory`; :func:`domain_laws` states the
square and the universal property as laws checked on witness points.

Domain maps offered:

- :class:`IdentityMap` — same input space (then the method is exactly linear probing);
- :func:`fit_coral` — a *learned alignment*: the affine map matching the mean and covariance of
  target inputs to those of source inputs (CORAL, Sun et al. 2016), fitted on unlabelled data;
- :func:`fit_ot` — an *optimal-transport map*: the exact OT plan between target and source
  samples (POT's ``ot.emd``), its barycentric projection on the fitted points and the
  nearest-fitted-point displacement elsewhere. POT is optional: without it a
  :class:`~catdyn.errors.TransferError` says how to install it.

>>> import torch
>>> from catdyn.backends.torch.transfer.category import SampledCategory
>>> cat = SampledCategory(atol=1e-5)
>>> phi = lambda x: torch.tanh(x @ torch.tensor([[1.0, -1.0], [0.5, 2.0]]))
>>> xt, xs = torch.randn(4, 2, generator=torch.Generator().manual_seed(0)), torch.zeros(3, 2)
>>> dp = domain_pullback(phi, IdentityMap(), xt, xs, cat)
>>> bool(torch.allclose(dp.phi_target(xt[0]), phi(xt[0])))
True
>>> from catdyn.checker.law import check_laws
>>> [(r.law, r.status) for r in check_laws(domain_laws(dp))]  # doctest: +NORMALIZE_WHITESPACE
[('square commutes', 'held'), ('every cone factors within tolerance', 'held'),
 ('left projection is monic', 'proved')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.transfer.category import Map, SampledCategory, Space
from catdyn.backends.torch.transfer.fibre import cone_factor_law, within
from catdyn.category import Comparison
from catdyn.checker.law import Law
from catdyn.errors import TransferError
from catdyn.limits import Cone, Cospan, Pullback


# --- domain maps -------------------------------------------------------------------------------
class DomainMap(Protocol):
    """A map of input spaces ``D_T → D_S`` applied row-wise to a batch ``(N, d_T) → (N, d_S)``."""

    name: str

    def __call__(self, x: Tensor) -> Tensor: ...


@dataclass(frozen=True)
class IdentityMap:
    """``f = id`` (target inputs are read as source inputs).

    >>> IdentityMap()(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    name: str = "identity"

    def __call__(self, x: Tensor) -> Tensor:
        return x


@dataclass(frozen=True)
class AffineMap:
    """``x ↦ x Aᵀ + b``.

    >>> m = AffineMap("double", 2 * torch.eye(2), torch.zeros(2))
    >>> m(torch.ones(1, 2)).tolist()
    [[2.0, 2.0]]
    """

    name: str
    matrix: Tensor
    shift: Tensor

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.matrix.to(x.dtype).T + self.shift.to(x.dtype)


def _sqrtm(c: Tensor, inverse: bool) -> Tensor:
    vals, vecs = torch.linalg.eigh(c)
    vals = vals.clamp_min(1e-12)
    d = vals.rsqrt() if inverse else vals.sqrt()
    return (vecs * d) @ vecs.T


def fit_coral(x_target: Tensor, x_source: Tensor, eps: float = 1e-2) -> AffineMap:
    """The affine map sending the target sample's mean and (regularised) covariance to the
    source sample's: ``f(x) = (x − μ_T) C_T^{-1/2} C_S^{1/2} + μ_S`` with ``C + eps·I``.

    >>> g = torch.Generator().manual_seed(0)
    >>> xt = torch.randn(500, 2, generator=g, dtype=torch.float64) * 3 + 1
    >>> xs = torch.randn(400, 2, generator=g, dtype=torch.float64)
    >>> y = fit_coral(xt, xs, eps=0.0)(xt)
    >>> bool(torch.allclose(y.mean(0), xs.mean(0))), bool(torch.allclose(y.T.cov(), xs.T.cov()))
    (True, True)
    """
    xt, xs = x_target.double(), x_source.double()
    ct = xt.T.cov(correction=1) + eps * torch.eye(xt.shape[1], dtype=torch.float64)
    cs = xs.T.cov(correction=1) + eps * torch.eye(xs.shape[1], dtype=torch.float64)
    a = (_sqrtm(ct, inverse=True) @ _sqrtm(cs, inverse=False)).T  # x ↦ x Aᵀ
    shift = xs.mean(0) - xt.mean(0) @ a.T
    return AffineMap("coral", a.to(x_target.dtype), shift.to(x_target.dtype))


@dataclass(frozen=True)
class OTMap:
    """An optimal-transport map fitted on samples: each fitted target point goes to its
    barycentric image ``Σ_j γ_ij x_S,j / Σ_j γ_ij``; any other point ``x`` moves by the
    displacement of its nearest fitted point.

    >>> m = OTMap("ot", torch.zeros(1, 2), torch.ones(1, 2), 0.0)
    >>> m(torch.tensor([[0.5, 0.0]])).tolist()
    [[1.5, 1.0]]
    """

    name: str
    fitted: Tensor
    images: Tensor
    cost: float

    def __call__(self, x: Tensor) -> Tensor:
        nearest = torch.cdist(x.to(self.fitted.dtype), self.fitted).argmin(dim=1)
        return (x + (self.images - self.fitted)[nearest].to(x.dtype)).to(x.dtype)


def _require_pot() -> Any:
    try:
        import ot
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TransferError.missing_pot() from exc
    return ot


def fit_ot(x_target: Tensor, x_source: Tensor, reg: float | None = None) -> OTMap:
    """The OT map between two samples (uniform weights, squared Euclidean cost): the exact plan
    of ``ot.emd`` or, with ``reg``, the entropic plan of ``ot.sinkhorn``. Needs POT.

    >>> xt = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    >>> xs = torch.tensor([[10.0], [11.0]], dtype=torch.float64)
    >>> fit_ot(xt, xs)(xt).ravel().tolist()            # monotone in one dimension
    [10.0, 11.0]
    """
    ot = _require_pot()
    import numpy as np

    a_np, b_np = x_target.detach().double().cpu().numpy(), x_source.detach().double().cpu().numpy()
    wa = np.full(len(a_np), 1.0 / len(a_np))
    wb = np.full(len(b_np), 1.0 / len(b_np))
    cost = ot.dist(a_np, b_np, metric="sqeuclidean")
    plan = ot.emd(wa, wb, cost) if reg is None else ot.sinkhorn(wa, wb, cost / cost.max(), reg)
    images = (plan @ b_np) / plan.sum(axis=1, keepdims=True)
    return OTMap(
        "ot" if reg is None else f"ot(reg={reg:g})",
        x_target.detach().double().cpu(),
        torch.from_numpy(images),
        float((plan * cost).sum()),
    )


# --- the pullback along f in the DSL ----------------------------------------------------------
@dataclass
class DomainPullback:
    """The pullback of ``π: Γ(φ_S) → D_S`` along ``f: D_T → D_S`` (see the module docstring);
    ``phi_target`` is ``φ_S ∘ f`` read off the apex (``right >> π_Z``)."""

    pullback: Pullback
    graph: Space
    features: Space
    phi_target: Map


def _second(z: tuple[Any, Any]) -> Any:
    return z[1]


def domain_pullback(
    phi_source: Callable[[Tensor], Tensor],
    f: DomainMap | Callable[[Tensor], Tensor],
    target_points: Tensor,
    source_points: Tensor,
    category: SampledCategory,
) -> DomainPullback:
    """Build the cospan ``D_T --f--> D_S <--π-- Γ`` and its pullback. A point of ``D_T`` or
    ``D_S`` is one input (a row of ``target_points`` / ``source_points``: the witnesses); a point
    of ``Γ`` is a pair ``(x, φ_S(x))``."""
    cat = category
    name = getattr(f, "name", "f")

    def one(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        return lambda x: fn(x.unsqueeze(0))[0]

    f1, phi1 = one(f), one(phi_source)
    DT = cat.space("D_T", list(target_points))
    DS = cat.space("D_S", list(source_points))
    Gamma = cat.space("Γ(φ_S)", [(x, phi1(x)) for x in source_points])
    Z = cat.space("Z")
    fmap = cat.map(name, DT, DS, f1)
    proj = cat.map("π", Gamma, DS, lambda z: z[0])
    cospan = Cospan(fmap, proj)
    apex = cat.space(f"{name}*Γ", list(target_points))
    left = cat.map(f"π_{DT.name}", apex, DT, lambda x: x)

    def lift(x: Tensor) -> tuple[Tensor, Tensor]:
        y = f1(x)
        return (y, phi1(y))

    right = cat.map("lift", apex, Gamma, lift)

    def mediate(cone: Cone) -> Map:
        return cat.map(f"u({cone.left.name})", cone.apex, apex, cone.left.fn)  # type: ignore[attr-defined]

    pb = Pullback(Cone(cospan, left, right), mediate)
    phi_t = right >> cat.map("π_Z", Gamma, Z, _second)
    return DomainPullback(pb, Gamma, Z, phi_t)  # type: ignore[arg-type]


def domain_laws(dp: DomainPullback, cones: Sequence[Cone] = (), subject: str = "") -> list[Law]:
    """The square ``id >> f = lift >> π`` (on the apex witnesses, within tolerance), every
    cone factoring through the apex (default: the apex's own cone), and uniqueness: the left
    projection is the identity on witnesses (exact), so ``u`` is forced to be ``p``."""
    pb = dp.pullback
    cat: SampledCategory = pb.cospan.category  # type: ignore[assignment]
    subject = subject or f"pullback {pb.apex.name}"
    close = within(cat)
    sq_l, sq_r = pb.left >> pb.cospan.left, pb.right >> pb.cospan.right
    witnesses = list(pb.apex.points)  # type: ignore[attr-defined]
    commutes = Law(
        "square commutes",
        "pullback",
        lambda x: sq_l(x),  # type: ignore[operator]
        lambda x: sq_r(x),  # type: ignore[operator]
        enumerate=lambda: [(x,) for x in witnesses],
        compare=close,
        argnames=("x",),
        statement=f"{sq_l.name} = {sq_r.name}",
        subject=subject,
    )
    factors = cone_factor_law(
        pb, cones, close, subject, "u = factor(cone) has u >> π_D_T = cone.left and u >> lift = cone.right"
    )

    def same(lhs: Any, rhs: Any) -> Comparison:
        eq = bool(torch.equal(lhs, rhs))
        return Comparison(eq, 0.0 if eq else 1.0, exact=True)

    monic = Law(
        "left projection is monic",
        "pullback",
        lambda x: pb.left(x),  # type: ignore[operator]
        lambda x: x,
        enumerate=lambda: [(x,) for x in witnesses],
        compare=same,
        argnames=("x",),
        statement="π_D_T = id on the apex, so a factorisation is unique",
        subject=subject,
    )
    return [commutes, factors, monic]


# --- training a head on pulled-back features -------------------------------------------------
def head_init(width: int, classes: int, seed: int, dtype: torch.dtype = torch.float32) -> dict[str, Tensor]:
    """A fresh linear head ``(classes, width)`` and bias, uniform ``±1/√width`` (as torch's
    ``Linear``), from its own seeded generator, so every method starts from the same head.

    >>> h = head_init(4, 3, seed=0)
    >>> h["weight"].shape, bool(h["weight"].abs().max() <= 0.5)
    (torch.Size([3, 4]), True)
    """
    g = torch.Generator().manual_seed(10_007 * int(seed) + 17)
    bound = 1.0 / width**0.5
    w = (torch.rand((classes, width), generator=g, dtype=dtype) * 2 - 1) * bound
    b = (torch.rand((classes,), generator=g, dtype=dtype) * 2 - 1) * bound
    return {"weight": w, "bias": b}


@dataclass(frozen=True)
class FitResult:
    """Trained parameters, the loss at every step, and the seconds the loop took.

    >>> FitResult({}, (1.0,), 0.1).losses
    (1.0,)
    """

    params: dict[str, Tensor]
    losses: tuple[float, ...]
    seconds: float


def adam_fit(
    params: Mapping[str, Tensor],
    trainable: Iterable[str],
    loss_fn: Callable[[Mapping[str, Tensor]], Tensor],
    steps: int,
    lr: float,
) -> FitResult:
    """``steps`` full-batch Adam steps on ``loss_fn`` over the ``trainable`` entries; the
    others stay fixed (no gradient is computed for them). The input dict is not modified.

    >>> p = {"w": torch.tensor([3.0]), "fixed": torch.tensor([1.0])}
    >>> r = adam_fit(p, ["w"], lambda q: ((q["w"] - q["fixed"]) ** 2).sum(), steps=300, lr=0.1)
    >>> round(float(r.params["w"]), 3), float(r.params["fixed"]), float(p["w"])
    (1.0, 1.0, 3.0)
    """
    t0 = time.perf_counter()
    names = list(trainable)
    current = {k: v.detach().clone() for k, v in params.items()}
    leaves = [current[k].requires_grad_(True) for k in names]
    losses: list[float] = []
    if leaves and steps > 0:
        opt = torch.optim.Adam(leaves, lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(current)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    out = {k: v.detach() for k, v in current.items()}
    return FitResult(out, tuple(losses), time.perf_counter() - t0)


def train_head_on_features(
    features: Tensor, labels: Tensor, head: Mapping[str, Tensor], steps: int, lr: float
) -> FitResult:
    """Train a linear head ``z ↦ z Wᵀ + b`` on fixed (cached) features by cross-entropy: the
    whole of the domain pullback's training when only the head is trained.

    >>> z = torch.tensor([[1.0, 0.0], [0.0, 1.0]]); y = torch.tensor([0, 1])
    >>> r = train_head_on_features(z, y, head_init(2, 2, 0), steps=100, lr=0.1)
    >>> (z @ r.params["weight"].T + r.params["bias"]).argmax(1).tolist()
    [0, 1]
    """
    z = features.detach()
    return adam_fit(
        head,
        ["weight", "bias"],
        lambda p: F.cross_entropy(F.linear(z, p["weight"], p["bias"]), labels),
        steps,
        lr,
    )
