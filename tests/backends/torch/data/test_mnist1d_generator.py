"""MNIST-1D's generator arguments (shift, noise, scale, shear) reach the data as documented:
checked against a re-derivation written here from the documented steps (templates, padding,
stretch, scale, roll, noise, shear, resampling, normalisation) with numpy's legacy generator
drawn in the generator's order, on a few samples."""

import math

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from catdyn.backends.torch.data.datasets import MNIST1D_GENERATOR, make_mnist1d
from catdyn.errors import DatasetError

pytest.importorskip("mnist1d")

TEMPLATES = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5], [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5], [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5], [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5], [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5], [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5]])


def _resample(v: np.ndarray, n: int) -> np.ndarray:
    return np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(v)), v)


def rederived(num_samples: int, seed: int, args: dict) -> tuple[np.ndarray, np.ndarray]:
    """All samples (shuffled, normalised) and labels, from the documented steps."""
    t = TEMPLATES - TEMPLATES.mean(1, keepdims=True)
    t = t / t.std(1, keepdims=True)
    t = (t - t[:, :1]) / 6.0
    rs = np.random
    rs.seed(seed)
    xs, ys = [], []
    for label in range(10):
        for _ in range(num_samples // 10):
            pad = 36 + int(rs.rand() * 25)
            x = _resample(np.concatenate([t[label] + 1e-8, np.zeros(pad)]), 72)
            x = x * (1 + args["scale_coeff"] * (rs.rand() - 0.5))
            k = rs.choice(args["max_translation"])
            x = np.roll(x, k)
            zero = x == 0
            x = np.where(zero, gaussian_filter(args["corr_noise_scale"] * rs.randn(72), 2), x)
            x = x + args["iid_noise_scale"] * rs.randn(72)
            x = x - args["shear_scale"] * (rs.rand() - 0.5) * np.linspace(-0.5, 0.5, 72)
            xs.append(_resample(x, 40))
            ys.append(label)
    order = rs.permutation(len(ys))
    xs, ys = np.stack(xs)[order], np.array(ys)[order]
    return (xs - xs.mean()) / xs.std(), ys


@pytest.mark.parametrize("options", [
    {},
    {"max_translation": 72},
    {"corr_noise_scale": 0.6, "iid_noise_scale": 0.1},
    {"scale_coeff": 1.0, "shear_scale": 0.0},
    {"max_translation": 1, "corr_noise_scale": 0.0, "iid_noise_scale": 0.0, "scale_coeff": 0.0, "shear_scale": 0.0},
], ids=["defaults", "shift", "noise", "scale", "none"])
def test_generator_arguments_match_a_rederivation(options: dict) -> None:
    import random

    state = random.getstate()
    s = make_mnist1d(num_samples=30, seed=3, **options)
    assert random.getstate() == state  # the package's global seeding is undone
    x, y = rederived(30, 3, {**MNIST1D_GENERATOR, **options})
    got = torch.cat([s.train.x, s.test.x]).numpy()
    np.testing.assert_allclose(got, x, atol=1e-5)
    assert torch.cat([s.train.y, s.test.y]).tolist() == y.tolist()


def test_each_argument_changes_the_data_it_names() -> None:
    base = make_mnist1d(num_samples=50, seed=1).test.x
    for name, value in (("max_translation", 72), ("corr_noise_scale", 0.6), ("iid_noise_scale", 0.1),
                        ("scale_coeff", 1.0), ("shear_scale", 2.0)):
        assert not torch.allclose(make_mnist1d(num_samples=50, seed=1, **{name: value}).test.x, base), name
    # without any noise the padded part is flat before shear: with no shear either, most of a
    # sample is exactly the normalised zero level
    quiet = make_mnist1d(num_samples=50, seed=1, corr_noise_scale=0.0, iid_noise_scale=0.0, shear_scale=0.0).test.x
    mode = torch.mode(quiet.flatten()).values
    assert float((quiet == mode).double().mean()) > 0.3


@pytest.mark.parametrize(("options", "word"), [
    ({"shift": 3}, "one of max_translation"),
    ({"max_translation": 0}, "from 1 to 72"),
    ({"max_translation": 2.5}, "from 1 to 72"),
    ({"iid_noise_scale": -0.1}, "≥ 0"),
    ({"scale_coeff": math.inf}, "finite"),
])
def test_bad_generator_arguments_are_refused(options: dict, word: str) -> None:
    with pytest.raises(DatasetError, match=word):
        make_mnist1d(num_samples=20, **options)
