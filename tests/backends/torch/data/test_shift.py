"""Distribution shift of a test split against closed forms: a quarter turn is np.rot90, a zero
turn the identity, noise the drawn Gaussian clipped to [0, 1]."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.data.shift import rotate, shifted
from catdyn.errors import DatasetError


def test_a_quarter_turn_is_rot90_and_no_turn_the_identity() -> None:
    x = torch.rand(5, 64, generator=torch.Generator().manual_seed(0))
    imgs = x.numpy().reshape(5, 8, 8)
    np.testing.assert_allclose(rotate(x, 90.0).numpy().reshape(5, 8, 8), np.rot90(imgs, 1, axes=(1, 2)), atol=1e-6)
    np.testing.assert_allclose(rotate(x, 0.0).numpy(), x.numpy(), atol=1e-6)
    images = x.reshape(5, 1, 8, 8)
    assert rotate(images, 90.0).shape == (5, 1, 8, 8)


def test_noise_is_the_drawn_gaussian_clipped() -> None:
    x = torch.full((4, 6), 0.5)
    z = torch.randn((4, 6), generator=torch.Generator().manual_seed(3))
    want = np.clip(0.5 + 0.2 * z.numpy(), 0.0, 1.0)
    np.testing.assert_allclose(shifted(x, "noise", 0.2, seed=3).numpy(), want, rtol=1e-6)


def test_what_cannot_be_shifted_is_a_dataset_error() -> None:
    with pytest.raises(DatasetError, match="square"):
        rotate(torch.zeros(2, 40), 10.0)
    with pytest.raises(DatasetError, match="shift"):
        shifted(torch.zeros(2, 4), "blur", 1.0)
