"""The data morphisms compute what their functions compute, as typed Dataset values: LoadModular
the generated pairs, InputView the viewed inputs with the labels untouched; bad parameters fail
when the morphism is built."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.modular import make_modular  # noqa: E402
from catdyn.backends.torch.data.morphisms import InputView, LoadModular  # noqa: E402
from catdyn.backends.torch.training.morphisms import LoadDataset  # noqa: E402
from catdyn.errors import SpecError  # noqa: E402
from catdyn.runner.context import TaskContext  # noqa: E402
from catdyn.values import Dataset  # noqa: E402


def test_load_modular_is_the_generated_data_set() -> None:
    ctx = TaskContext(seed=0)
    got = LoadModular(p=5, op="mul", train_fraction=0.6, seed=2).run(ctx)
    want = make_modular(5, "mul", 0.6, 2)
    assert isinstance(got, Dataset) and got.name == "modular-mul-5" and got.n_classes == 5
    assert torch.equal(got.train_x, want.train.x) and torch.equal(got.test_y, want.test.y)
    assert dict((r[1], r[2]) for r in ctx.records if r[0] == "metric") == {"n_train": 15.0, "n_test": 10.0}


def test_input_view_rearranges_inputs_and_keeps_labels() -> None:
    ctx = TaskContext(seed=0)
    digits = LoadDataset(n_train=30, n_test=10).run(ctx)
    rows = InputView(form="sequence", steps=8).run(ctx, digits)
    assert tuple(rows.train_x.shape) == (30, 8, 8) and tuple(rows.test_x.shape) == (10, 8, 8)
    assert torch.equal(rows.train_x.reshape(30, 64), digits.train_x)
    assert torch.equal(rows.train_y, digits.train_y) and rows.name == digits.name
    image = InputView(form="image", image=(1, 8, 8)).run(ctx, digits)
    assert tuple(image.test_x.shape) == (10, 1, 8, 8)
    modular = LoadModular(p=3).run(ctx)
    channels = InputView(form="channels").run(ctx, modular)
    assert tuple(channels.train_x.shape[1:]) == (3, 1, 2)


@pytest.mark.parametrize("params", [{"form": "image"}, {"form": "rows"}, {"form": "sequence", "steps": 0}])
def test_bad_view_parameters_fail_when_built(params) -> None:
    with pytest.raises(SpecError):
        InputView(**params)


def test_bad_modular_parameters_fail_when_built() -> None:
    with pytest.raises(SpecError):
        LoadModular(op="pow")
