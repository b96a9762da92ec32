"""Batched optimisers: SGD (momentum, Nesterov) and Adam (AdamW) over stacked ensemble parameters.

An ensemble keeps every parameter tensor of its K members stacked along a leading axis of size
K. The optimisers here update such stacks in a few fused tensor operations, with a learning
rate and a weight decay *per member* (tensors of shape ``(K,)``), and reproduce, member by
member, what :class:`torch.optim.SGD` and :class:`torch.optim.Adam` do to one model:

* SGD: ``g ← ∇ + wd·θ``; ``b ← g`` on the first step, else ``b ← μ·b + (1 − τ)·g``;
  ``d ← g + μ·b`` (Nesterov) or ``d ← b``; ``θ ← θ − lr·d``.
* Adam: ``g ← ∇ + wd·θ`` (or AdamW's decoupled ``θ ← θ·(1 − lr·wd)``);
  ``m ← β₁m + (1 − β₁)g``; ``v ← β₂v + (1 − β₂)g²``;
  ``θ ← θ − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)``.

Each optimiser offers a pure :meth:`~SGD.update` (returns new tensors, inputs untouched) and the
in-place :meth:`~SGD.update_` that the ensemble engine calls every step.

>>> import torch
>>> opt = SGD(momentum=0.9)
>>> params = [torch.ones(2, 3)]                      # K = 2 members, 3 numbers each
>>> state = opt.init(params)
>>> grads = [torch.ones(2, 3)]
>>> lr = torch.tensor([0.1, 0.5])                     # one learning rate per member
>>> new, state = opt.update(params, grads, state, lr)
>>> [round(v, 6) for v in new[0][:, 0].tolist()]
[0.9, 0.5]
>>> params[0][0, 0].item()                           # the pure update left its input alone
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from catdyn.errors import OptimiserError


@dataclass
class OptState:
    """What an optimiser carries between steps: the step count and per-tensor buffers.

    ``buffers`` maps a buffer name (``"momentum"``, ``"exp_avg"``, ``"exp_avg_sq"``) to a list
    aligned with the parameter list; an SGD momentum buffer is ``None`` until the first step.

    >>> OptState(step=0).step
    0
    """

    step: int = 0
    buffers: dict[str, list[Tensor | None]] = field(default_factory=dict)

    def clone(self) -> OptState:
        """A deep copy (tensors cloned).

        >>> s = OptState(1, {"momentum": [torch.zeros(2)]})
        >>> c = s.clone(); c.buffers["momentum"][0] += 1
        >>> s.buffers["momentum"][0].tolist()
        [0.0, 0.0]
        """
        return OptState(
            self.step, {k: [None if t is None else t.clone() for t in v] for k, v in self.buffers.items()}
        )


def per_member(h: Tensor | float | Sequence[float], like: Tensor) -> Tensor:
    """A per-member hyperparameter shaped to broadcast against a stacked tensor ``like``.

    ``h`` is a scalar (the same for every member) or K values; the result has shape
    ``(K, 1, …, 1)`` with ``like.ndim`` axes, on ``like``'s device and dtype. A tensor of
    ``like``'s own shape is taken as it is, one value per number (for a flat buffer that holds
    several members' parameters, with each member's value expanded over its numbers).

    >>> per_member([0.1, 0.2], torch.zeros(2, 4, 5)).shape
    torch.Size([2, 1, 1])
    >>> per_member(0.5, torch.zeros(3, 2)).flatten().tolist()
    [0.5, 0.5, 0.5]
    >>> per_member(torch.tensor([0.5, 0.5, 0.25]), torch.zeros(3)).tolist()
    [0.5, 0.5, 0.25]
    """
    if isinstance(h, Tensor) and h.shape == like.shape:
        return h.to(dtype=like.dtype, device=like.device)
    k = like.shape[0]
    t = torch.as_tensor(h, dtype=like.dtype, device=like.device)
    if t.ndim == 0:
        t = t.expand(k)
    if t.shape != (k,):
        raise OptimiserError.bad(
            "per-member value", tuple(t.shape), f"one value or {k} values (one per member)"
        )
    return t.reshape((k,) + (1,) * (like.ndim - 1))


def _views(
    h: Tensor | float | Sequence[float] | None, params: Sequence[Tensor]
) -> list[Tensor] | list[float] | None:
    """Per-tensor hyperparameters: ``None`` for a zero, the number itself when every member
    shares it (so the update can use a scalar, as torch.optim does), else broadcast tensors."""
    if h is None:
        return None
    if isinstance(h, (int, float)):
        return None if h == 0 else [float(h)] * len(params)
    return [per_member(h, p) for p in params]


class _PureUpdate:
    """The pure form of an optimiser's in-place ``update_``, shared by SGD and Adam."""

    def update(
        self,
        params: Sequence[Tensor],
        grads: Sequence[Tensor],
        state: OptState,
        lr: Tensor | float | Sequence[float],
        weight_decay: Tensor | float | Sequence[float] | None = None,
    ) -> tuple[list[Tensor], OptState]:
        """The pure form of ``update_``: new parameters and state, inputs left unchanged.

        >>> p = [torch.ones(1, 1)]; opt = SGD(); s = opt.init(p)
        >>> new, s2 = opt.update(p, [torch.ones(1, 1)], s, 0.25)
        >>> (new[0].item(), p[0].item(), s.step, s2.step)
        (0.75, 1.0, 0, 1)
        """
        new_params = [p.clone() for p in params]
        new_state = state.clone()
        self.update_(new_params, [g.clone() for g in grads], new_state, lr, weight_decay)
        return new_params, new_state


