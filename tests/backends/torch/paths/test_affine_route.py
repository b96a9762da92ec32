"""The affine-first-layer route of BN-free MLPs (``backends/torch/paths/affine_route.py``): its
loss-and-error reductions against sample-by-sample references, both product kernels against
``baddbmm``, the kernel rule, and every block layout against the vmap route."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import catdyn.backends.torch.paths.affine_route as route
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.affine_route import _loss_error_sums
from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack


def test_class_axis_loss_and_error_match_the_row_reductions() -> None:
    """The ``(B, C, N)`` reductions of the affine route give the reference's loss and exactly
    its argmax errors, with ties (integer logits), confident columns and NaN columns mixed."""
    from catdyn.backends.torch.paths.interpolation import _loss_error

    g = torch.Generator().manual_seed(0)
    lg = torch.randint(-2, 3, (6, 5, 400), generator=g).float()  # many exact ties
    lg[:, :, 100:200] = torch.randn(6, 5, 100, generator=g) * 8
    lg[1, 2, 7] = float("nan")
    y = torch.randint(0, 5, (400,), generator=g)
    loss, wrong = _loss_error_sums(lg, y)
    ref_loss, ref_err = _loss_error(lg.transpose(1, 2), y)
    assert torch.equal(wrong, ref_err * 400)
    finite = torch.isfinite(ref_loss)
    assert torch.allclose(loss[finite] / 400, ref_loss[finite], atol=1e-6)
    assert torch.isnan(loss[1]) and torch.isnan(ref_loss[1])


def _reference_sums(lg: torch.Tensor, y: torch.Tensor) -> tuple[list[float], list[int]]:
    """Per network of ``(B, C, N)`` logits: the summed cross-entropy and the number of samples
    whose ``argmax`` (first maximal class; NaN counts as maximal) is not the target, one sample
    at a time."""
    losses, wrongs = [], []
    for b in range(lg.shape[0]):
        rows = lg[b].T  # (N, C)
        losses.append(sum(F.cross_entropy(rows[n : n + 1], y[n : n + 1]).item() for n in range(len(y))))
        wrongs.append(sum(int(torch.argmax(rows[n]).item() != y[n].item()) for n in range(len(y))))
    return losses, wrongs


def test_fused_loss_and_error_match_cross_entropy_and_argmax_sample_by_sample() -> None:
    """One log-softmax for both: the loss is F.cross_entropy's and the error is argmax's, with
    exact ties (small integer logits), a tie made by rounding in the log-softmax only, NaN,
    +inf and -inf logits; also summed over ranges of samples."""
    g = torch.Generator().manual_seed(1)
    lg = torch.randint(-1, 2, (4, 4, 60), generator=g).float()  # many exact ties at the top
    lg[:, :, 30:] = torch.randn(4, 4, 30, generator=g) * 5
    lg[0, 1, 3] = float("nan")
    lg[1, 2, 4] = float("inf")
    lg[2, 0, 5] = float("-inf")
    # distinct logits whose log-softmax entries round to one value: the target (class 0) is
    # the unique maximum, so the sample is right; the fallback to argmax must see that
    lg[3, :, 6] = torch.tensor([0.0, -1e-8, -0.5, -0.5])
    shifted = torch.log_softmax(lg[3:4, :, 6:7], 1).flatten()
    assert shifted[0] == shifted[1] and lg[3, 0, 6] > lg[3, 1, 6]
    y = torch.randint(0, 4, (60,), generator=g)
    y[3], y[4], y[5], y[6] = 1, 2, 0, 0
    loss, wrong = _loss_error_sums(lg, y)
    ref_loss, ref_wrong = _reference_sums(lg, y)
    assert wrong.tolist() == [float(w) for w in ref_wrong]
    for got, ref in zip(loss.tolist(), ref_loss, strict=True):
        assert (np.isnan(got) and np.isnan(ref)) or got == pytest.approx(ref, rel=1e-5, abs=1e-4)
    halves = _loss_error_sums(lg, y, ranges=[(0, 25), (25, 60)])
    assert torch.equal(halves[1].sum(1), wrong)
    first = _loss_error_sums(lg[:, :, :25].contiguous(), y[:25])
    assert torch.equal(halves[1][:, 0], first[1])
    assert torch.allclose(halves[0][:, 0], first[0], equal_nan=True)
    # the route's form: the log-softmax computed already (per piece of rows), the logits handed
    # over on demand for the tie fallback only; the same sums to the bit
    pieces = [lg[:2].clone(), lg[2:].clone()]
    lsm = torch.cat([torch.log_softmax(p, 1) for p in pieces])
    asked = []
    pre = _loss_error_sums(
        lsm, y, ranges=[(0, 25), (25, 60)], logits_of=lambda: asked.append(1) or torch.cat(pieces)
    )
    assert asked  # these logits have ties, so the fallback ran
    assert torch.equal(pre[1], halves[1]) and torch.allclose(pre[0], halves[0], equal_nan=True)
    # without ties or NaN the logits are never asked for
    clean = torch.randn(3, 4, 50, generator=g)
    _loss_error_sums(torch.log_softmax(clean, 1), y[:50], logits_of=lambda: pytest.fail("asked"))


def test_batched_affine_both_kernels_agree_with_baddbmm(monkeypatch) -> None:
    """The oneDNN grouped convolution (where the check on first use accepts it) and the
    baddbmm fallback give the same products, into a fresh tensor or a given one."""
    g = torch.Generator().manual_seed(2)
    w, h, b = (
        torch.randn(5, 10, 13, generator=g),
        torch.randn(5, 13, 29, generator=g),
        torch.randn(5, 10, generator=g),
    )
    ref = torch.baddbmm(b.unsqueeze(2), w, h)
    for kernel in ("onednn", "baddbmm") if route._onednn_ok() else ("baddbmm",):
        monkeypatch.setattr(route, "_AFFINE_KERNEL", [kernel])
        out = torch.empty(5, 10, 29)
        assert torch.allclose(route._batched_affine(w, h, b), ref, atol=1e-5)
        assert route._batched_affine(w, h, b, out=out) is out and torch.allclose(out, ref, atol=1e-5)
    assert torch.allclose(route._batched_affine(w.double(), h.double(), b.double()), ref.double(), atol=1e-5)


def test_affine_kernel_follows_the_cpu_capability(monkeypatch) -> None:
    """oneDNN's grouped convolution only where torch runs AVX-512 kernels (and the convolution
    passed its check); baddbmm on an AVX2 CPU, where it measured faster on the route's shapes."""
    monkeypatch.setattr(route, "_ONEDNN", [True])
    for capability, kernel in (("AVX512", "onednn"), ("AVX512_BF16", "onednn"), ("AVX2", "baddbmm"), ("DEFAULT", "baddbmm")):
        monkeypatch.setattr(route, "_AFFINE_KERNEL", [])
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda c=capability: c)
        assert route._affine_kernel() == kernel
    monkeypatch.setattr(route, "_ONEDNN", [False])
    monkeypatch.setattr(route, "_AFFINE_KERNEL", [])
    assert route._affine_kernel() == "baddbmm"  # AVX-512 but the convolution failed its check


