"""Distribution shift of a test split: pixel noise, or rotation of square images.

* ``noise``: ``clip(x + amount · z, 0, 1)`` with ``z`` standard Gaussian drawn from ``seed``;
* ``rotation``: each image (the last dimensions ``s × s``; a 64-vector is read as 8 × 8) turned
  by ``amount`` degrees counter-clockwise about its centre, bilinear, zero outside.

>>> import torch
>>> x = torch.zeros(2, 64)
>>> shifted(x, "noise", 0.1, seed=0).shape, float(shifted(x, "rotation", 90.0).abs().max())
(torch.Size([2, 64]), 0.0)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from catdyn.errors import DatasetError


def _images(x: Tensor) -> tuple[np.ndarray, tuple[int, ...]]:
    shape = tuple(x.shape)
    side = math.isqrt(int(np.prod(shape[1:])))
    if side * side != int(np.prod(shape[1:])):
        raise DatasetError.option("rotation of inputs of shape", shape[1:], "square images (or s² vectors)")
    return x.detach().cpu().double().numpy().reshape(-1, side, side), shape


def rotate(x: Tensor, degrees: float) -> Tensor:
    """Each square image of ``x`` turned by ``degrees`` about its centre (bilinear, zero outside)."""
    from scipy.ndimage import rotate as nd_rotate

    imgs, shape = _images(x)
    out = np.stack([nd_rotate(im, float(degrees), reshape=False, order=1, mode="constant", cval=0.0)
                    for im in imgs])
    return torch.as_tensor(out.reshape(shape), dtype=torch.float32)


def shifted(x: Tensor, kind: str, amount: float, seed: int = 0) -> Tensor:
    """``x`` under the shift ``kind`` (``"noise"`` or ``"rotation"``) of size ``amount``."""
    if kind == "noise":
        g = torch.Generator().manual_seed(int(seed))
        return (x.float() + float(amount) * torch.randn(x.shape, generator=g)).clamp(0.0, 1.0)
    if kind == "rotation":
        return rotate(x, amount)
    raise DatasetError.option("shift", kind, "'noise' or 'rotation'")