@dataclass(frozen=True)
class SGD(_PureUpdate):
    """Stochastic gradient descent with optional (Nesterov) momentum, as :class:`torch.optim.SGD`.

    >>> opt = SGD(momentum=0.9, nesterov=True)
    >>> p = [torch.zeros(1, 2)]; s = opt.init(p)
    >>> opt.update_(p, [torch.ones(1, 2)], s, torch.tensor([1.0]))
    >>> p[0].tolist()                                 # −lr·(g + μ·g) on the first step
    [[-1.899999976158142, -1.899999976158142]]
    """

    momentum: float = 0.0
    nesterov: bool = False
    dampening: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.momentum < 1.0:
            raise OptimiserError.bad("momentum", self.momentum, "0 ≤ momentum < 1")
        if not 0.0 <= self.dampening <= 1.0:
            raise OptimiserError.bad("dampening", self.dampening, "0 ≤ dampening ≤ 1")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise OptimiserError.bad("nesterov", self.nesterov, "momentum > 0 and dampening = 0")

    @property
    def name(self) -> str:
        """A short label, e.g. ``sgd(momentum=0.9)``.

        >>> SGD(0.9).name
        'sgd(momentum=0.9)'
        """
        extra = ", nesterov" if self.nesterov else ""
        return f"sgd(momentum={self.momentum}{extra})"

    def torch_optimizer(
        self, params: Sequence[Tensor], lr: float, weight_decay: float = 0.0
    ) -> torch.optim.Optimizer:
        """The :class:`torch.optim.SGD` that does the same to one model (for solo reference runs).

        >>> SGD(0.9).torch_optimizer([torch.zeros(1, requires_grad=True)], lr=0.1).defaults["momentum"]
        0.9
        """
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=self.momentum,
            dampening=self.dampening,
            nesterov=self.nesterov,
            weight_decay=weight_decay,
        )

    def init(self, params: Sequence[Tensor]) -> OptState:
        """A fresh state for stacked parameters ``params`` (momentum buffers start empty).

        >>> SGD(0.5).init([torch.zeros(3, 2)]).buffers["momentum"]
        [None]
        """
        return OptState(0, {"momentum": [None] * len(params)} if self.momentum else {})

    def update_(
        self,
        params: Sequence[Tensor],
        grads: Sequence[Tensor],
        state: OptState,
        lr: Tensor | float | Sequence[float],
        weight_decay: Tensor | float | Sequence[float] | None = None,
    ) -> None:
        """One step in place on ``params`` (and ``state``); ``grads`` may be overwritten.

        ``lr`` and ``weight_decay`` are one value or one per member (see :func:`per_member`).

        >>> p = [torch.ones(2, 1)]; opt = SGD(); s = opt.init(p)
        >>> opt.update_(p, [torch.ones(2, 1)], s, [0.1, 0.2], weight_decay=1.0)
        >>> p[0].flatten().tolist()
        [0.800000011920929, 0.6000000238418579]
        """
        if self._fused_(params, grads, state, lr, weight_decay):
            return
        lrs = _views(lr, params) or [0.0] * len(params)
        wds = _views(weight_decay, params)
        first = state.step == 0
        for i, (p, g) in enumerate(zip(params, grads)):
            if wds is not None:
                wd = wds[i]
                g = g.add(p, alpha=wd) if isinstance(wd, float) else torch.addcmul(g, wd, p)
            if self.momentum:
                bufs = state.buffers["momentum"]
                buf = bufs[i]
                if buf is None or first:
                    buf = g.clone()
                    bufs[i] = buf
                elif self.dampening:
                    buf.mul_(self.momentum).add_(g, alpha=1.0 - self.dampening)
                else:
                    torch.add(g, buf, alpha=self.momentum, out=buf)  # μ·b + g in one pass
                d = g.add(buf, alpha=self.momentum) if self.nesterov else buf
            else:
                d = g
            lr_i = lrs[i]
            if isinstance(lr_i, float):
                p.add_(d, alpha=-lr_i)
            else:
                p.addcmul_(d, lr_i, value=-1.0)
        state.step += 1

    def can_fold(self, weight_decay: Tensor | float | Sequence[float] | None) -> bool:
        """Whether a gradient computation may write the momentum buffer's update itself.

        With momentum, no Nesterov term and no weight decay, ``b ← μ·b + (1 − τ)·∇`` (``b ← ∇``
        on the first step) is an affine map of the gradient that a matrix product computes in
        its epilogue (``baddbmm``'s beta and alpha, see :meth:`fold_coefficients`); the step
        then only needs :meth:`folded_update_`.

        >>> SGD(0.9).can_fold(None), SGD(0.9, nesterov=True).can_fold(None), SGD(0.9).can_fold(0.1)
        (True, False, False)
        """
        return self.momentum > 0 and not self.nesterov and weight_decay is None

    def fold_coefficients(self, state: OptState) -> tuple[float, float]:
        """``(beta, alpha)`` with ``b ← beta·b + alpha·∇`` for the step ``state`` is at.

        >>> opt = SGD(0.9, dampening=0.5); opt.fold_coefficients(OptState(0)), opt.fold_coefficients(OptState(3))
        ((0.0, 1.0), (0.9, 0.5))
        """
        return (0.0, 1.0) if state.step == 0 else (self.momentum, 1.0 - self.dampening)

    def folded_update_(
        self,
        params: Sequence[Tensor],
        buffers: Sequence[Tensor],
        state: OptState,
        lr: Tensor | float | Sequence[float] | None,
        unfolded: Sequence[tuple[Tensor, Tensor, Tensor]] = (),
    ) -> None:
        """The rest of a step whose momentum buffers were updated by the gradient computation
        (with :meth:`fold_coefficients`): ``θ ← θ − lr·b``; ``lr`` as in :meth:`update_`.

        ``unfolded`` are ``(θ, ∇, b)`` triples whose gradient came from a kernel that cannot
        fold the buffer update (e.g. oneDNN's convolution backward): they get the whole step,
        ``b ← μ·b + (1 − τ)·∇`` (``b ← ∇`` on the first step) and ``θ ← θ − lr·b``, in one
        pass through torch's fused SGD kernel when ``lr`` is one number (one pass instead of
        three over the three tensors).

        >>> opt = SGD(0.9); p = [torch.ones(2, 1)]; s = opt.init(p)
        >>> opt.folded_update_(p, [torch.ones(2, 1)], s, [0.1, 0.2])
        >>> [round(v, 6) for v in p[0].flatten().tolist()], s.step
        ([0.9, 0.8], 1)
        >>> q, b = torch.ones(3), torch.ones(3)
        >>> opt.folded_update_([], [], s, 0.5, unfolded=[(q, torch.full((3,), 2.0), b)])
        >>> b.tolist(), q.tolist()  # b = 0.9·1 + 2, θ = 1 − 0.5·b
        ([2.9000000953674316, 2.9000000953674316, 2.9000000953674316], [-0.4500000476837158, -0.4500000476837158, -0.4500000476837158])
        """
        first = state.step == 0
        lrs = _views(lr, params)
        if lrs is not None:
            for p, b, lr_i in zip(params, buffers, lrs):
                if isinstance(lr_i, float):
                    p.add_(b, alpha=-lr_i)
                else:
                    p.addcmul_(b, lr_i, value=-1.0)
        if unfolded:
            self._unfolded_(unfolded, first, lr)
        state.buffers["momentum"] = [*buffers, *(b for _, _, b in unfolded)]
        state.step += 1

    def _unfolded_(
        self,
        triples: Sequence[tuple[Tensor, Tensor, Tensor]],
        first: bool,
        lr: Tensor | float | Sequence[float] | None,
    ) -> None:
        if isinstance(lr, (int, float)) and all(
            p.device.type == "cpu" and p.is_contiguous() and g.is_contiguous() and b.is_contiguous()
            for p, g, b in triples
        ):
            torch._fused_sgd_(
                [p for p, _, _ in triples],
                [g for _, g, _ in triples],
                [b for _, _, b in triples],
                weight_decay=0.0,
                momentum=self.momentum,
                lr=float(lr),
                dampening=self.dampening,
                nesterov=False,
                maximize=False,
                is_first_step=first,
            )
            return
        params = [p for p, _, _ in triples]
        lrs = _views(lr, params)
        for i, (p, g, b) in enumerate(triples):
            if first:
                b.copy_(g)
            else:  # in torch.optim.SGD's order (scale, then add)
                b.mul_(self.momentum).add_(g, alpha=1.0 - self.dampening)
            if lrs is not None:
                lr_i = lrs[i]
                p.add_(b, alpha=-lr_i) if isinstance(lr_i, float) else p.addcmul_(b, lr_i, value=-1.0)

    def _fused_(
        self,
        params: Sequence[Tensor],
        grads: Sequence[Tensor],
        state: OptState,
        lr: Tensor | float | Sequence[float],
        weight_decay: Tensor | float | Sequence[float] | None,
    ) -> bool:
        """torch's fused SGD kernel (one pass over parameter, gradient and momentum buffer)
        when every member shares the learning rate and weight decay (numbers, as the ensemble
        engine passes them) and the tensors are contiguous CPU float tensors; False otherwise."""
        if not isinstance(lr, (int, float)) or not (
            weight_decay is None or isinstance(weight_decay, (int, float))
        ):
            return False
        if not all(
            p.device.type == "cpu"
            and p.is_floating_point()
            and p.is_contiguous()
            and g.is_contiguous()
            and g.dtype == p.dtype
            and g.shape == p.shape
            for p, g in zip(params, grads)
        ):
            return False
        first = state.step == 0
        bufs: list[Tensor] = []
        if self.momentum:
            held = state.buffers["momentum"]
            if first or any(b is None for b in held):
                held[:] = [torch.empty_like(p) for p in params]
                first = True
            bufs = [b for b in held if b is not None]
        torch._fused_sgd_(
            list(params),
            list(grads),
            bufs,
            weight_decay=float(weight_decay or 0.0),
            momentum=self.momentum,
            lr=float(lr),
            dampening=self.dampening,
            nesterov=self.nesterov,
            maximize=False,
            is_first_step=first,
        )
        state.step += 1
        return True