@pytest.mark.parametrize(
    "cpu_block, logits_block, bank", [(2**20, 2**19, 2**24), (64, 40, 2**24), (200, 3000, 100), (7, 1, 2**24)]
)
@pytest.mark.parametrize("grid", [alpha_grid(5), torch.tensor([0.1, 0.5, 0.9]), torch.tensor([1.0, 0.0, 1.0])])
def test_every_block_layout_gives_the_same_profiles(cpu_block, logits_block, bank, grid, monkeypatch) -> None:
    """The affine route cuts samples, points and pairs into blocks by three budgets; with
    budgets shrunk to force many sample blocks (splits straddling a block's edge), one point per
    block, flushed logit buffers and single-pair blocks, it still gives the vmap route's numbers."""
    net = MLP((5, 6, 3))
    bank_models = stack([net.init(torch.Generator().manual_seed(s)) for s in range(4)])
    g = torch.Generator().manual_seed(3)
    data = {
        "train": (torch.randn(23, 5, generator=g), torch.randint(0, 3, (23,), generator=g)),
        "test": (torch.randn(11, 5, generator=g), torch.randint(0, 3, (11,), generator=g)),
    }
    pairs = [(0, 1), (2, 3), (1, 3), (3, 3), (1, 0)]
    slow = pair_paths(net, bank_models, pairs, grid, data, method="vmap")
    monkeypatch.setattr(route, "_CPU_BLOCK", cpu_block)
    monkeypatch.setattr(route, "_LOGITS_BLOCK", logits_block)
    monkeypatch.setattr(route, "_BANK_ELEMENTS", bank)
    for workers in (1, 2):
        fast = pair_paths(net, bank_models, pairs, grid, data, workers=workers)
        for key in slow:
            torch.testing.assert_close(fast[key], slow[key], rtol=0, atol=1e-6)
