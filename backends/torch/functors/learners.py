"""Learning as a functor ``Para → Learn`` on torch (Fong, Spivak and Tuyéras, "Backprop as
Functor", 2019), its laws on real layers, and the five architecture families split into
composable stages.

**The functor.** For a step size ``ε > 0`` and an error function ``e(x, y)`` whose partial
derivative ``∂e/∂x(x, −)`` is invertible for every ``x``, :class:`GradientLearning` sends a
parametrised map ``I: P × A → B`` to the learner ``(P, I, U_I, r_I)`` with (the paper's main
theorem; written here from the construction as recalled, and checked against autograd)

- total error ``E_I(p, a, b) = Σ_j e(I_j(p, a), b_j)``;
- update ``U_I(p, a, b) = p − ε ∇_p E_I(p, a, b)`` — one step of gradient descent;
- request ``r_I(p, a, b) = f_a(∇_a E_I(p, a, b))``, where ``f_a`` applies, coordinate by
  coordinate, the inverse of ``y ↦ ∂e/∂x(a_i, y)``.

The request is what makes the functor preserve composition: the learner after ``I`` asks
for the input ``b'`` with ``∂e/∂x(b, b') = ∇_b E_J``, so that the gradient of ``E_I`` at
``b'`` is, by the chain rule, the gradient of the composite's error. No ``ε`` enters the request.

**The error implemented** is the scaled quadratic error :class:`QuadraticError`
``e(x, y) = (α/2)(x − y)²`` (the paper's example is ``α = 1``). Then ``∂e/∂x(x, y) = α(x − y)``,
whose inverse in ``y`` is ``y = x − z/α``, so

    ``U_I(p, a, b) = p − ε ∇_p E_I``,  ``r_I(p, a, b) = a − (1/α) ∇_a E_I(p, a, b)``.

With ``α = 1`` the request is ``a − ∇_a E_I``, the paper's backpropagation formula. The scaling
``α`` is kept so that the ``1/α`` is exercised by the tests: a request without it, or one that
returns the backpropagated gradient ``∇_a E_I`` itself, breaks functoriality.

**Laws** (:func:`learn_laws`), each on a chain of real torch layers in float64, to 1e-6:

- *functor preserves composition*: ``L(I >> J) = L(I) >> L(J)`` (implementation, update and
  request at sampled parameters, inputs and targets);
- *one SGD step*: the composed per-layer learners' update equals one step of
  ``torch.optim.SGD(lr=ε)`` on the whole composite's error, computed by autograd — this is
  what catches a functor that drops ``ε`` (it would still be a functor, for step 1);
- *preserves identities*: ``L(id_A)`` is Learn's identity (``I = id``, ``r(a, b) = b``), and
  ``L(I) >> L(id_B) = L(I)``.

>>> import torch
>>> L = GradientLearning(step=0.1, error=QuadraticError(alpha=2.0))
>>> lin = linear("lin", 3, 2, batch=4)
>>> g = torch.Generator().manual_seed(0)
>>> p, a = lin.init(g), torch.randn(4, 3, generator=g, dtype=torch.float64)
>>> b = torch.randn(4, 2, generator=g, dtype=torch.float64)
>>> learner = L(lin.para)
>>> new = learner.update(p, a, b)
>>> [tuple(t.shape) for t in new]
[(2, 3), (2,)]
>>> request = learner.request(p, a, b)  # a − (1/α) ∇_a E
>>> torch.allclose(request, a - (2.0 * (learner.implement(p, a) - b)) @ p[0] / 2.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.categories.learn import Learner, Para, ParaMap, Space
from catdyn.category import compose_all
from catdyn.checker.law import Law, approx
from catdyn.errors import LearnerError

DTYPE = torch.float64


# --- parameters as nested tuples of tensors -------------------------------------------------------
def leaves(p: Any) -> list[Tensor]:
    """The tensors of a (nested) parameter, depth first.

    >>> leaves(((torch.zeros(1),), (torch.ones(2), ())))[1].tolist()
    [1.0, 1.0]
    """
    if isinstance(p, Tensor):
        return [p]
    return [t for q in p for t in leaves(q)]


def rebuild(p: Any, new: Sequence[Tensor]) -> Any:
    """``p``'s nesting with its tensors replaced, in :func:`leaves` order."""
    it = iter(new)

    def walk(q: Any) -> Any:
        if isinstance(q, Tensor):
            return next(it)
        return tuple(walk(x) for x in q)

    return walk(p)


