"""``ensemble.evaluate`` runs members and samples in blocks bounded by ``EVAL_BUDGET``
activations (a population of 102 GRUs on 40-step sequences once asked for 12.5 GB in one
block), and the blocks change no number: every budget gives the per-member loop's losses and
accuracies."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.data.datasets import Dataset  # noqa: E402
from catdyn.backends.torch.models.architectures import GRU, MLP  # noqa: E402
from catdyn.backends.torch.models.batched import activation_size  # noqa: E402
from catdyn.backends.torch.training import ensemble as E  # noqa: E402


def _per_member_loop(arch, params, data):  # type: ignore[no-untyped-def]
    """Each member alone on all the samples, with ``arch.apply``."""
    losses, accs = [], []
    for m in range(next(iter(params.values())).shape[0]):
        logits = arch.apply({k: v[m] for k, v in params.items()}, data.x)
        losses.append(F.cross_entropy(logits, data.y).item())
        accs.append((logits.argmax(-1) == data.y).double().mean().item())
    return losses, accs


class _SpyF:
    """``torch.nn.functional`` that records the shape of every logits block evaluated."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(F, name)

    def cross_entropy(self, logits, y, **kw):  # type: ignore[no-untyped-def]
        self.shapes.append(tuple(logits.shape))  # (members, classes, samples)
        return F.cross_entropy(logits, y, **kw)


@pytest.mark.parametrize(
    "arch, shape",
    [(GRU(2, 6, 3, seq_len=7), (7, 2)), (MLP((5, 9, 3)), (5,))],
    ids=["gru", "mlp"],
)
@pytest.mark.parametrize("budget", [1, 300, 5_000, 1 << 26])
def test_blocks_stay_in_the_budget_and_change_no_number(arch, shape, budget: int, monkeypatch) -> None:
    g = torch.Generator().manual_seed(0)
    data = Dataset(
        torch.randn(53, *shape, generator=g), torch.randint(0, 3, (53,), generator=g), "toy", 3, "test"
    )
    params = E.init_ensemble(arch, [0, 1, 2, 3, 4])
    ref_loss, ref_acc = _per_member_loop(arch, params, data)
    spy = _SpyF()
    monkeypatch.setattr(E, "EVAL_BUDGET", budget)
    monkeypatch.setattr(E, "F", spy)
    loss, acc = E.evaluate(arch, params, data)
    assert loss.tolist() == pytest.approx(ref_loss, abs=1e-6)
    assert acc.tolist() == pytest.approx(ref_acc, abs=1e-6)  # a count over 53, returned in float32
    per_sample = activation_size(arch, data.x[:1])
    for members, _, samples in spy.shapes:
        # at most the budget, or one sample of one member where even that exceeds it
        assert members * samples * per_sample <= max(budget, per_sample), (members, samples, per_sample)
    assert sum(m * n for m, _, n in spy.shapes) == 5 * 53  # every member on every sample, once


def test_the_default_block_is_at_most_4096_samples(monkeypatch) -> None:
    """``evaluate``'s documented default ``chunk=4096``: a block never holds more samples, even
    when the activation budget would allow it (here one small member on 8,200 samples)."""
    arch = MLP((2, 3, 2))
    g = torch.Generator().manual_seed(1)
    data = Dataset(
        torch.randn(8200, 2, generator=g), torch.randint(0, 2, (8200,), generator=g), "toy", 2, "test"
    )
    params = E.init_ensemble(arch, [0])
    spy = _SpyF()
    monkeypatch.setattr(E, "F", spy)
    loss, acc = E.evaluate(arch, params, data)
    assert max(n for _, _, n in spy.shapes) == 4096 and sum(n for _, _, n in spy.shapes) == 8200
    ref_loss, ref_acc = _per_member_loop(arch, params, data)
    assert loss.tolist() == pytest.approx(ref_loss, abs=1e-6) and acc.tolist() == pytest.approx(
        ref_acc, abs=1e-6
    )
