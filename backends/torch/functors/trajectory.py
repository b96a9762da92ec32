"""The paper's path functor: training trajectories as paths in parameter space, realised as
paths of representations.

A parameter dict is a point of ℝⁿ by :func:`flatten`: the tensors in the architecture's ``init``
order, each flattened row-major (C order), concatenated, as float64 (:func:`layout` lists the
order; :func:`unflatten` inverts it). A training trajectory ``θ_0, θ_1, …, θ_k`` at times
``t_0 = 0 ≤ … ≤ t_k`` is a morphism ``θ_0 → θ_k`` of the Moore path category
:data:`~catdyn.categories.paths.Path` (:func:`trajectory`); concatenating runs is composition.

:class:`PathRealisation` (a functor Path → Path, on the points of one architecture's parameter
space) sends a point ``θ`` to the point ``vec(features(θ, probe, layer))`` (the ``(N, width)``
activation matrix flattened row-major) and a trajectory to the path of representations at the
same times. Its laws (:func:`path_functor_laws`): identities and concatenation are preserved, and
splitting a gradient-descent run at any step gives two runs whose concatenation is the run.

>>> import torch
>>> from catdyn.backends.torch.models.architectures import MLP
>>> net = MLP((2, 3, 2))
>>> x, y = torch.randn(8, 2, dtype=torch.float64), torch.randint(0, 2, (8,))
>>> states = gradient_descent(net, net.init(torch.Generator().manual_seed(0), torch.float64), x, y, 4, 0.5)
>>> gamma = trajectory(net, states)
>>> gamma.points.shape, gamma.duration
((5, 17), 4.0)
>>> R = PathRealisation(net, Probe("x", x), "hidden0")
>>> R(gamma).points.shape
(5, 24)
>>> first, rest = trajectory(net, states[:3]), trajectory(net, states[2:])
>>> (first >> rest) == gamma and R(first >> rest) == R(first) >> R(rest)
True
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.functors.rep import Probe
from catdyn.backends.torch.models.architectures import Architecture, Params
from catdyn.categories.paths import DiscretePath, Path, Point
from catdyn.checker.law import Law
from catdyn.errors import ShapeError
from catdyn.functor import Functor


def layout(arch: Architecture) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``(name, shape)`` of every tensor, in the order :func:`flatten` concatenates them.

    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> layout(MLP((2, 3, 1)))
    (('fc0.weight', (3, 2)), ('fc0.bias', (3,)), ('fc1.weight', (1, 3)), ('fc1.bias', (1,)))
    """
    params = arch.init(torch.Generator().manual_seed(0))
    return tuple((name, tuple(t.shape)) for name, t in params.items())


def flatten(arch: Architecture, params: Mapping[str, Tensor]) -> np.ndarray:
    """The parameter vector: tensors in :func:`layout` order, each row-major, as float64.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 1))
    >>> flatten(net, net.init(torch.Generator().manual_seed(0))).shape
    (13,)
    """
    parts = []
    for name, shape in layout(arch):
        t = params[name]
        if tuple(t.shape) != shape:
            raise ShapeError(
                f"{name} of {arch.name} has shape {tuple(t.shape)}, not {shape}",
                "Pass this architecture's parameters",
            )
        parts.append(t.detach().cpu().to(torch.float64).reshape(-1).numpy())
    return np.concatenate(parts)


def unflatten(
    arch: Architecture, vector: np.ndarray | Sequence[float], dtype: torch.dtype = torch.float64
) -> Params:
    """The parameter dict of a vector made by :func:`flatten`.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 1))
    >>> theta = net.init(torch.Generator().manual_seed(0), torch.float64)
    >>> back = unflatten(net, flatten(net, theta))
    >>> all(torch.equal(back[k], theta[k]) for k in theta)
    True
    """
    v = np.asarray(vector, dtype=np.float64)
    shapes = layout(arch)
    total = sum(int(np.prod(s)) for _, s in shapes)
    if v.shape != (total,):
        raise ShapeError(
            f"a parameter vector of {arch.name} has {total} entries, got shape {v.shape}", "Use flatten()"
        )
    out: Params = {}
    start = 0
    for name, shape in shapes:
        n = int(np.prod(shape))
        out[name] = torch.from_numpy(v[start : start + n].copy()).reshape(shape).to(dtype)
        start += n
    return out


def trajectory(
    arch: Architecture,
    states: Sequence[Mapping[str, Tensor]],
    times: Sequence[float] | None = None,
    name: str = "γ",
) -> DiscretePath:
    """The path ``θ_0 → θ_k`` through the visited parameter dicts (times default 0, 1, …, k).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 1))
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> trajectory(net, [theta]) == Path.identity(Point(flatten(net, theta)))
    True
    """
    if not states:
        raise ShapeError(f"trajectory {name} has no states", "Give at least the starting parameters")
    return Path.path(np.stack([flatten(arch, s) for s in states]), times, name=name)


def gradient_descent(
    arch: Architecture, params: Mapping[str, Tensor], x: Tensor, y: Tensor, steps: int, lr: float
) -> list[Params]:
    """A real training trajectory: full-batch gradient descent on cross-entropy, every state
    (``steps + 1`` of them, the start included); deterministic.

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> x, y = torch.randn(8, 2), torch.randint(0, 2, (8,))
    >>> len(gradient_descent(net, net.init(torch.Generator().manual_seed(0)), x, y, 3, 0.1))
    4
    """
    buffers = set(arch.buffers())

    def loss(p: Mapping[str, Tensor]) -> Tensor:
        return F.cross_entropy(arch.apply(p, x, train=bool(buffers)), y)

    states = [dict(params)]
    current = dict(params)
    for _ in range(steps):
        grads = torch.func.grad(loss)(current)
        current = {k: v if k in buffers else (v - lr * grads[k]).detach() for k, v in current.items()}
        states.append(current)
    return states