def nest(parts: Sequence[Any]) -> Any:
    """The parameter of ``g1 >> g2 >> … >> gk`` (composed left to right) from its generators'
    parameters: ``((p1, p2), p3)…``.

    >>> nest([1, 2, 3])
    ((1, 2), 3)
    """
    out = parts[0]
    for q in parts[1:]:
        out = (out, q)
    return out


# --- the error and the functor -------------------------------------------------------------------
@dataclass(frozen=True)
class QuadraticError:
    """``e(x, y) = (α/2)(x − y)²``; ``∂e/∂x(x, y) = α(x − y)`` is inverted in ``y`` by
    ``y = x − z/α``.

    >>> e = QuadraticError(2.0)
    >>> float(e.value(torch.tensor(3.0), torch.tensor(1.0))), float(e.inverse_derivative(torch.tensor(3.0), torch.tensor(4.0)))
    (4.0, 1.0)
    """

    alpha: float = 1.0

    def __post_init__(self) -> None:
        if not (self.alpha > 0 and math.isfinite(self.alpha)):
            raise LearnerError(f"the quadratic error's scale α = {self.alpha!r} is not positive", "Give α > 0")

    def value(self, x: Tensor, y: Tensor) -> Tensor:
        """``e(x, y)`` elementwise."""
        return 0.5 * self.alpha * (x - y) ** 2

    def inverse_derivative(self, x: Tensor, z: Tensor) -> Tensor:
        """The ``y`` with ``∂e/∂x(x, y) = z``, elementwise."""
        return x - z / self.alpha


class GradientLearning:
    """The functor ``L_{ε,e}: Para → Learn`` (see the module docstring); ``L(para)`` is the
    learner of a parametrised map, :meth:`composed` the composite of its generators' learners."""

    def __init__(self, step: float, error: QuadraticError) -> None:
        if not (step > 0 and math.isfinite(step)):
            raise LearnerError(f"the step size ε = {step!r} is not positive", "Give a step size ε > 0")
        self.step = float(step)
        self.error = error

    def total_error(self, para: ParaMap, p: Any, a: Tensor, b: Tensor) -> Tensor:
        """``E_I(p, a, b) = Σ_j e(I_j(p, a), b_j)``."""
        return self.error.value(para.implement(p, a), b).sum()

    def _grads(self, para: ParaMap, p: Any, a: Tensor, b: Tensor) -> tuple[list[Tensor], Tensor]:
        """``∇_p E_I`` (as leaves) and ``∇_a E_I``."""
        with torch.enable_grad():
            ps = [t.detach().requires_grad_(True) for t in leaves(p)]
            a_ = a.detach().requires_grad_(True)
            loss = self.total_error(para, rebuild(p, ps), a_, b)
            grads = torch.autograd.grad(loss, [*ps, a_], allow_unused=True)
        filled = [torch.zeros_like(x) if g is None else g for x, g in zip([*ps, a_], grads)]
        return filled[:-1], filled[-1]

    def update(self, para: ParaMap, p: Any, a: Tensor, b: Tensor) -> Any:
        """``U_I(p, a, b) = p − ε ∇_p E_I(p, a, b)``."""
        grad_p, _ = self._grads(para, p, a, b)
        return rebuild(p, [t.detach() - self.step * g for t, g in zip(leaves(p), grad_p)])

    def request(self, para: ParaMap, p: Any, a: Tensor, b: Tensor) -> Tensor:
        """``r_I(p, a, b) = f_a(∇_a E_I(p, a, b))`` (``a − (1/α)∇_a E_I`` for the quadratic error)."""
        _, grad_a = self._grads(para, p, a, b)
        return self.error.inverse_derivative(a.detach(), grad_a)

    def __call__(self, para: ParaMap) -> Learner:
        return Learner(
            f"L({para.name})",
            para.dom,
            para.cod,
            lambda p, a: para.implement(p, a),
            lambda p, a, b: self.update(para, p, a, b),
            lambda p, a, b: self.request(para, p, a, b),
        )

    def composed(self, para: ParaMap) -> Learner:
        """The composite in Learn of the learners of ``para``'s generators."""
        return compose_all(self(g) for g in para.generators)  # type: ignore[return-value]


