"""Architectures as pure functions of a parameter dict, with their symmetry declared once.

Five families: :class:`MLP`, :class:`CNN`, :class:`ResNet`, :class:`Transformer`, :class:`GRU`.
Each is a frozen dataclass (its sizes) with

- ``init(generator)`` — an ordered ``dict[str, Tensor]`` of parameters, deterministic given the
  generator (uniform ±1/√fan_in for weights and biases, as torch's default layers; norm scales 1,
  shifts 0; running mean 0, running variance 1);
- ``apply(params, x)`` — the logits, a pure function of ``params`` (no module state, no in-place
  writes, no data-dependent control flow), so it works under ``torch.func.vmap`` and ``grad``;
- ``features(params, x, layer)`` — the activations of a named layer as an ``(N, width)`` matrix;
  spatial dimensions of conv layers and the token dimension of the Transformer are **averaged**
  (global mean pooling), so a layer's coordinates are its units, channels or heads' coordinates;
- ``layers()`` — the names usable in ``features``; ``layer_action(layer)`` — which symmetry group
  acts on the layer's coordinates and how;
- ``symmetry`` — the :class:`~catdyn.backends.torch.models.symmetry.SymmetrySpec`: every permutation group
  and every tensor axis it acts on. ``permute`` in :mod:`catdyn.backends.torch.models.symmetry` applies an
  element; ``widen`` in :mod:`catdyn.backends.torch.models.widening` embeds into a wider architecture.

**Batch norm** (``batch_norm=True``, MLP/CNN/ResNet; off by default): the scale ``bnK.weight``, shift
``bnK.bias`` and the running statistics ``bnK.running_mean`` / ``bnK.running_var`` are all entries
of the parameter dict; :meth:`Architecture.buffers` names the statistics (not to be trained).
``apply(params, x)`` uses the stored statistics (evaluation mode, pure);
``apply(params, x, train=True)`` normalises with the batch's own statistics and updates nothing;
:func:`recalibrate` recomputes the statistics from data. Without ``batch_norm`` there are no
normalisation entries at all. The Transformer uses layer norm (scale and shift, no statistics).

>>> import torch
>>> net = MLP((4, 8, 3))
>>> theta = net.init(torch.Generator().manual_seed(0))
>>> list(theta)
['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']
>>> x = torch.randn(5, 4)
>>> net.apply(theta, x).shape
torch.Size([5, 3])
>>> net.features(theta, x, "hidden0").shape
torch.Size([5, 8])
>>> batched = {k: torch.stack([v, v + 0.1]) for k, v in theta.items()}
>>> torch.func.vmap(net.apply, in_dims=(0, None))(batched, x).shape
torch.Size([2, 5, 3])
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from catdyn.backends.torch.models.symmetry import AxisAction, LayerAction, PermGroup, SymmetrySpec
from catdyn.errors import ArchitectureConfigError, ArchitectureError, CatdynError, ShapeError

Params = dict[str, Tensor]

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "gelu": F.gelu,
    "sigmoid": torch.sigmoid,
    "identity": lambda t: t,
}
"""Elementwise activations by name (every one commutes with permutations and duplication)."""

_EPS = 1e-5


def _uniform(generator: torch.Generator, shape: tuple[int, ...], bound: float, dtype: torch.dtype) -> Tensor:
    return (torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1) * bound


def _linear_init(
    params: Params, prefix: str, fan_out: int, fan_in: int, generator: torch.Generator, dtype: torch.dtype
) -> None:
    bound = 1 / math.sqrt(fan_in)
    params[f"{prefix}.weight"] = _uniform(generator, (fan_out, fan_in), bound, dtype)
    params[f"{prefix}.bias"] = _uniform(generator, (fan_out,), bound, dtype)


def _conv_init(
    params: Params, prefix: str, c_out: int, c_in: int, k: int, generator: torch.Generator, dtype: torch.dtype
) -> None:
    bound = 1 / math.sqrt(c_in * k * k)
    params[f"{prefix}.weight"] = _uniform(generator, (c_out, c_in, k, k), bound, dtype)
    params[f"{prefix}.bias"] = _uniform(generator, (c_out,), bound, dtype)


def _norm_init(params: Params, prefix: str, n: int, dtype: torch.dtype, stats: bool) -> None:
    params[f"{prefix}.weight"] = torch.ones(n, dtype=dtype)
    params[f"{prefix}.bias"] = torch.zeros(n, dtype=dtype)
    if stats:
        params[f"{prefix}.running_mean"] = torch.zeros(n, dtype=dtype)
        params[f"{prefix}.running_var"] = torch.ones(n, dtype=dtype)


def _norm_actions(prefix: str, stats: bool) -> tuple[AxisAction, ...]:
    names = ("weight", "bias", "running_mean", "running_var") if stats else ("weight", "bias")
    return tuple(AxisAction(f"{prefix}.{n}", 0, "out") for n in names)


class _Recording(dict):
    """A parameter dict that records the batch statistics of a training-mode pass (for
    :func:`recalibrate`)."""

    def __init__(self, params: Mapping[str, Tensor]) -> None:
        super().__init__(params)
        self.statistics: dict[str, Tensor] = {}


def _batch_norm(x: Tensor, params: Mapping[str, Tensor], prefix: str, train: bool) -> Tensor:
    """Batch norm over axis 1 of ``(N, C)`` or ``(N, C, H, W)``; pure (never updates statistics)."""
    shape = (1, -1) + (1,) * (x.dim() - 2)
    if train:
        dims = (0, *range(2, x.dim()))
        mean = x.mean(dim=dims)
        var = x.var(dim=dims, unbiased=False)
        if isinstance(params, _Recording):
            params.statistics[f"{prefix}.running_mean"] = mean.detach()
            params.statistics[f"{prefix}.running_var"] = var.detach()
    else:
        mean, var = params[f"{prefix}.running_mean"], params[f"{prefix}.running_var"]
    normed = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + _EPS)
    return normed * params[f"{prefix}.weight"].reshape(shape) + params[f"{prefix}.bias"].reshape(shape)


def _is_whole(value: Any, least: int = 1) -> bool:
    """Whether ``value`` is a whole number ≥ ``least`` (``3`` and ``3.0`` are, ``2.5`` and
    ``True`` are not)."""
    if isinstance(value, bool):
        return False
    try:
        return bool(int(value) == value) and int(value) >= least
    except (TypeError, ValueError, OverflowError):
        return False


def _whole(kind: str, field: str, value: Any) -> int:
    """``value`` as an int, or an :class:`~catdyn.errors.ArchitectureError` naming the field."""
    if not _is_whole(value):
        raise ArchitectureError.bad_size(kind, field, value, "a whole number ≥ 1")
    return int(value)


def _wholes(
    kind: str, field: str, values: Any, least_items: int = 0, items: int | None = None
) -> tuple[int, ...]:
    """``values`` as a tuple of ints ≥ 1 (at least ``least_items`` of them, or exactly ``items``)."""
    count = f"exactly {items}" if items is not None else f"at least {least_items}"
    rule = f"a tuple of {count} whole number(s) ≥ 1"
    try:
        entries = tuple(values)
    except TypeError:
        raise ArchitectureError.bad_size(kind, field, values, rule) from None
    wrong_count = len(entries) != items if items is not None else len(entries) < least_items
    if wrong_count or not all(_is_whole(v) for v in entries):
        raise ArchitectureError.bad_size(kind, field, entries, rule)
    return tuple(int(v) for v in entries)


def _outside_transforms() -> AbstractContextManager[Any]:
    """A context in which random draws are allowed even under ``vmap`` (for the meta-device
    templates of :attr:`Architecture.param_shapes`, which may first be asked for inside vmap)."""
    disable = getattr(torch._C, "_DisableFuncTorch", None)
    return disable() if disable is not None else nullcontext()


def _float_dtype(params: Mapping[str, Tensor]) -> torch.dtype | None:
    for t in params.values():
        if isinstance(t, Tensor) and t.is_floating_point():
            return t.dtype
    return None


def _activation(name: str) -> Callable[[Tensor], Tensor]:
    if name not in ACTIVATIONS:
        raise ShapeError(f"unknown activation {name!r}", f"Choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


class Architecture(ABC):
    """A network family member: parameters as a dict, the forward pass as a pure function, and
    its declared permutation symmetry (see the module docstring for the contract)."""

    @property
    @abstractmethod
    def name(self) -> str:
        """A short name that includes the sizes (used to name its Param object and symmetry group)."""

    @abstractmethod
    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """A fresh ordered parameter dict, deterministic given ``generator``."""

    @abstractmethod
    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """The logits and the ``(N, width)`` features of every layer."""

    @abstractmethod
    def layers(self) -> tuple[str, ...]:
        """The layer names usable in :meth:`features` (the last is always ``"logits"``)."""

    @property
    @abstractmethod
    def symmetry(self) -> SymmetrySpec:
        """The declared permutation groups and the tensor axes they act on."""

    @abstractmethod
    def layer_action(self, layer: str) -> LayerAction:
        """Which group acts on ``layer``'s feature coordinates, and with what layout."""

    @abstractmethod
    def resized(self, sizes: Mapping[str, int]) -> Architecture:
        """The same architecture with some groups' sizes changed (``{group name: new size}``)."""

    @abstractmethod
    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        """``n`` random inputs of the right shape (for tests and probes)."""

    def buffers(self) -> tuple[str, ...]:
        """Entries of the parameter dict that are statistics, not trained (batch-norm running
        mean and variance); empty without batch norm."""
        return ()

    def apply(self, params: Mapping[str, Tensor], x: Tensor, *, train: bool = False) -> Tensor:
        """The logits ``f_θ(x)``, shape ``(N, classes)``. ``train=True`` makes batch norm use the
        batch's statistics.

        Nothing is checked on the way in (``apply`` runs in training loops, under ``vmap`` and
        ``grad``); when torch fails, :meth:`check_params` and :meth:`check_input` name the cause.

        >>> net = MLP((2, 3, 2))
        >>> net.apply(net.init(torch.Generator().manual_seed(0)), torch.zeros(4, 5))
        Traceback (most recent call last):
        ...
        catdyn.errors.ArchitectureError: the input to mlp(2-3-2) has shape (4, 5) but mlp(2-3-2) takes (N, 2). Give a batch of inputs of that shape (the batch first), or build the architecture for this data.
        """
        return self._run(params, x, train)[0]

    def features(self, params: Mapping[str, Tensor], x: Tensor, layer: str, *, train: bool = False) -> Tensor:
        """The activations of ``layer`` on ``x`` as an ``(N, width)`` matrix (conv and token
        dimensions averaged)."""
        self._check_layer(layer)
        return self._run(params, x, train)[1][layer]

    def _run(self, params: Mapping[str, Tensor], x: Tensor, train: bool) -> tuple[Tensor, dict[str, Tensor]]:
        """:meth:`_forward`, with torch's failures explained (free when nothing fails)."""
        try:
            return self._forward(params, x, train)
        except (KeyError, IndexError, RuntimeError, TypeError, ValueError) as err:
            found = self._explain(params, x)
            if found is None:
                raise
            raise found from err

    def _explain(self, params: Mapping[str, Tensor], x: Tensor) -> CatdynError | None:
        """The catdyn error that explains a failed forward pass, or None if the checks find
        nothing (or cannot run, e.g. on data-dependent checks under a transform)."""
        try:
            self.check_params(params, extra_ok=True)
            self.check_input(x, _float_dtype(params))
        except CatdynError as found:
            return found
        except Exception:
            return None
        return None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fields only: what cached properties hold (shapes, symmetry groups; some of
        it, like a read-only mapping, does not pickle) is recomputed on first use after loading,
        so an architecture that has been used can still be sent to a worker process.

        >>> import pickle
        >>> net = MLP((2, 3, 1)); _ = net.param_shapes
        >>> pickle.loads(pickle.dumps(net)) == net
        True
        """
        cached = {
            name
            for klass in type(self).__mro__
            for name, attr in vars(klass).items()
            if isinstance(attr, cached_property)
        }
        return {k: v for k, v in self.__dict__.items() if k not in cached}

    @cached_property
    def param_shapes(self) -> Mapping[str, tuple[int, ...]]:
        """The shape of every entry of the parameter dict, in :meth:`init`'s order (computed once,
        without allocating a tensor).

        >>> dict(MLP((2, 3, 1)).param_shapes)
        {'fc0.weight': (3, 2), 'fc0.bias': (3,), 'fc1.weight': (1, 3), 'fc1.bias': (1,)}
        """
        with _outside_transforms(), torch.device("meta"):
            params = self.init(torch.Generator())
        return MappingProxyType({k: tuple(v.shape) for k, v in params.items()})

    def check_params(self, params: Mapping[str, Tensor], *, extra_ok: bool = False) -> None:
        """Raise an :class:`~catdyn.errors.ArchitectureError` (a ShapeError) naming the tensor
        unless ``params`` holds every tensor of this architecture with its shape (and, unless
        ``extra_ok``, nothing else). Cheap: shapes only, no data is read.

        >>> net = MLP((2, 3, 1))
        >>> net.check_params({**net.init(torch.Generator().manual_seed(0)), "fc0.bias": torch.zeros(4)})
        Traceback (most recent call last):
        ...
        catdyn.errors.ArchitectureError: parameter fc0.bias of mlp(2-3-1) has shape (4,) but the architecture needs (3,). Pass parameters made for mlp(2-3-1) (its init gives the layout), or build the architecture they were made for.
        """
        expected = self.param_shapes
        for name, shape in expected.items():
            if name not in params:
                raise ArchitectureError.missing_tensor(self.name, name, shape, list(params))
            t = params[name]
            if not isinstance(t, Tensor):
                raise ArchitectureError.not_a_tensor(self.name, name, t)
            if t.shape != shape:
                raise ArchitectureError.tensor_shape(self.name, name, tuple(t.shape), shape)
        if not extra_ok and len(params) != len(expected):
            extra = [k for k in params if k not in expected]
            raise ArchitectureError.extra_tensors(self.name, extra, list(expected))

    def _input_dims(self) -> tuple[int | str, ...]:
        """The shape of one input: a size, or a name where any size will do. (The families say it
        outright: this default draws an example, which vmap refuses.)"""
        with _outside_transforms(), torch.device("meta"):
            return tuple(self.example_input(1, torch.Generator()).shape[1:])

    def _input_text(self) -> str:
        return "(N, " + ", ".join(map(str, self._input_dims())) + ")"

    def check_input(self, x: Tensor, dtype: torch.dtype | None = None) -> None:
        """Raise an :class:`~catdyn.errors.ArchitectureError` (a ShapeError) unless ``x`` is a
        batch of inputs this architecture takes (and, given ``dtype``, floating inputs of that
        dtype). Token ids are also checked against the vocabulary (which reads the data).

        >>> MLP((2, 3, 1)).check_input(torch.zeros(4, 2))
        >>> GRU(3, 5, 2).check_input(torch.zeros(4, 9, 3))
        """
        if not isinstance(x, Tensor):
            raise ArchitectureError.input_dtype(self.name, type(x).__name__, "torch tensors")
        dims = self._input_dims()
        shape = tuple(x.shape)
        if len(shape) != len(dims) + 1 or any(isinstance(d, int) and s != d for s, d in zip(shape[1:], dims)):
            raise ArchitectureError.input_shape(self.name, shape, self._input_text())
        if not x.is_floating_point():
            raise ArchitectureError.input_dtype(self.name, x.dtype, "floating-point inputs")
        if dtype is not None and x.dtype != dtype:
            raise ArchitectureError.input_dtype(self.name, x.dtype, f"{dtype}, the dtype of its parameters")

    def layer_width(self, layer: str) -> int:
        """The number of coordinates of ``layer``'s features."""
        return self.layer_action(layer).width

    def _check_layer(self, layer: str) -> None:
        if layer not in self.layers():
            raise ShapeError(f"{self.name} has no layer {layer!r}", f"Its layers are {list(self.layers())}")

    def _check_sizes(self, sizes: Mapping[str, int]) -> None:
        """Every key a group of this architecture (else a ShapeError listing them), every size a
        whole number ≥ 1."""
        for g, n in sizes.items():
            self.symmetry[g]
            if not _is_whole(n):
                raise ArchitectureError.bad_size(self.name, f"size of group {g}", n, "a whole number ≥ 1")