class PathRealisation(Functor):
    """The path functor of an architecture, a probe and a layer (see the module docstring).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 1))
    >>> R = PathRealisation(net, Probe("x", torch.zeros(4, 2)), "hidden0")
    >>> R(Point(flatten(net, net.init(torch.Generator().manual_seed(0))))).dim
    12
    """

    def __init__(self, arch: Architecture, probe: Probe, layer: str, name: str | None = None) -> None:
        arch._check_layer(layer)
        self.arch, self.probe, self.layer = arch, probe, layer
        self._dim = sum(int(np.prod(s)) for _, s in layout(arch))
        self._memo: dict[bytes, Point] = {}
        super().__init__(
            name or f"P[{arch.name}, {probe.name}, {layer}]", Path, Path, self._on_point, self._on_path
        )

    def represent(self, coords: np.ndarray) -> np.ndarray:
        """``vec(features(θ, probe, layer))`` of a parameter vector (float64, row-major)."""
        params = unflatten(self.arch, coords)
        data = self.probe.data.to(torch.float64) if self.probe.data.is_floating_point() else self.probe.data
        return self.arch.features(params, data, self.layer).detach().reshape(-1).numpy().astype(np.float64)

    def _on_point(self, point: Point) -> Point:
        if point.dim != self._dim:
            raise ShapeError(
                f"{self.name} realises points of ℝ^{self._dim} (parameters of {self.arch.name}), got ℝ^{point.dim}",
                "Flatten this architecture's parameters with flatten()",
            )
        key = point.coords.tobytes()
        if key not in self._memo:
            if len(self._memo) > 4096:
                self._memo.clear()
            self._memo[key] = Point(self.represent(point.coords))
        return self._memo[key]

    def _on_path(self, path: DiscretePath) -> DiscretePath:
        dom, cod = self._on_point(path.dom), self._on_point(path.cod)
        inner = [self._on_point(Point(p)).coords for p in path.points[1:-1]]
        points = np.stack([dom.coords, *inner, cod.coords]) if len(path.points) > 1 else dom.coords[None, :]
        return DiscretePath(f"{self.name}({path.name})", dom, cod, points, path.steps)


def path_functor_laws(
    R: PathRealisation, x: Tensor, y: Tensor, max_steps: int = 4, lr: float = 0.5, functor: Any = None
) -> list[Law]:
    """The path functor's laws on real gradient-descent runs of ``R.arch`` on ``(x, y)`` from
    hypothesis-drawn seeds, lengths and split points: identities, concatenation, and that a split
    run concatenates back to the run. ``functor`` replaces ``R`` on the left-hand sides (to test
    that a wrong realisation is refuted).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> net = MLP((2, 3, 2))
    >>> R = PathRealisation(net, Probe("x", torch.zeros(3, 2)), "hidden0")
    >>> [law.name for law in path_functor_laws(R, torch.zeros(3, 2), torch.zeros(3, dtype=torch.long))]
    ['preserves identities', 'preserves concatenation', 'a split run concatenates back']
    """
    from hypothesis import strategies as st

    F_ = functor if functor is not None else R
    x64 = x.to(torch.float64) if x.is_floating_point() else x

    @functools.lru_cache(maxsize=64)
    def run(seed: int, steps: int) -> list[Params]:
        start = R.arch.init(torch.Generator().manual_seed(seed), torch.float64)
        return gradient_descent(R.arch, start, x64, y, steps, lr)

    def split(seed: int, steps: int, k: int) -> tuple[DiscretePath, DiscretePath, DiscretePath]:
        states = run(seed, steps)
        k = min(k, steps)
        first = trajectory(R.arch, states[: k + 1], name="γ1")
        second = Path.path(np.stack([flatten(R.arch, s) for s in states[k:]]), name="γ2", dom=first.cod)
        return first, second, trajectory(R.arch, states)

    seeds = st.integers(0, 2**16)
    runs = st.tuples(seeds, st.integers(0, max_steps), st.integers(0, max_steps))
    return [
        Law(
            "preserves identities",
            "functor",
            lambda seed: F_(Path.identity(Point(flatten(R.arch, run(seed, 0)[0])))),
            lambda seed: Path.identity(R(Point(flatten(R.arch, run(seed, 0)[0])))),
            arguments=seeds.map(lambda s: (s,)),
            argnames=("seed",),
            statement=f"{R.name}(id_θ) = id_{R.name}(θ) at initialisations θ",
            subject=R.name,
        ),
        Law(
            "preserves concatenation",
            "functor",
            lambda seed, steps, k: F_(split(seed, steps, k)[0] >> split(seed, steps, k)[1]),
            lambda seed, steps, k: R(split(seed, steps, k)[0]) >> R(split(seed, steps, k)[1]),
            arguments=runs,
            argnames=("seed", "steps", "split"),
            statement=f"{R.name}(γ1 >> γ2) = {R.name}(γ1) >> {R.name}(γ2) for gradient-descent runs split at a step",
            subject=R.name,
        ),
        Law(
            "a split run concatenates back",
            "path",
            lambda seed, steps, k: split(seed, steps, k)[0] >> split(seed, steps, k)[1],
            lambda seed, steps, k: split(seed, steps, k)[2],
            arguments=runs,
            argnames=("seed", "steps", "split"),
            statement="trajectory(θ_0 … θ_k) >> trajectory(θ_k … θ_n) = trajectory(θ_0 … θ_n)",
            subject=R.name,
        ),
    ]