# --- layers: parametrised maps with an initialiser ------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """A torch layer as a parametrised map, with ``init(generator)`` giving its parameter (a
    tuple of float64 tensors)."""

    para: ParaMap
    init: Callable[[torch.Generator], tuple[Tensor, ...]]


def _uniform(g: torch.Generator, shape: tuple[int, ...], bound: float) -> Tensor:
    return (torch.rand(shape, generator=g, dtype=DTYPE) * 2 - 1) * bound


def linear(name: str, n_in: int, n_out: int, batch: int) -> Layer:
    """``a ↦ a Wᵀ + b`` on a batch of ``batch`` rows."""
    A, B = Space(f"R{batch}x{n_in}", (batch, n_in)), Space(f"R{batch}x{n_out}", (batch, n_out))
    bound = 1 / math.sqrt(n_in)
    return Layer(
        ParaMap(name, A, B, lambda p, a: F.linear(a, p[0], p[1])),
        lambda g: (_uniform(g, (n_out, n_in), bound), _uniform(g, (n_out,), bound)),
    )


def activation(name: str, space: Space, fn: Callable[[Tensor], Tensor]) -> Layer:
    """A parameterless map (its parameter is the empty tuple)."""
    return Layer(ParaMap(name, space, space, lambda p, a: fn(a)), lambda g: ())


def conv(name: str, c_in: int, c_out: int, side: int, batch: int, kernel: int = 3) -> Layer:
    """A same-padded 2-d convolution on ``(batch, c_in, side, side)``."""
    A = Space(f"R{batch}x{c_in}x{side}x{side}", (batch, c_in, side, side))
    B = Space(f"R{batch}x{c_out}x{side}x{side}", (batch, c_out, side, side))
    bound = 1 / math.sqrt(c_in * kernel * kernel)
    return Layer(
        ParaMap(name, A, B, lambda p, a: F.conv2d(a, p[0], p[1], padding=kernel // 2)),
        lambda g: (_uniform(g, (c_out, c_in, kernel, kernel), bound), _uniform(g, (c_out,), bound)),
    )


def _attend(p: Sequence[Tensor], a: Tensor, heads: int) -> Tensor:
    """``a + MHA(LN(a))``: a pre-norm self-attention block with a residual stream."""
    ln_w, ln_b, wq, bq, wk, bk, wv, bv, wo, bo = p
    n, t, d = a.shape
    u = F.layer_norm(a, (d,), ln_w, ln_b, eps=1e-5)

    def split(w: Tensor, b: Tensor) -> Tensor:
        return F.linear(u, w, b).reshape(n, t, heads, d // heads).transpose(1, 2)

    q, k, v = split(wq, bq), split(wk, bk), split(wv, bv)
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // heads), dim=-1)
    o = (att @ v).transpose(1, 2).reshape(n, t, d)
    return a + F.linear(o, wo, bo)


def attention_block(name: str, tokens: int, d_model: int, heads: int, batch: int) -> Layer:
    """A self-attention block (layer norm, multi-head attention, residual) on
    ``(batch, tokens, d_model)``."""
    if d_model % heads:
        raise LearnerError(f"{heads} heads do not divide d_model = {d_model}", "Give a d_model divisible by heads")
    S = Space(f"R{batch}x{tokens}x{d_model}", (batch, tokens, d_model))
    bound = 1 / math.sqrt(d_model)

    def init(g: torch.Generator) -> tuple[Tensor, ...]:
        ln = (1 + 0.1 * _uniform(g, (d_model,), 1.0), 0.1 * _uniform(g, (d_model,), 1.0))
        proj = [_uniform(g, s, bound) for _ in range(4) for s in ((d_model, d_model), (d_model,))]
        return (*ln, *proj)

    return Layer(ParaMap(name, S, S, lambda p, a: _attend(p, a, heads)), init)


def _gru_step(p: Sequence[Tensor], x: Tensor, h: Tensor) -> Tensor:
    w_ih, w_hh, b_ih, b_hh = p
    i_r, i_z, i_n = F.linear(x, w_ih, b_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def gru_cell(name: str, n_in: int, hidden: int, batch: int) -> Layer:
    """A GRU cell (``torch.nn.GRUCell``'s equations) as a map from ``[x, h]`` (input and previous
    hidden state side by side, ``(batch, n_in + hidden)``) to the next hidden state."""
    A, B = Space(f"R{batch}x{n_in + hidden}", (batch, n_in + hidden)), Space(f"R{batch}x{hidden}", (batch, hidden))
    bound = 1 / math.sqrt(hidden)
    return Layer(
        ParaMap(name, A, B, lambda p, a: _gru_step(p, a[:, :n_in], a[:, n_in:])),
        lambda g: tuple(_uniform(g, s, bound) for s in ((3 * hidden, n_in), (3 * hidden, hidden), (3 * hidden,), (3 * hidden,))),
    )


# --- a case of the laws: a chain of layers with sampled data --------------------------------------
@dataclass(frozen=True)
class Chain:
    """Layers composed left to right; :meth:`sample` draws their parameters, an input and a
    target (float64) from a seed."""

    name: str
    layers: tuple[Layer, ...]

    @property
    def para(self) -> ParaMap:
        return compose_all(layer.para for layer in self.layers)  # type: ignore[return-value]

    def sample(self, seed: int) -> tuple[Any, Tensor, Tensor]:
        g = torch.Generator().manual_seed(int(seed))
        p = nest([layer.init(g) for layer in self.layers])
        a = torch.randn(self.para.dom.shape, generator=g, dtype=DTYPE)  # type: ignore[attr-defined]
        c = torch.randn(self.para.cod.shape, generator=g, dtype=DTYPE)  # type: ignore[attr-defined]
        return p, a, c


def standard_chains(batch: int = 3) -> list[Chain]:
    """One chain per kind of layer: linear, conv, attention block, GRU cell (each followed by a
    second layer, so that requests travel between them)."""
    R5 = Space(f"R{batch}x5", (batch, 5))
    conv_space = Space(f"R{batch}x2x5x5", (batch, 2, 5, 5))
    tokens = Space(f"R{batch}x3x4", (batch, 3, 4))
    return [
        Chain("linear", (linear("lin1", 4, 5, batch), activation("tanh", R5, torch.tanh), linear("lin2", 5, 3, batch))),
        Chain("conv", (conv("conv1", 1, 2, 5, batch), activation("tanh", conv_space, torch.tanh), conv("conv2", 2, 1, 5, batch))),
        Chain("attention", (attention_block("attn1", 3, 4, 2, batch), activation("gelu", tokens, F.gelu), attention_block("attn2", 3, 4, 2, batch))),
        Chain("gru", (gru_cell("gru", 3, 4, batch), linear("head", 4, 2, batch))),
    ]


def _evaluate(learner: Learner, p: Any, a: Tensor, c: Tensor) -> tuple[Tensor, ...]:
    """Implementation, updated parameters (flattened) and request, as one tuple of tensors."""
    out = learner.implement(p, a)
    return (out.detach(), *leaves(learner.update(p, a, c)), learner.request(p, a, c))


def sgd_step(functor: GradientLearning, para: ParaMap, p: Any, a: Tensor, c: Tensor) -> list[Tensor]:
    """One step of ``torch.optim.SGD(lr=ε)`` on the composite's total error (autograd), the
    independent reference for the composed learners' update."""
    ps = [t.detach().clone().requires_grad_(True) for t in leaves(p)]
    opt = torch.optim.SGD(ps, lr=functor.step)
    opt.zero_grad()
    with torch.enable_grad():
        loss = functor.error.value(para.implement(rebuild(p, ps), a), c).sum()
        loss.backward()
    for t in ps:  # parameters the error does not reach have no gradient: SGD leaves them
        if t.grad is None:
            t.grad = torch.zeros_like(t)
    opt.step()
    return [t.detach() for t in ps]


