"""Morphisms of data sets beside :class:`~catdyn.backends.torch.training.morphisms.LoadDataset`:
a modular-arithmetic data set generated offline (:mod:`.modular`), and views of a data set's
inputs for an architecture (:mod:`.views`: digits as a sequence of rows, MNIST-1D as a sequence
of values, a sequence as the channels of a 1 × T image for a CNN).

>>> LoadModular(p=7).serialise()["params"]
{'p': 7, 'op': 'add', 'train_fraction': 0.5, 'seed': 0}
>>> InputView(form="sequence", steps=8).dom.name, InputView(form="sequence").cod.name
('Dataset', 'Dataset')
>>> InputView(form="image")
Traceback (most recent call last):
...
catdyn.errors.SpecError: InputView got invalid parameters: (all): Value error, the image view needs its shape, e.g. image=(1, 8, 8) (got {'form': 'image'}). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import PositiveInt, model_validator

from catdyn.morphisms import BackendMorphism
from catdyn.values import Dataset


class LoadModular(BackendMorphism):
    """Every pair of residues mod the prime ``p`` labelled ``a ∘ b mod p`` (``op``: ``add``,
    ``sub``, ``mul``), as two one-hot tokens ``(2, p)``; a ``train_fraction`` of the pairs,
    drawn with ``seed``, for training and the rest for testing."""

    inputs, output = (), Dataset
    p: PositiveInt = 23
    op: Literal["add", "sub", "mul"] = "add"
    train_fraction: float = 0.5
    seed: int = 0

    def run(self, ctx: Any) -> Dataset:
        from catdyn.backends.torch.data.modular import make_modular

        s = make_modular(self.p, self.op, self.train_fraction, self.seed)
        ctx.metric("n_train", len(s.train))
        ctx.metric("n_test", len(s.test))
        return Dataset(s.train.name, s.train.n_classes, s.train.x, s.train.y, s.test.x, s.test.y)


class InputView(BackendMorphism):
    """The same data set with every input rearranged (the same numbers per input): ``form``
    ``"sequence"`` (``steps`` steps; default one number per step), ``"channels"`` (a sequence's
    features as the channels of a 1 × T image; of ``steps`` steps first when given) or
    ``"image"`` (``image``, e.g. ``(1, 8, 8)``)."""

    inputs, output = (Dataset,), Dataset
    form: Literal["sequence", "channels", "image"]
    steps: PositiveInt | None = None
    image: tuple[PositiveInt, ...] | None = None

    @model_validator(mode="after")
    def _image_given(self) -> InputView:
        if self.form == "image" and self.image is None:
            raise ValueError("the image view needs its shape, e.g. image=(1, 8, 8)")
        return self

    def run(self, ctx: Any, data: Dataset) -> Dataset:
        from catdyn.backends.torch.data.views import view

        train_x, test_x = (view(x, self.form, self.steps, self.image) for x in (data.train_x, data.test_x))
        ctx.metric("numbers per input", int(train_x[0].numel()) if len(train_x) else 0)
        return Dataset(data.name, data.n_classes, train_x, data.train_y, test_x, data.test_y)
