"""An MLP with no hidden layer (softmax regression) on the fast path: the same members as the
generic path (torch.func), which the ensemble tests check against plain PyTorch loops. The
fast path lays out a first hidden layer and an output layer differently; here the one layer is
both first and last."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble  # noqa: E402
from catdyn.backends.torch.training.optim import SGD, Adam  # noqa: E402


@pytest.mark.parametrize("optimiser", [SGD(momentum=0.9), Adam()], ids=["sgd", "adam"])
def test_softmax_regression_fast_path_equals_the_generic_path(optimiser) -> None:
    data = load_digits(seed=0).train
    assert bool((data.x == 0).all(0).any())  # digits have always-zero pixels: the dead-input case too
    arch = MLP((64, 10))
    runs = {
        path: train_ensemble(
            arch,
            data,
            [0, 1, 2],
            TrainConfig(15, 32, optimiser, lr=[0.05, 0.1, 0.02], path=path, workers=1, checkpoints=(0, 7, 15)),
            device="cpu",
            dtype=torch.float64,
        )
        for path in ("fast", "generic")
    }
    fast, generic = runs["fast"], runs["generic"]
    assert fast.path == "fast" and generic.path == "generic"
    for s in (0, 7, 15):
        for n in generic.checkpoints[s]:
            torch.testing.assert_close(fast.checkpoints[s][n], generic.checkpoints[s][n], rtol=0, atol=1e-10)
    torch.testing.assert_close(fast.losses, generic.losses, rtol=0, atol=1e-10)
    assert bool((fast.losses[-1] < fast.losses[0]).all())
