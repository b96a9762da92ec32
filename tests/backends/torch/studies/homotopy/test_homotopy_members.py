"""Training, the members that trained, and the architecture from the spec's short form."""

import hashlib

import pytest
import torch

from catdyn.backends.torch.models.architectures import CNN, MLP
from catdyn.backends.torch.studies.homotopy.members import (
    load_members,
    member_accuracy,
    population_architecture,
)
from catdyn.backends.torch.studies.homotopy.train import OptimiserGroup, checkpoint_marks


def test_population_architecture_is_the_direct_constructor() -> None:
    assert population_architecture({"type": "mlp", "hidden": [5, 4]}, (8, 8), 10) == MLP((64, 5, 4, 10))
    cnn = population_architecture({"type": "cnn", "image": [1, 8, 8], "channels": [4]}, (64,), 10)
    assert cnn == CNN((1, 8, 8), (4,), 10)


def test_an_unknown_type_is_refused() -> None:
    from catdyn.errors import HomotopyError

    with pytest.raises(HomotopyError, match="arch type"):
        population_architecture({"type": "rnn"}, (64,), 10)


def test_checkpoint_marks_and_groups() -> None:
    assert checkpoint_marks(10, 4) == sorted({round(10 * k / 4) for k in range(5)})
    g = OptimiserGroup.from_spec({"name": "adam", "lrs": [0.01]}, [3, 4])
    assert g.runs == ((3, 0.01), (4, 0.01))
    assert g.data_seeds(7)[0] == int(hashlib.sha256(b"7/adam/0.01/3").hexdigest()[:7], 16)


def test_members_that_failed_are_left_out(population: dict, digits_value: dict) -> None:
    pop = dict(population)
    pop["status"] = ["ok", "diverged", *population["status"][2:]]
    m = load_members(pop, digits_value, "cpu")
    assert m.members == tuple(i for i in range(population["members"]) if i != 1)
    assert torch.equal(m.stacked["fc0.weight"][1], population["params"]["fc0.weight"][2])
    assert member_accuracy(m).shape == (population["members"] - 1,)


def test_member_accuracy_is_the_argmax_accuracy(members) -> None:
    acc = member_accuracy(members)
    x, y = members.splits["test"].x, members.splits["test"].y
    for k, params in enumerate(members.models()):
        want = float((members.net.apply(params, x).argmax(1) == y).double().mean())
        assert acc[k] == pytest.approx(want)
