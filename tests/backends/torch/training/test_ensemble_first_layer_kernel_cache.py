"""The fast path's first-layer kernel choice is timed once per shape and kept in
``FIRST_LAYER_KERNELS`` under ``(K, B, live inputs + 1, first hidden width, dtype,
beside_threads)``.

The tests that force a kernel (``test_ensemble.py``, ``test_ensemble_first_layer_kernels_deep.py``)
write an entry under that key and compare results with a reference; results do not depend on
the kernel, so if the trainer looked under another key it would time the kernels itself and
those tests would still pass, having forced nothing. Here: a forced entry is the only one the
trainer reads (nothing else is timed, the cache is unchanged), and with an empty cache the one
entry it writes is under the documented key (the input width, not the batch size)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training import engines as E  # noqa: E402
from catdyn.backends.torch.training.ensemble import TrainConfig, train_ensemble  # noqa: E402
from catdyn.backends.torch.training.optim import SGD  # noqa: E402

pytestmark = pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="no oneDNN: nothing is timed")

DIGITS = load_digits(seed=0).train
ARCH = MLP((64, 24, 16, 10))
SEEDS, BATCH = [0, 1, 2], 16  # a batch size unlike the input width (n_live + 1)


def _key() -> tuple:
    n_live = int((DIGITS.x != 0).any(0).sum())
    assert n_live + 1 != BATCH
    return (len(SEEDS), BATCH, n_live + 1, ARCH.widths[1], torch.float32, False)


def _train() -> None:
    cfg = TrainConfig(3, BATCH, SGD(momentum=0.9), lr=0.05, path="fast", workers=1)
    result = train_ensemble(ARCH, DIGITS, SEEDS, cfg, device="cpu", dtype=torch.float32)
    assert result.path == "fast"


@pytest.mark.parametrize("kernels", [(True, True), (True, False), (False, False)], ids=["both", "fwd", "none"])
def test_a_forced_entry_is_read_and_nothing_is_timed(kernels: tuple[bool, bool], monkeypatch) -> None:
    forced = {_key(): (*kernels, 0.0)}
    monkeypatch.setattr(E, "FIRST_LAYER_KERNELS", dict(forced))
    _train()
    assert E.FIRST_LAYER_KERNELS == forced


def test_an_empty_cache_gets_one_entry_under_the_documented_key(monkeypatch) -> None:
    monkeypatch.setattr(E, "FIRST_LAYER_KERNELS", {})
    _train()
    assert list(E.FIRST_LAYER_KERNELS) == [_key()]
    fwd, grad, seconds = E.FIRST_LAYER_KERNELS[_key()]
    assert isinstance(fwd, bool) and isinstance(grad, bool) and seconds >= 0.0
