"""The offline data sets by name, as the typed :class:`~catdyn.values.Dataset` value a diagram
carries (what :class:`~catdyn.backends.torch.training.morphisms.LoadDataset` computes).

>>> d = load_dataset("moons", seed=0, n_train=50, n_test=20)
>>> d.name, d.n_classes, tuple(d.train_x.shape), tuple(d.test_x.shape)
('moons', 2, (50, 2), (20, 2))
>>> load_dataset("imagenet")
Traceback (most recent call last):
...
catdyn.errors.SpecError: unknown data set 'imagenet'. Use one of digits, mnist1d, moons, circles.
"""

from __future__ import annotations

from typing import Any

from catdyn.backends.torch.data import datasets as D
from catdyn.errors import SpecError
from catdyn.values import Dataset

LOADERS = {"digits": D.load_digits, "mnist1d": D.make_mnist1d, "moons": D.make_moons, "circles": D.make_circles}
"""The data sets :func:`load_dataset` knows, each generated or read offline."""


def load_dataset(
    name: str = "digits", seed: int = 0, n_train: int | None = None, n_test: int | None = None, **options: Any
) -> Dataset:
    """Data set ``name`` split with ``seed``, cut to its first ``n_train``/``n_test`` samples."""
    if name not in LOADERS:
        raise SpecError(f"unknown data set {name!r}", f"Use one of {', '.join(LOADERS)}")
    splits = LOADERS[name](seed=seed, **options)
    train, test = splits.train, splits.test
    if n_train is not None:
        train = train.subset(range(min(int(n_train), len(train))))
    if n_test is not None:
        test = test.subset(range(min(int(n_test), len(test))))
    return Dataset(train.name, train.n_classes, train.x, train.y, test.x, test.y)


def split_of(data: Dataset, split: str) -> D.Dataset:
    """One split of a data-set value as the backend's tensor :class:`~.datasets.Dataset`."""
    return D.Dataset(getattr(data, f"{split}_x"), getattr(data, f"{split}_y"), data.name, int(data.n_classes), split)
