"""Data sets by name, as the typed value a diagram carries: the same tensors as the loaders."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits, make_mnist1d  # noqa: E402
from catdyn.backends.torch.data.loading import load_dataset, split_of  # noqa: E402
from catdyn.errors import SpecError  # noqa: E402


def test_a_named_data_set_is_the_loader_s_splits_cut_to_size() -> None:
    ref = load_digits(seed=4)
    d = load_dataset("digits", seed=4, n_train=100, n_test=30)
    assert torch.equal(d.train_x, ref.train.x[:100]) and torch.equal(d.test_y, ref.test.y[:30])
    assert d.n_classes == 10 and d.name == "digits"
    whole = load_dataset("mnist1d", seed=1)
    assert torch.equal(whole.test_x, make_mnist1d(seed=1).test.x)


def test_a_cut_larger_than_the_split_keeps_the_split() -> None:
    d = load_dataset("moons", seed=0, n_train=10**6)
    assert len(d.train_x) == len(load_dataset("moons", seed=0).train_x)


def test_split_of_gives_the_backend_tensor_split() -> None:
    d = load_dataset("circles", seed=0, n_train=20, n_test=10)
    test = split_of(d, "test")
    assert test.split == "test" and torch.equal(test.x, d.test_x) and test.n_classes == 2


def test_an_unknown_name_is_a_spec_error_naming_the_known_ones() -> None:
    with pytest.raises(SpecError, match=r"unknown data set 'cifar100'.*digits, mnist1d, moons, circles"):
        load_dataset("cifar100")
