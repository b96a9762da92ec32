"""The fast path's oneDNN first-layer kernels on an MLP with two hidden layers.

Which kernel computes the first layer's products (oneDNN's grouped convolution or batched
matrix products) is chosen by timing, so on a given machine a test may never reach one of
them; it is forced here through the timing cache that normally chooses it. Only the first layer
may use oneDNN: with two hidden layers, the second must still be the plain product of the
first's activations. The reference is the generic path (torch.func), which the ensemble tests
check against plain PyTorch loops.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training import engines as E  # noqa: E402
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble  # noqa: E402
from catdyn.backends.torch.training.optim import SGD  # noqa: E402

DIGITS = load_digits(seed=0).train


@pytest.mark.parametrize("kernels", [(True, True), (True, False), (False, False)], ids=["both", "fwd", "none"])
def test_two_hidden_layers_with_forced_first_layer_kernels_equal_the_generic_path(kernels, monkeypatch) -> None:
    if kernels[0] and not torch.backends.mkldnn.is_available():
        pytest.skip("no oneDNN in this build")
    arch = MLP((64, 24, 16, 10))
    seeds, batch = [0, 1, 2], 32
    n_live = int((DIGITS.x != 0).any(0).sum())
    key = (len(seeds), batch, n_live + 1, arch.widths[1], torch.float32, False)
    monkeypatch.setitem(E.FIRST_LAYER_KERNELS, key, (*kernels, 0.0))
    runs = {
        path: train_ensemble(
            arch,
            DIGITS,
            seeds,
            TrainConfig(12, batch, SGD(momentum=0.9), lr=0.05, path=path, workers=1, checkpoints=(0, 12)),
            device="cpu",
            dtype=torch.float32,
        )
        for path in ("fast", "generic")
    }
    fast, generic = runs["fast"], runs["generic"]
    assert fast.path == "fast" and generic.path == "generic"
    assert E.FIRST_LAYER_KERNELS[key][:2] == kernels  # the forced choice was the one used, not re-timed
    for n in generic.checkpoints[12]:
        torch.testing.assert_close(fast.checkpoints[12][n], generic.checkpoints[12][n], rtol=0, atol=1e-4)
    torch.testing.assert_close(fast.losses, generic.losses, rtol=0, atol=1e-4)
    assert float(fast.losses[-1].mean()) < float(fast.losses[0].mean())  # the members do learn