def learn_laws(
    functor: GradientLearning, chains: Sequence[Chain] | None = None, tol: float = 1e-6, seeds: int | None = None
) -> list[Law]:
    """The functor's laws on each chain (see the module docstring): sampled over hypothesis
    seeds, or — with ``seeds=k`` — checked at the seeds ``0 … k−1`` (bounded time; each seed
    draws fresh parameters, inputs and targets, so the samples can find a bug; a tolerance means
    the result is at best ``held``)."""
    from hypothesis import strategies as st

    close = approx(rtol=tol, atol=tol)
    if seeds is None:
        how: dict[str, Any] = {"arguments": st.integers(0, 2**31 - 1).map(lambda s: (s,))}
    else:
        how = {"enumerate": lambda: [(s,) for s in range(seeds)]}
    laws: list[Law] = []
    for chain in chains if chains is not None else standard_chains():
        common = {**how, "argnames": ("seed",), "compare": close, "subject": f"{chain.name} chain"}
        laws += _chain_laws(functor, chain, common)
    return laws


def _chain_laws(functor: GradientLearning, chain: Chain, common: dict[str, Any]) -> list[Law]:
    """The three laws on one chain (sides are functions of a seed)."""
    para = chain.para

    def whole(seed: int) -> tuple[Tensor, ...]:
        return _evaluate(functor(para), *chain.sample(seed))

    def parts(seed: int) -> tuple[Tensor, ...]:
        return _evaluate(functor.composed(para), *chain.sample(seed))

    def composed_update(seed: int) -> list[Tensor]:
        p, a, c = chain.sample(seed)
        return leaves(functor.composed(para).update(p, a, c))

    def sgd(seed: int) -> list[Tensor]:
        return sgd_step(functor, para, *chain.sample(seed))

    def with_unit(seed: int) -> tuple[Tensor, ...]:
        p, a, c = chain.sample(seed)
        ident = functor(Para.identity(para.cod))
        b = functor.composed(para).implement(p, a)
        return (*_evaluate(functor.composed(para) >> ident, (p, ()), a, c), ident.implement((), b), ident.request((), b, c))

    def without_unit(seed: int) -> tuple[Tensor, ...]:
        p, a, c = chain.sample(seed)
        b = functor.composed(para).implement(p, a)
        return (*_evaluate(functor.composed(para), p, a, c), b.detach(), c)

    generators = " >> ".join(f"L({g.name})" for g in para.generators)
    return [
        Law(
            "functor preserves composition",
            "learn",
            whole,
            parts,
            statement=f"L({para.name}) = {generators}: implementation, update and request agree",
            **common,
        ),
        Law(
            "one SGD step",
            "learn",
            composed_update,
            sgd,
            statement=f"the composed learners' update = one torch.optim.SGD(lr={functor.step:g}) step on "
            f"the total error of {para.name}",
            **common,
        ),
        Law(
            "preserves identities",
            "learn",
            with_unit,
            without_unit,
            statement=f"L(id_{para.cod.name}) is Learn's identity (I = id, r(b, c) = c) and "
            f"L({para.name}) >> L(id) = L({para.name})",
            **common,
        ),
    ]