def recalibrate(arch: Architecture, params: Mapping[str, Tensor], x: Tensor) -> Params:
    """The parameters with every batch-norm running statistic recomputed on ``x`` (layer by layer,
    with the batch's own statistics, as at the end of training); unchanged without batch norm.

    >>> import torch
    >>> net = MLP((3, 4, 2), batch_norm=True)
    >>> theta = net.init(torch.Generator().manual_seed(0))
    >>> x = torch.randn(16, 3)
    >>> fixed = recalibrate(net, theta, x)
    >>> bool(torch.allclose(net.apply(fixed, x), net.apply(theta, x, train=True), atol=1e-5))
    True
    """
    arch.check_params(params)
    arch.check_input(x, _float_dtype(params))
    recorder = _Recording(params)
    arch._forward(recorder, x, True)
    return {**params, **recorder.statistics}


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MLP(Architecture):
    """A multilayer perceptron ``widths = (in, h1, …, hk, out)``; hidden layer ``i`` is group
    ``hidden{i}`` and feature layer ``hidden{i}`` (after the activation).

    >>> MLP((4, 8, 6, 3)).symmetry.names()
    ('hidden0', 'hidden1')
    >>> MLP((4, 8, 6, 3)).layers()
    ('hidden0', 'hidden1', 'logits')
    """

    widths: tuple[int, ...]
    activation: str = "relu"
    batch_norm: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", _wholes("MLP", "widths", self.widths, least_items=2))
        _activation(self.activation)

    @property
    def name(self) -> str:
        return "mlp(" + "-".join(map(str, self.widths)) + (",bn" if self.batch_norm else "") + ")"

    @property
    def _hidden(self) -> int:
        return len(self.widths) - 2

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Fresh parameters (``fc{i}.weight``, ``fc{i}.bias``, and ``bn{i}.*`` with batch norm)."""
        params: Params = {}
        for i in range(len(self.widths) - 1):
            _linear_init(params, f"fc{i}", self.widths[i + 1], self.widths[i], generator, dtype)
            if self.batch_norm and i < self._hidden:
                _norm_init(params, f"bn{i}", self.widths[i + 1], dtype, stats=True)
        return params

    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        act = _activation(self.activation)
        feats: dict[str, Tensor] = {}
        h = x
        for i in range(self._hidden):
            h = F.linear(h, params[f"fc{i}.weight"], params[f"fc{i}.bias"])
            if self.batch_norm:
                h = _batch_norm(h, params, f"bn{i}", train)
            h = act(h)
            feats[f"hidden{i}"] = h
        k = self._hidden
        logits = F.linear(h, params[f"fc{k}.weight"], params[f"fc{k}.bias"])
        feats["logits"] = logits
        return logits, feats

    def layers(self) -> tuple[str, ...]:
        return (*(f"hidden{i}" for i in range(self._hidden)), "logits")

    @cached_property
    def symmetry(self) -> SymmetrySpec:  # type: ignore[override]
        groups = []
        for i in range(self._hidden):
            actions = [AxisAction(f"fc{i}.weight", 0, "out"), AxisAction(f"fc{i}.bias", 0, "out")]
            if self.batch_norm:
                actions += _norm_actions(f"bn{i}", stats=True)
            actions.append(AxisAction(f"fc{i + 1}.weight", 1, "in"))
            groups.append(PermGroup(f"hidden{i}", self.widths[i + 1], tuple(actions)))
        return SymmetrySpec(self.name, tuple(groups))

    def layer_action(self, layer: str) -> LayerAction:
        self._check_layer(layer)
        if layer == "logits":
            return LayerAction(None, self.widths[-1])
        return LayerAction(layer, self.widths[int(layer[len("hidden") :]) + 1])

    def resized(self, sizes: Mapping[str, int]) -> MLP:
        self._check_sizes(sizes)
        widths = list(self.widths)
        for g, n in sizes.items():
            widths[int(g[len("hidden") :]) + 1] = int(n)
        return replace(self, widths=tuple(widths))

    def buffers(self) -> tuple[str, ...]:
        if not self.batch_norm:
            return ()
        return tuple(f"bn{i}.{s}" for i in range(self._hidden) for s in ("running_mean", "running_var"))

    def _input_dims(self) -> tuple[int | str, ...]:
        return (self.widths[0],)

    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        return torch.randn(n, self.widths[0], generator=generator, dtype=dtype)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CNN(Architecture):
    """A small CNN: convs ``conv{i}`` (``kernel``×``kernel``, same padding) each followed by batch
    norm (optional), the activation and a 2×2 ``pool`` (``"max"``, ``"avg"`` or None), then a
    linear head on the flattened (``readout="flatten"``, channel-major) or spatially averaged
    (``readout="mean"``) last feature map. Group and feature layer ``conv{i}`` are its channels
    (features averaged over space, after pooling).

    >>> net = CNN((1, 8, 8), (4, 6), 10)
    >>> net.symmetry["conv1"].actions[-1]
    AxisAction(tensor='head.weight', axis=1, role='in', block=4, tile=1)
    """

    input_shape: tuple[int, int, int]
    channels: tuple[int, ...]
    classes: int
    kernel: int = 3
    pool: str | None = "max"
    readout: str = "flatten"
    activation: str = "relu"
    batch_norm: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", _wholes("CNN", "channels", self.channels, least_items=1))
        object.__setattr__(self, "input_shape", _wholes("CNN", "input_shape", self.input_shape, items=3))
        object.__setattr__(self, "classes", _whole("CNN", "classes", self.classes))
        object.__setattr__(self, "kernel", _whole("CNN", "kernel", self.kernel))
        side = 2 ** len(self.channels) if self.pool is not None else 1
        if min(self.input_shape[1:]) < side:
            raise ArchitectureError.bad_size(
                "CNN",
                "input_shape",
                self.input_shape,
                f"at least {side}×{side} pixels for {len(self.channels)} 2×2 pooling layer(s)",
            )
        if (
            self.kernel % 2 != 1
            or self.pool not in ("max", "avg", None)
            or self.readout not in ("flatten", "mean")
        ):
            raise ShapeError(
                f"CNN options kernel={self.kernel}, pool={self.pool!r}, readout={self.readout!r} are not supported",
                "Use an odd kernel, pool in {'max', 'avg', None} and readout in {'flatten', 'mean'}",
            )
        _activation(self.activation)

    @property
    def name(self) -> str:
        return (
            f"cnn({'x'.join(map(str, self.input_shape))};{'-'.join(map(str, self.channels))};{self.classes})"
        )

    def _spatial(self) -> tuple[int, int]:
        h, w = self.input_shape[1:]
        for _ in self.channels:
            if self.pool is not None:
                h, w = h // 2, w // 2
        return h, w

    def _head_in(self) -> int:
        h, w = self._spatial()
        return self.channels[-1] * (h * w if self.readout == "flatten" else 1)

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Fresh parameters (``conv{i}.*``, ``bn{i}.*`` with batch norm, ``head.*``)."""
        params: Params = {}
        c_in = self.input_shape[0]
        for i, c in enumerate(self.channels):
            _conv_init(params, f"conv{i}", c, c_in, self.kernel, generator, dtype)
            if self.batch_norm:
                _norm_init(params, f"bn{i}", c, dtype, stats=True)
            c_in = c
        _linear_init(params, "head", self.classes, self._head_in(), generator, dtype)
        return params

    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        act = _activation(self.activation)
        feats: dict[str, Tensor] = {}
        h = x
        for i in range(len(self.channels)):
            h = F.conv2d(h, params[f"conv{i}.weight"], params[f"conv{i}.bias"], padding=self.kernel // 2)
            if self.batch_norm:
                h = _batch_norm(h, params, f"bn{i}", train)
            h = act(h)
            if self.pool == "max":
                h = F.max_pool2d(h, 2)
            elif self.pool == "avg":
                h = F.avg_pool2d(h, 2)
            feats[f"conv{i}"] = h.mean(dim=(-2, -1))
        z = h.flatten(-3) if self.readout == "flatten" else h.mean(dim=(-2, -1))
        logits = F.linear(z, params["head.weight"], params["head.bias"])
        feats["logits"] = logits
        return logits, feats

    def layers(self) -> tuple[str, ...]:
        return (*(f"conv{i}" for i in range(len(self.channels))), "logits")

    @cached_property
    def symmetry(self) -> SymmetrySpec:  # type: ignore[override]
        groups = []
        h, w = self._spatial()
        for i, c in enumerate(self.channels):
            actions = [AxisAction(f"conv{i}.weight", 0, "out"), AxisAction(f"conv{i}.bias", 0, "out")]
            if self.batch_norm:
                actions += _norm_actions(f"bn{i}", stats=True)
            if i + 1 < len(self.channels):
                actions.append(AxisAction(f"conv{i + 1}.weight", 1, "in"))
            else:
                block = h * w if self.readout == "flatten" else 1
                actions.append(AxisAction("head.weight", 1, "in", block=block))
            groups.append(PermGroup(f"conv{i}", c, tuple(actions)))
        return SymmetrySpec(self.name, tuple(groups))

    def layer_action(self, layer: str) -> LayerAction:
        self._check_layer(layer)
        if layer == "logits":
            return LayerAction(None, self.classes)
        return LayerAction(layer, self.channels[int(layer[len("conv") :])])

    def resized(self, sizes: Mapping[str, int]) -> CNN:
        self._check_sizes(sizes)
        channels = list(self.channels)
        for g, n in sizes.items():
            channels[int(g[len("conv") :])] = int(n)
        return replace(self, channels=tuple(channels))

    def buffers(self) -> tuple[str, ...]:
        if not self.batch_norm:
            return ()
        return tuple(f"bn{i}.{s}" for i in range(len(self.channels)) for s in ("running_mean", "running_var"))

    def _input_dims(self) -> tuple[int | str, ...]:
        c, h, w = self.input_shape
        return (c, h, w) if self.readout == "flatten" else (c, "H", "W")

    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        return torch.randn(n, *self.input_shape, generator=generator, dtype=dtype)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResNet(Architecture):
    """A small residual net: a 3×3 ``stem`` conv to ``width`` channels, then one residual block
    per entry of ``inner`` (``x ← act(x + bn2(conv2(act(bn1(conv1 x)))))``, ``conv1`` to ``inner[b]``
    channels and ``conv2`` back to ``width``), spatial averaging and a linear ``head``.

    The residual stream's channels are coupled by the additions, so **one** group ``stream``
    permutes the stem's outputs, every ``conv2``'s outputs, every ``conv1``'s inputs and the head's
    inputs; group ``block{b}.inner`` permutes block ``b``'s inner channels. Feature layers:
    ``stem``, ``block{b}`` (stream coordinates), ``block{b}.inner``, ``logits`` (all averaged over
    space).

    >>> ResNet((1, 8, 8), 4, (3, 5), 10).symmetry.names()
    ('stream', 'block0.inner', 'block1.inner')
    """

    input_shape: tuple[int, int, int]
    width: int
    inner: tuple[int, ...]
    classes: int
    activation: str = "relu"
    batch_norm: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "inner", _wholes("ResNet", "inner", self.inner))
        object.__setattr__(self, "input_shape", _wholes("ResNet", "input_shape", self.input_shape, items=3))
        object.__setattr__(self, "width", _whole("ResNet", "width", self.width))
        object.__setattr__(self, "classes", _whole("ResNet", "classes", self.classes))
        _activation(self.activation)

    @property
    def name(self) -> str:
        inner = "-".join(map(str, self.inner))
        return f"resnet({'x'.join(map(str, self.input_shape))};{self.width};{inner};{self.classes})"

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Fresh parameters (``stem.*``, ``block{b}.conv1/conv2.*``, ``bn`` entries, ``head.*``)."""
        params: Params = {}
        _conv_init(params, "stem", self.width, self.input_shape[0], 3, generator, dtype)
        if self.batch_norm:
            _norm_init(params, "stem_bn", self.width, dtype, stats=True)
        for b, c in enumerate(self.inner):
            _conv_init(params, f"block{b}.conv1", c, self.width, 3, generator, dtype)
            if self.batch_norm:
                _norm_init(params, f"block{b}.bn1", c, dtype, stats=True)
            _conv_init(params, f"block{b}.conv2", self.width, c, 3, generator, dtype)
            if self.batch_norm:
                _norm_init(params, f"block{b}.bn2", self.width, dtype, stats=True)
        _linear_init(params, "head", self.classes, self.width, generator, dtype)
        return params

    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        act = _activation(self.activation)
        feats: dict[str, Tensor] = {}
        h = F.conv2d(x, params["stem.weight"], params["stem.bias"], padding=1)
        if self.batch_norm:
            h = _batch_norm(h, params, "stem_bn", train)
        h = act(h)
        feats["stem"] = h.mean(dim=(-2, -1))
        for b in range(len(self.inner)):
            u = F.conv2d(h, params[f"block{b}.conv1.weight"], params[f"block{b}.conv1.bias"], padding=1)
            if self.batch_norm:
                u = _batch_norm(u, params, f"block{b}.bn1", train)
            u = act(u)
            feats[f"block{b}.inner"] = u.mean(dim=(-2, -1))
            u = F.conv2d(u, params[f"block{b}.conv2.weight"], params[f"block{b}.conv2.bias"], padding=1)
            if self.batch_norm:
                u = _batch_norm(u, params, f"block{b}.bn2", train)
            h = act(h + u)
            feats[f"block{b}"] = h.mean(dim=(-2, -1))
        logits = F.linear(h.mean(dim=(-2, -1)), params["head.weight"], params["head.bias"])
        feats["logits"] = logits
        return logits, feats

    def layers(self) -> tuple[str, ...]:
        blocks = [name for b in range(len(self.inner)) for name in (f"block{b}.inner", f"block{b}")]
        return ("stem", *blocks, "logits")

    @cached_property
    def symmetry(self) -> SymmetrySpec:  # type: ignore[override]
        bn = self.batch_norm
        stream = [AxisAction("stem.weight", 0, "out"), AxisAction("stem.bias", 0, "out")]
        if bn:
            stream += _norm_actions("stem_bn", stats=True)
        inner_groups = []
        for b, c in enumerate(self.inner):
            stream.append(AxisAction(f"block{b}.conv1.weight", 1, "in"))
            stream += [
                AxisAction(f"block{b}.conv2.weight", 0, "out"),
                AxisAction(f"block{b}.conv2.bias", 0, "out"),
            ]
            if bn:
                stream += _norm_actions(f"block{b}.bn2", stats=True)
            inner = [
                AxisAction(f"block{b}.conv1.weight", 0, "out"),
                AxisAction(f"block{b}.conv1.bias", 0, "out"),
            ]
            if bn:
                inner += _norm_actions(f"block{b}.bn1", stats=True)
            inner.append(AxisAction(f"block{b}.conv2.weight", 1, "in"))
            inner_groups.append(PermGroup(f"block{b}.inner", c, tuple(inner)))
        stream.append(AxisAction("head.weight", 1, "in"))
        return SymmetrySpec(self.name, (PermGroup("stream", self.width, tuple(stream)), *inner_groups))

    def layer_action(self, layer: str) -> LayerAction:
        self._check_layer(layer)
        if layer == "logits":
            return LayerAction(None, self.classes)
        if layer.endswith(".inner"):
            return LayerAction(layer, self.inner[int(layer[len("block") : -len(".inner")])])
        return LayerAction("stream", self.width)

    def resized(self, sizes: Mapping[str, int]) -> ResNet:
        self._check_sizes(sizes)
        width, inner = self.width, list(self.inner)
        for g, n in sizes.items():
            if g == "stream":
                width = int(n)
            else:
                inner[int(g[len("block") : -len(".inner")])] = int(n)
        return replace(self, width=width, inner=tuple(inner))

    def buffers(self) -> tuple[str, ...]:
        if not self.batch_norm:
            return ()
        prefixes = ["stem_bn"] + [f"block{b}.bn{j}" for b in range(len(self.inner)) for j in (1, 2)]
        return tuple(f"{p}.{s}" for p in prefixes for s in ("running_mean", "running_var"))

    def _input_dims(self) -> tuple[int | str, ...]:
        return (self.input_shape[0], "H", "W")

    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        return torch.randn(n, *self.input_shape, generator=generator, dtype=dtype)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transformer(Architecture):
    """A tiny pre-norm Transformer encoder classifier.

    Inputs are ``(N, seq_len, input_dim)`` vectors (linear embedding) or, with ``vocab``, token ids
    ``(N, seq_len)`` (embedding table). A learned position embedding is added; each layer ``l`` is
    ``x ← x + attn(ln1 x)``, ``x ← x + mlp(ln2 x)`` with ``heads[l]`` heads of ``head_dim`` and a
    GELU MLP of ``mlp[l]`` units; then a final layer norm, the mean over tokens and a linear head.

    Groups: ``stream`` (the residual stream's ``d_model`` coordinates, through every embedding,
    layer norm, projection and the head; not widenable — layer norm reads all coordinates),
    ``layer{l}.heads`` (whole heads: q, k, v rows in blocks of ``head_dim`` and the output
    projection's columns), ``layer{l}.mlp`` (hidden units). Permutations *within* a head (of the
    shared q/k coordinates, or of v with the output columns) are symmetries too but are not
    declared: with head permutations they form a wreath product, not a product of symmetric groups.

    Feature layers (averaged over tokens): ``embed``, ``layer{l}.attn`` (the concatenated head
    outputs before the output projection), ``layer{l}.mlp``, ``layer{l}`` (stream after the layer),
    ``final`` (after the final layer norm), ``logits``.

    >>> net = Transformer(input_dim=3, seq_len=4, d_model=8, heads=(2,), head_dim=4, mlp=(6,), classes=2)
    >>> net.symmetry.names()
    ('stream', 'layer0.heads', 'layer0.mlp')
    """

    input_dim: int
    seq_len: int
    d_model: int
    heads: tuple[int, ...]
    head_dim: int
    mlp: tuple[int, ...]
    classes: int
    vocab: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "heads", _wholes("Transformer", "heads", self.heads))
        object.__setattr__(self, "mlp", _wholes("Transformer", "mlp", self.mlp))
        for attr in ("seq_len", "d_model", "head_dim", "classes"):
            object.__setattr__(self, attr, _whole("Transformer", attr, getattr(self, attr)))
        if self.vocab is None:
            object.__setattr__(self, "input_dim", _whole("Transformer", "input_dim", self.input_dim))
        else:
            object.__setattr__(self, "vocab", _whole("Transformer", "vocab", self.vocab))
        if len(self.heads) != len(self.mlp):
            raise ShapeError(
                f"Transformer heads {self.heads} and mlp {self.mlp} must give one entry per layer",
                "Give tuples of equal length",
            )

    @property
    def name(self) -> str:
        heads = "-".join(map(str, self.heads))
        mlp = "-".join(map(str, self.mlp))
        source = f"v{self.vocab}" if self.vocab is not None else f"in{self.input_dim}"
        return f"transformer({source}x{self.seq_len};d{self.d_model};h{heads}x{self.head_dim};m{mlp};{self.classes})"

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Fresh parameters (``embed.*``, ``pos``, ``layer{l}.*``, ``ln_f.*``, ``head.*``)."""
        params: Params = {}
        d = self.d_model
        if self.vocab is not None:
            params["embed.weight"] = torch.randn(self.vocab, d, generator=generator, dtype=dtype)
        else:
            _linear_init(params, "embed", d, self.input_dim, generator, dtype)
        params["pos"] = 0.1 * torch.randn(self.seq_len, d, generator=generator, dtype=dtype)
        for li, (h, m) in enumerate(zip(self.heads, self.mlp)):
            p = f"layer{li}"
            _norm_init(params, f"{p}.ln1", d, dtype, stats=False)
            for proj in ("q", "k", "v"):
                _linear_init(params, f"{p}.attn.{proj}", h * self.head_dim, d, generator, dtype)
            _linear_init(params, f"{p}.attn.out", d, h * self.head_dim, generator, dtype)
            _norm_init(params, f"{p}.ln2", d, dtype, stats=False)
            _linear_init(params, f"{p}.mlp.fc1", m, d, generator, dtype)
            _linear_init(params, f"{p}.mlp.fc2", d, m, generator, dtype)
        _norm_init(params, "ln_f", d, dtype, stats=False)
        _linear_init(params, "head", self.classes, d, generator, dtype)
        return params

    def _ln(self, x: Tensor, params: Mapping[str, Tensor], prefix: str) -> Tensor:
        return F.layer_norm(
            x, (self.d_model,), params[f"{prefix}.weight"], params[f"{prefix}.bias"], eps=_EPS
        )

    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        feats: dict[str, Tensor] = {}
        if self.vocab is not None:
            h = F.embedding(x, params["embed.weight"])
        else:
            h = F.linear(x, params["embed.weight"], params["embed.bias"])
        h = h + params["pos"]
        feats["embed"] = h.mean(dim=-2)
        n, t = h.shape[0], h.shape[1]
        dh = self.head_dim
        for li, heads in enumerate(self.heads):
            p = f"layer{li}"
            u = self._ln(h, params, f"{p}.ln1")

            def split(proj: str, u: Tensor = u, p: str = p, heads: int = heads) -> Tensor:
                out = F.linear(u, params[f"{p}.attn.{proj}.weight"], params[f"{p}.attn.{proj}.bias"])
                return out.reshape(n, t, heads, dh).transpose(1, 2)

            q, k, v = split("q"), split("k"), split("v")
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
            o = (att @ v).transpose(1, 2).reshape(n, t, heads * dh)
            feats[f"{p}.attn"] = o.mean(dim=-2)
            h = h + F.linear(o, params[f"{p}.attn.out.weight"], params[f"{p}.attn.out.bias"])
            u = self._ln(h, params, f"{p}.ln2")
            u = F.gelu(F.linear(u, params[f"{p}.mlp.fc1.weight"], params[f"{p}.mlp.fc1.bias"]))
            feats[f"{p}.mlp"] = u.mean(dim=-2)
            h = h + F.linear(u, params[f"{p}.mlp.fc2.weight"], params[f"{p}.mlp.fc2.bias"])
            feats[p] = h.mean(dim=-2)
        z = self._ln(h, params, "ln_f").mean(dim=-2)
        feats["final"] = z
        logits = F.linear(z, params["head.weight"], params["head.bias"])
        feats["logits"] = logits
        return logits, feats

    def layers(self) -> tuple[str, ...]:
        per_layer = [
            n for li in range(len(self.heads)) for n in (f"layer{li}.attn", f"layer{li}.mlp", f"layer{li}")
        ]
        return ("embed", *per_layer, "final", "logits")

    @cached_property
    def symmetry(self) -> SymmetrySpec:  # type: ignore[override]
        dh = self.head_dim
        if self.vocab is not None:
            stream = [AxisAction("embed.weight", 1, "out")]
        else:
            stream = [AxisAction("embed.weight", 0, "out"), AxisAction("embed.bias", 0, "out")]
        stream.append(AxisAction("pos", 1, "out"))
        groups = []
        for li, (h, m) in enumerate(zip(self.heads, self.mlp)):
            p = f"layer{li}"
            stream += _norm_actions(f"{p}.ln1", stats=False)
            stream += [AxisAction(f"{p}.attn.{proj}.weight", 1, "in") for proj in ("q", "k", "v")]
            stream += [
                AxisAction(f"{p}.attn.out.weight", 0, "out"),
                AxisAction(f"{p}.attn.out.bias", 0, "out"),
            ]
            stream += _norm_actions(f"{p}.ln2", stats=False)
            stream += [AxisAction(f"{p}.mlp.fc1.weight", 1, "in")]
            stream += [AxisAction(f"{p}.mlp.fc2.weight", 0, "out"), AxisAction(f"{p}.mlp.fc2.bias", 0, "out")]
            heads = [
                AxisAction(f"{p}.attn.{proj}.{kind}", 0, "out", block=dh)
                for proj in ("q", "k", "v")
                for kind in ("weight", "bias")
            ]
            heads.append(AxisAction(f"{p}.attn.out.weight", 1, "in", block=dh))
            groups.append(PermGroup(f"{p}.heads", h, tuple(heads)))
            mlp = (
                AxisAction(f"{p}.mlp.fc1.weight", 0, "out"),
                AxisAction(f"{p}.mlp.fc1.bias", 0, "out"),
                AxisAction(f"{p}.mlp.fc2.weight", 1, "in"),
            )
            groups.append(PermGroup(f"{p}.mlp", m, mlp))
        stream += _norm_actions("ln_f", stats=False)
        stream.append(AxisAction("head.weight", 1, "in"))
        return SymmetrySpec(
            self.name, (PermGroup("stream", self.d_model, tuple(stream), widenable=False), *groups)
        )

    def layer_action(self, layer: str) -> LayerAction:
        self._check_layer(layer)
        if layer == "logits":
            return LayerAction(None, self.classes)
        if layer.endswith(".attn"):
            li = int(layer[len("layer") : -len(".attn")])
            return LayerAction(f"layer{li}.heads", self.heads[li], block=self.head_dim)
        if layer.endswith(".mlp"):
            return LayerAction(layer, self.mlp[int(layer[len("layer") : -len(".mlp")])])
        return LayerAction("stream", self.d_model)

    def resized(self, sizes: Mapping[str, int]) -> Transformer:
        self._check_sizes(sizes)
        d, heads, mlp = self.d_model, list(self.heads), list(self.mlp)
        for g, n in sizes.items():
            if g == "stream":
                d = int(n)
            elif g.endswith(".heads"):
                heads[int(g[len("layer") : -len(".heads")])] = int(n)
            else:
                mlp[int(g[len("layer") : -len(".mlp")])] = int(n)
        return replace(self, d_model=d, heads=tuple(heads), mlp=tuple(mlp))

    def _input_dims(self) -> tuple[int | str, ...]:
        return (self.seq_len,) if self.vocab is not None else (self.seq_len, self.input_dim)

    def _input_text(self) -> str:
        if self.vocab is None:
            return super()._input_text()
        return f"(N, {self.seq_len}) integer token ids below {self.vocab}"

    def check_input(self, x: Tensor, dtype: torch.dtype | None = None) -> None:
        """As :meth:`Architecture.check_input`; with ``vocab``, integer token ids inside the
        vocabulary (``dtype`` does not apply to them).

        >>> net = Transformer(3, 4, 8, (2,), 4, (6,), 2, vocab=5)
        >>> net.check_input(torch.tensor([[0, 1, 4, 9]]))
        Traceback (most recent call last):
        ...
        catdyn.errors.ArchitectureError: the input to transformer(v5x4;d8;h2x4;m6;2) holds token ids from 0 to 9, outside its vocabulary 0 … 4. Encode the tokens with the vocabulary the architecture was built for, or enlarge vocab.
        """
        if self.vocab is None:
            return super().check_input(x, dtype)
        if not isinstance(x, Tensor):
            raise ArchitectureError.input_dtype(self.name, type(x).__name__, "torch tensors")
        if x.dim() != 2 or x.shape[1] != self.seq_len:
            raise ArchitectureError.input_shape(self.name, tuple(x.shape), self._input_text())
        if x.dtype not in (torch.long, torch.int):
            raise ArchitectureError.input_dtype(self.name, x.dtype, "integer token ids (torch.long)")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab):
            raise ArchitectureError.token_range(self.name, int(x.min()), int(x.max()), self.vocab)

    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        if self.vocab is not None:
            return torch.randint(self.vocab, (n, self.seq_len), generator=generator)
        return torch.randn(n, self.seq_len, self.input_dim, generator=generator, dtype=dtype)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GRU(Architecture):
    """A one-layer GRU over ``(N, T, input_dim)`` sequences (any ``T``; ``seq_len`` is only the
    length of :meth:`example_input`), classifying from the final hidden state.

    The tensors follow ``torch.nn.GRU``'s layout (gates r, z, n stacked): ``gru.weight_ih``
    ``(3H, in)``, ``gru.weight_hh`` ``(3H, H)``, ``gru.bias_ih``, ``gru.bias_hh`` ``(3H,)``. Group
    ``hidden`` permutes the hidden units in each gate block consistently (``tile=3``) on the
    input and recurrent weights' rows, on the recurrent weights' columns, and on the head.
    Feature layers: ``hidden`` (final hidden state), ``logits``.

    >>> GRU(3, 5, 2).symmetry["hidden"].actions[0]
    AxisAction(tensor='gru.weight_ih', axis=0, role='out', block=1, tile=3)
    """

    input_dim: int
    hidden: int
    classes: int
    seq_len: int = 6

    def __post_init__(self) -> None:
        for attr in ("input_dim", "hidden", "classes", "seq_len"):
            object.__setattr__(self, attr, _whole("GRU", attr, getattr(self, attr)))

    def _input_dims(self) -> tuple[int | str, ...]:
        return ("T", self.input_dim)

    @property
    def name(self) -> str:
        return f"gru({self.input_dim};{self.hidden};{self.classes})"

    def init(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Fresh parameters (``gru.*`` as in ``torch.nn.GRU``, ``head.*``)."""
        h = self.hidden
        bound = 1 / math.sqrt(h)
        params: Params = {
            "gru.weight_ih": _uniform(generator, (3 * h, self.input_dim), bound, dtype),
            "gru.weight_hh": _uniform(generator, (3 * h, h), bound, dtype),
            "gru.bias_ih": _uniform(generator, (3 * h,), bound, dtype),
            "gru.bias_hh": _uniform(generator, (3 * h,), bound, dtype),
        }
        _linear_init(params, "head", self.classes, h, generator, dtype)
        return params

    def _forward(
        self, params: Mapping[str, Tensor], x: Tensor, train: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        gi = F.linear(x, params["gru.weight_ih"], params["gru.bias_ih"])
        h = torch.zeros(x.shape[0], self.hidden, dtype=gi.dtype, device=gi.device)
        for t in range(x.shape[1]):
            gh = F.linear(h, params["gru.weight_hh"], params["gru.bias_hh"])
            i_r, i_z, i_n = gi[:, t].chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = (1 - z) * n + z * h
        logits = F.linear(h, params["head.weight"], params["head.bias"])
        return logits, {"hidden": h, "logits": logits}

    def layers(self) -> tuple[str, ...]:
        return ("hidden", "logits")

    @cached_property
    def symmetry(self) -> SymmetrySpec:  # type: ignore[override]
        actions = (
            AxisAction("gru.weight_ih", 0, "out", tile=3),
            AxisAction("gru.weight_hh", 0, "out", tile=3),
            AxisAction("gru.weight_hh", 1, "in"),
            AxisAction("gru.bias_ih", 0, "out", tile=3),
            AxisAction("gru.bias_hh", 0, "out", tile=3),
            AxisAction("head.weight", 1, "in"),
        )
        return SymmetrySpec(self.name, (PermGroup("hidden", self.hidden, actions),))

    def layer_action(self, layer: str) -> LayerAction:
        self._check_layer(layer)
        return LayerAction("hidden", self.hidden) if layer == "hidden" else LayerAction(None, self.classes)

    def resized(self, sizes: Mapping[str, int]) -> GRU:
        self._check_sizes(sizes)
        return replace(self, hidden=int(sizes.get("hidden", self.hidden)))

    def example_input(self, n: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
        return torch.randn(n, self.seq_len, self.input_dim, generator=generator, dtype=dtype)


def random_params(
    arch: Architecture, generator: torch.Generator, dtype: torch.dtype = torch.float32, scale: float = 0.5
) -> Params:
    """Parameters with *every* entry random — norm scales and shifts and running statistics
    included (variances stay positive) — so that a symmetry that forgets a tensor shows up.

    >>> import torch
    >>> net = MLP((2, 3, 2), batch_norm=True)
    >>> theta = random_params(net, torch.Generator().manual_seed(0))
    >>> bool((theta["bn0.running_var"] > 0).all()) and not bool((theta["bn0.weight"] == 1).all())
    True
    """
    params = arch.init(generator, dtype)
    out: Params = {}
    for name, t in params.items():
        if not t.is_floating_point():
            out[name] = t
        elif name.endswith("running_var"):
            out[name] = 0.5 + torch.rand(t.shape, generator=generator, dtype=dtype)
        else:
            out[name] = t + scale * torch.randn(t.shape, generator=generator, dtype=dtype)
    return out


FAMILIES: tuple[type[Architecture], ...] = (MLP, CNN, ResNet, Transformer, GRU)
"""The five architecture families."""


_BY_TYPE: dict[str, type[Architecture]] = {
    "mlp": MLP,
    "cnn": CNN,
    "resnet": ResNet,
    "transformer": Transformer,
    "gru": GRU,
}


def _config_value(kind: str, key: str, annotation: str, value: Any) -> Any:
    """``value`` in the field's own type: sequences become tuples of ints for ``tuple[int, ...]``
    fields, whole numbers ints for ``int`` fields; other fields pass unchanged (the
    architecture checks its own sizes)."""
    if annotation.startswith("tuple[int"):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ArchitectureConfigError.bad_value(kind, key, value, "is not a sequence of whole numbers")
        return tuple(_whole(kind, key, v) for v in value)
    if annotation == "int":
        return _whole(kind, key, value)
    return value


def build_architecture(config: Mapping[str, Any]) -> Architecture:
    """The architecture a config describes: ``{"type": name, **settings}``, the settings being
    the fields of that family's dataclass (lists are accepted for tuples). The config is
    validated before anything is built: an unknown ``type``, an unknown setting or a missing
    required one is an :class:`~catdyn.errors.ArchitectureConfigError` naming the key.
    :func:`architecture_config` is the inverse.

    >>> build_architecture({"type": "mlp", "widths": [64, 32, 10]}).name
    'mlp(64-32-10)'
    >>> build_architecture({"type": "cnn", "input_shape": [1, 8, 8], "channels": [8, 16], "classes": 10}).channels
    (8, 16)
    >>> build_architecture({"type": "mlp", "width": [4, 2]})
    Traceback (most recent call last):
        ...
    catdyn.errors.ArchitectureConfigError: architecture config key 'width' is not a setting of type 'mlp'. Its settings are: type, widths, activation, batch_norm.
    """
    from dataclasses import MISSING, fields

    if not isinstance(config, Mapping):
        raise ArchitectureConfigError.bad_value("?", "(config)", config, "is not a mapping")
    if "type" not in config:
        raise ArchitectureConfigError.missing_key("?", "type")
    kind = str(config["type"]).lower()
    if kind not in _BY_TYPE:
        raise ArchitectureConfigError.unknown_type(config["type"], tuple(_BY_TYPE))
    declared = {f.name: f for f in fields(_BY_TYPE[kind]) if f.init}
    for key in config:
        if key != "type" and key not in declared:
            raise ArchitectureConfigError.unknown_key(kind, str(key), tuple(declared))
    settings = {}
    for name, f in declared.items():
        if name in config:
            settings[name] = _config_value(kind, name, str(f.type), config[name])
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ArchitectureConfigError.missing_key(kind, name)
    return _BY_TYPE[kind](**settings)


def architecture_config(arch: Architecture) -> dict[str, Any]:
    """The config :func:`build_architecture` turns back into ``arch`` (tuples as lists, so it
    is plain JSON).

    >>> net = CNN((1, 8, 8), (4,), 10, pool="max")
    >>> build_architecture(architecture_config(net)) == net
    True
    """
    from dataclasses import fields

    kind = next(k for k, cls in _BY_TYPE.items() if type(arch) is cls)
    out: dict[str, Any] = {"type": kind}
    for f in fields(arch):  # type: ignore[arg-type]
        if f.init:
            value = getattr(arch, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out