@dataclass(frozen=True)
class Adam(_PureUpdate):
    """Adam as :class:`torch.optim.Adam` (L2 weight decay), or AdamW with ``decoupled=True``.

    >>> opt = Adam()
    >>> p = [torch.zeros(1, 1)]; s = opt.init(p)
    >>> opt.update_(p, [torch.full((1, 1), 3.0)], s, 0.1)
    >>> round(p[0].item(), 6)                          # the first Adam step moves by ≈ lr
    -0.1
    """

    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    decoupled: bool = False

    def __post_init__(self) -> None:
        for i, b in enumerate(self.betas):
            if not 0.0 <= b < 1.0:
                raise OptimiserError.bad(f"betas[{i}]", b, "0 ≤ beta < 1")
        if self.eps < 0:
            raise OptimiserError.bad("eps", self.eps, "eps ≥ 0")

    @property
    def name(self) -> str:
        """A short label, ``adam`` or ``adamw``.

        >>> Adam(decoupled=True).name
        'adamw'
        """
        return "adamw" if self.decoupled else "adam"

    def torch_optimizer(
        self, params: Sequence[Tensor], lr: float, weight_decay: float = 0.0
    ) -> torch.optim.Optimizer:
        """The :class:`torch.optim.Adam` (or ``AdamW``) that does the same to one model.

        >>> type(Adam(decoupled=True).torch_optimizer([torch.zeros(1, requires_grad=True)], 0.1)).__name__
        'AdamW'
        """
        cls = torch.optim.AdamW if self.decoupled else torch.optim.Adam
        return cls(params, lr=lr, betas=self.betas, eps=self.eps, weight_decay=weight_decay)

    def init(self, params: Sequence[Tensor]) -> OptState:
        """Zero first and second moments for stacked parameters ``params``.

        >>> sorted(Adam().init([torch.zeros(2, 2)]).buffers)
        ['exp_avg', 'exp_avg_sq']
        """
        return OptState(
            0,
            {
                "exp_avg": [torch.zeros_like(p) for p in params],
                "exp_avg_sq": [torch.zeros_like(p) for p in params],
            },
        )

    def update_(
        self,
        params: Sequence[Tensor],
        grads: Sequence[Tensor],
        state: OptState,
        lr: Tensor | float | Sequence[float],
        weight_decay: Tensor | float | Sequence[float] | None = None,
    ) -> None:
        """One Adam step in place on ``params`` and ``state``.

        >>> p = [torch.ones(2, 1)]; opt = Adam(); s = opt.init(p)
        >>> opt.update_(p, [torch.ones(2, 1)], s, [0.1, 0.01])
        >>> [round(v, 4) for v in p[0].flatten().tolist()]
        [0.9, 0.99]
        """
        beta1, beta2 = self.betas
        state.step += 1
        t = state.step
        bc1 = 1.0 - beta1**t
        bc2_sqrt = (1.0 - beta2**t) ** 0.5
        lrs = _views(lr, params) or [0.0] * len(params)
        wds = _views(weight_decay, params)
        m_list, v_list = state.buffers["exp_avg"], state.buffers["exp_avg_sq"]
        for i, (p, g) in enumerate(zip(params, grads)):
            lr_i = lrs[i]
            if wds is not None:
                wd = wds[i]
                if self.decoupled:
                    p.mul_(1.0 - lr_i * wd)
                elif isinstance(wd, float):
                    g = g.add(p, alpha=wd)
                else:
                    g = torch.addcmul(g, wd, p)
            m, v = m_list[i], v_list[i]
            assert m is not None and v is not None
            m.lerp_(g, 1.0 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
            denom = v.sqrt().div_(bc2_sqrt).add_(self.eps)
            if isinstance(lr_i, float):
                p.addcdiv_(m, denom, value=-lr_i / bc1)
            else:
                p.addcmul_(m.div(denom), lr_i, value=-1.0 / bc1)


Optimiser = SGD | Adam
"""The optimisers an ensemble can run."""
