"""Views of a data set's inputs for an architecture: the same numbers per sample, rearranged.

* :func:`as_sequence` — ``(N, …)`` as ``(N, T, F)``: ``T`` steps of ``F`` features, read in the
  stored (row-major) order. Digits (64 pixels) as ``T = 8`` rows of 8 pixels; MNIST-1D (40
  values) as ``T = 40`` steps of one value: the form a GRU or a Transformer reads.
* :func:`as_channels` — a sequence ``(N, T, F)`` as ``(N, F, 1, T)``: its ``F`` features as
  the channels of a 1 × T image, so a CNN's k × k kernel (same padding) convolves along the
  sequence only: its rows above and below the middle see nothing but padding, and it acts as a
  1-D convolution of width k.
* :func:`as_image` — ``(N, …)`` as ``(N, *shape)`` (digits as ``(1, 8, 8)``).

>>> import torch
>>> x = torch.arange(2 * 6.0).reshape(2, 6)
>>> as_sequence(x, 3)[0].tolist()
[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
>>> as_channels(as_sequence(x, 3)).shape
torch.Size([2, 2, 1, 3])
>>> as_sequence(x, 4)
Traceback (most recent call last):
...
catdyn.errors.DatasetError: data option steps = 4 is invalid. It must be a divisor of the 6 numbers per input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from torch import Tensor

from catdyn.errors import DatasetError

Form = Literal["sequence", "channels", "image"]


def _per_sample(x: Tensor) -> int:
    return math.prod(int(v) for v in x.shape[1:])


def as_sequence(x: Tensor, steps: int) -> Tensor:
    """``x`` as ``(N, steps, F)`` with ``F`` = the numbers per input ÷ ``steps``."""
    per = _per_sample(x)
    if steps < 1 or per % steps:
        raise DatasetError.option("steps", steps, f"a divisor of the {per} numbers per input")
    return x.reshape(x.shape[0], steps, per // steps)


def as_channels(x: Tensor) -> Tensor:
    """A sequence ``(N, T, F)`` as ``(N, F, 1, T)``: features as channels of a 1 × T image."""
    if x.dim() != 3:
        raise DatasetError.option("input shape", tuple(x.shape), "(N, T, F) sequences for the channels view")
    return x.transpose(1, 2).unsqueeze(2).contiguous()


def as_image(x: Tensor, shape: Sequence[int]) -> Tensor:
    """``x`` as ``(N, *shape)`` (the same numbers per input)."""
    shape = tuple(int(v) for v in shape)
    if math.prod(shape) != _per_sample(x):
        raise DatasetError.option("image", shape, f"a shape holding the {_per_sample(x)} numbers per input")
    return x.reshape(x.shape[0], *shape)


def view(x: Tensor, form: Form, steps: int | None = None, image: Sequence[int] | None = None) -> Tensor:
    """``x`` in ``form``: a sequence of ``steps`` (default: one number per step), the channels
    view of a sequence (``steps`` given: of that sequence first), or an ``image``."""
    if form == "sequence":
        return as_sequence(x, steps if steps is not None else _per_sample(x))
    if form == "channels":
        return as_channels(as_sequence(x, steps) if steps is not None else x)
    if form == "image":
        if image is None:
            raise DatasetError.option("image", None, "the image shape, e.g. [1, 8, 8]")
        return as_image(x, image)
    raise DatasetError.option("form", form, "'sequence', 'channels' or 'image'")
