"""The full architecture config of a homotopy population from the spec's short form and the
data's shape: a CNN (its image defaulting to the data's own ``(C, H, W)``) and the sequence
models, a GRU and a tiny Transformer over ``(T, F)`` inputs (``T`` steps of ``F`` features:
digits as 8 rows of 8 pixels, MNIST-1D as 40 steps of 1 value, a modular-arithmetic pair as 2
one-hot tokens). The short form names only the sizes a spec chooses; the data fill in
``input_dim``, ``seq_len`` and ``classes``, so one short form fits every data set of a grid.

>>> sequence_config({"type": "gru", "hidden": 16}, (40, 1), 10)
{'type': 'gru', 'hidden': 16, 'input_dim': 1, 'seq_len': 40, 'classes': 10}
>>> sequence_config({"type": "transformer", "d_model": 8, "heads": [2], "head_dim": 4, "mlp": [16]}, (2, 23), 23)["input_dim"]
23
>>> cnn_config({"type": "cnn", "channels": [8], "pool": None}, (23, 1, 2), 23)["input_shape"]
[23, 1, 2]
>>> sequence_config({"type": "gru", "hidden": 16}, (64,), 10)
Traceback (most recent call last):
...
catdyn.errors.HomotopyError: option gru population's data shape = (64,) is not allowed. It must be (T, F) sequences: view the data set as a sequence first (InputView(form='sequence')).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from catdyn.errors import HomotopyError

CNN_OPTIONS = ("kernel", "pool", "readout", "activation", "batch_norm")
"""The CNN settings a short form may add to its image and channels."""

SEQUENCE_SIZES = {"gru": ("hidden",), "transformer": ("d_model", "heads", "head_dim", "mlp")}
"""The sizes each sequence model's short form gives (the rest comes from the data)."""


def cnn_config(arch: Mapping[str, Any], input_shape: Sequence[int], n_classes: int) -> dict[str, Any]:
    """A CNN's config: ``image`` (default: the data's shape when it is ``(C, H, W)``),
    ``channels`` (default ``[8, 16]``) and the options of :data:`CNN_OPTIONS` it names."""
    image = arch.get("image", arch.get("input_shape"))
    if image is None:
        if len(input_shape) != 3:
            raise HomotopyError.bad_option("cnn population's data shape", tuple(input_shape),
                                           "(C, H, W) images, or an explicit image in the arch")
        image = input_shape
    config = {"type": "cnn", "input_shape": [int(v) for v in image],
              "channels": [int(c) for c in arch.get("channels", (8, 16))], "classes": int(n_classes)}
    config.update({k: arch[k] for k in CNN_OPTIONS if k in arch})
    return config


def sequence_config(arch: Mapping[str, Any], input_shape: Sequence[int], n_classes: int) -> dict[str, Any]:
    """A GRU's or Transformer's config: the sizes of :data:`SEQUENCE_SIZES` from ``arch``, the
    input width and length from the data's ``(T, F)`` shape, the classes from the data."""
    kind = str(arch["type"])
    if len(input_shape) != 2:
        raise HomotopyError.bad_option(f"{kind} population's data shape", tuple(input_shape),
                                       "(T, F) sequences: view the data set as a sequence first "
                                       "(InputView(form='sequence'))")
    steps, features = (int(v) for v in input_shape)
    config: dict[str, Any] = {"type": kind, **{k: arch[k] for k in SEQUENCE_SIZES[kind] if k in arch}}
    config.update(input_dim=features, seq_len=steps, classes=int(n_classes))
    return config


def input_shape_for(net: Any, data_shape: Sequence[int]) -> tuple[int, ...]:
    """The shape one input of ``net`` takes: a CNN's image, a sequence model's ``(T, F)``, an
    MLP's vector (``data_shape``: the stored inputs' own shape, the fallback).

    >>> from catdyn.backends.torch.models.architectures import GRU, MLP
    >>> input_shape_for(GRU(8, 4, 10), (64,)), input_shape_for(MLP((64, 8, 10)), (1, 8, 8))
    ((8, 8), (64,))
    """
    if hasattr(net, "input_shape"):
        return tuple(net.input_shape)
    if hasattr(net, "widths"):
        return (int(net.widths[0]),)
    if hasattr(net, "input_dim"):
        features = int(net.input_dim)
        total = 1
        for v in data_shape:
            total *= int(v)
        return (total // features, features)
    return tuple(data_shape)
