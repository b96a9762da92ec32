"""The fast MLP engine's hand-written backward, step by step: each member's loss and every
parameter's gradient against autograd through an MLP written here with ``F.linear`` (one
member at a time, its own batch), for every activation and depth, with and without dead inputs
(features zero in every sample, kept out of the first layer's products).

Also its layout helpers, through the documented interface: ``accumulate_into`` with
``loss_and_grads(beta, alpha)`` writes ``beta·b + alpha·∇``; ``hyper`` gives ``None`` for all
zeros, a number when every member shares it, else each member's value on every number of that
member's parameters; ``restore`` puts back only the members that are not alive.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.data.datasets import Dataset  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.training import engines as E  # noqa: E402
from catdyn.backends.torch.training.engines import FastMLPEngine, make_engine  # noqa: E402

K, B, N = 3, 5, 24
ACT = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "identity": lambda t: t}


def _data(width: int, classes: int, dead: tuple = ()) -> Dataset:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(N, width, generator=g, dtype=torch.float64)
    x[:, list(dead)] = 0.0
    y = torch.randint(0, classes, (N,), generator=g)
    y[:classes] = torch.arange(classes)
    return Dataset(x, y, "toy", classes, "train")


def _params(arch: MLP) -> dict:
    members = [arch.init(torch.Generator().manual_seed(10 + k)) for k in range(K)]
    return {n: torch.stack([m[n] for m in members]).double() for n in members[0]}


def _rows(seed: int):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randperm(N, generator=g)[:B] for _ in range(K)])  # (K, B)


def _reference(arch: MLP, params: dict, data: Dataset, rows, k: int):
    """Member k's loss and gradients by autograd on its own batch."""
    leaves = {n: t[k].clone().requires_grad_(True) for n, t in params.items()}
    h = data.x[rows[k]]
    nl = len(arch.widths) - 1
    for i in range(nl):
        h = F.linear(h, leaves[f"fc{i}.weight"], leaves[f"fc{i}.bias"])
        if i < nl - 1:
            h = ACT[arch.activation](h)
    loss = F.cross_entropy(h, data.y[rows[k]])
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return float(loss.detach()), dict(zip(leaves, grads))


def _as_params(engine: FastMLPEngine, flat) -> dict:
    """A tensor laid out as ``engine.flat`` read back as named parameters (through ``export``)."""
    saved = engine.flat.clone()
    engine.flat.copy_(flat)
    out = {n: t.clone() for n, t in engine.export().items()}
    engine.flat.copy_(saved)
    return out


CASES = [
    (MLP((6, 4)), ()),  # softmax regression: one layer, no dead-input block
    (MLP((6, 4)), (1,)),  # one layer keeps its zero input in the products
    (MLP((6, 5, 4)), ()),
    (MLP((6, 5, 4)), (0, 4)),
    (MLP((7, 5, 4, 3)), (2,)),
    (MLP((7, 5, 4, 6, 3)), ()),
]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_losses_and_gradients_equal_autograd_per_member(case: int, activation: str) -> None:
    widths, dead = CASES[case][0].widths, CASES[case][1]
    arch = MLP(widths, activation=activation)
    data = _data(widths[0], widths[-1], dead)
    params = _params(arch)
    engine = make_engine(arch, params, data, B, use_fast=True, beside_threads=False)
    assert isinstance(engine, FastMLPEngine)
    # two steps of one chunk: the second batch must replace the first one's targets entirely
    schedule = torch.stack([_rows(1), _rows(2)])  # (m, K, B)
    engine.load_chunk(schedule)
    for i in range(2):
        engine.load_batch(i)
        loss = torch.empty(K, dtype=torch.float64)
        grads = engine.loss_and_grads(loss)
        named = _as_params(engine, grads[0])
        for k in range(K):
            ref_loss, ref_grads = _reference(arch, params, data, schedule[i], k)
            assert abs(float(loss[k]) - ref_loss) < 1e-12
            for n, g in ref_grads.items():
                torch.testing.assert_close(named[n][k], g, rtol=1e-10, atol=1e-12)
    # the parameters themselves come back as they went in
    for n, t in engine.export().items():
        assert torch.equal(t, params[n])


@pytest.mark.parametrize("widths", [(6, 4), (6, 5, 4), (7, 5, 4, 3)])
def test_accumulate_into_writes_beta_b_plus_alpha_gradient(widths) -> None:
    arch = MLP(widths, activation="tanh")
    data = _data(widths[0], widths[-1], dead=(1,))
    params = _params(arch)
    plain = make_engine(arch, params, data, B, use_fast=True, beside_threads=False)
    folded = make_engine(arch, params, data, B, use_fast=True, beside_threads=False)
    schedule = _rows(4)[None]
    loss = torch.empty(K, dtype=torch.float64)
    plain.load_chunk(schedule)
    plain.load_batch(0)
    grad = plain.loss_and_grads(loss)[0].clone()
    b0 = torch.randn(grad.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    live = grad != 0  # the dead inputs' block is never written: it keeps b0 whatever beta is
    for beta, alpha in ((0.0, 1.0), (0.0, 0.7), (0.9, 1.0), (0.9, 0.4)):
        buffer = b0.clone()
        folded.accumulate_into(buffer)
        folded.load_chunk(schedule)
        folded.load_batch(0)
        out = folded.loss_and_grads(loss, beta, alpha)
        assert out[0] is buffer
        torch.testing.assert_close(buffer[live], (beta * b0 + alpha * grad)[live], rtol=1e-12, atol=1e-12)


def test_hyper_and_restore_follow_the_members() -> None:
    arch = MLP((7, 5, 4, 3))
    data = _data(7, 3, dead=(2,))
    params = _params(arch)
    engine = make_engine(arch, params, data, B, use_fast=True, beside_threads=False)
    assert engine.hyper(torch.zeros(K, dtype=torch.float64)) is None
    assert engine.hyper(torch.full((K,), 0.25, dtype=torch.float64)) == 0.25
    values = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)
    spread = engine.hyper(values)
    assert spread.shape == engine.flat.shape
    for n, t in _as_params(engine, spread).items():
        for k in range(K):
            assert bool((t[k] == values[k]).all()), (n, k)
    frozen = [engine.flat.clone()]
    engine.flat.add_(1.0)
    engine.restore(frozen, torch.tensor([True, False, True]))
    for n, t in engine.export().items():
        assert torch.equal(t[1], params[n][1])
        assert torch.equal(t[[0, 2]], params[n][[0, 2]] + 1.0)


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="no oneDNN")
@pytest.mark.parametrize("kernels", [(True, True), (False, True), (True, False)], ids=["both", "grad", "fwd"])
def test_first_layer_on_onednn_equals_autograd(kernels, monkeypatch) -> None:
    """The first layer's products forced onto oneDNN (an entry in ``FIRST_LAYER_KERNELS`` under
    its documented key), float32: the gradient is still ``beta·b + alpha·∇``, and with
    ``defer_first_block`` the first block's gradient is left in ``pending_grad0`` untouched by
    beta and alpha (its buffer not written)."""
    arch = MLP((7, 6, 5, 3), activation="relu")
    data = _data(7, 3, dead=(2,))
    data = Dataset(data.x.float(), data.y, "toy", 3, "train")
    params = {n: t.float() for n, t in _params(arch).items()}
    key = (K, B, 7 - 1 + 1, 6, torch.float32, False)
    monkeypatch.setattr(E, "FIRST_LAYER_KERNELS", {key: (*kernels, 0.0)})
    schedule = _rows(6)[None]
    loss = torch.empty(K)

    def engine():
        e = make_engine(arch, params, data, B, use_fast=True, beside_threads=False)
        assert (e.conv_fwd0, e.conv_grad0) == kernels
        e.load_chunk(schedule)
        e.load_batch(0)
        return e

    refs = [
        _reference(arch, {n: t.double() for n, t in params.items()}, _as64(data), schedule[0], k)
        for k in range(K)
    ]
    plain = engine()
    grad = plain.loss_and_grads(loss)[0].clone()
    named = _as_params(plain, grad)
    for k, (ref_loss, ref_grads) in enumerate(refs):
        assert abs(float(loss[k]) - ref_loss) < 1e-5
        for n, g in ref_grads.items():
            torch.testing.assert_close(named[n][k].double(), g, rtol=1e-4, atol=1e-5)
    b0 = torch.randn(grad.shape, generator=torch.Generator().manual_seed(5))
    live = grad != 0
    for beta, alpha in ((0.0, 1.0), (0.0, 0.7), (0.9, 1.0), (0.9, 0.4)):
        buffer = b0.clone()
        e = engine()
        e.accumulate_into(buffer)
        e.loss_and_grads(loss, beta, alpha)
        torch.testing.assert_close(buffer[live], (beta * b0 + alpha * grad)[live], rtol=1e-6, atol=1e-6)
    if kernels[1]:
        buffer = b0.clone()
        e = engine()
        e.accumulate_into(buffer)
        e.defer_first_block = True
        e.loss_and_grads(loss, 0.9, 0.4)
        n0 = e.blocks[0].numel()
        torch.testing.assert_close(e.pending_grad0.reshape(-1), grad[:n0], rtol=1e-6, atol=1e-6)
        assert torch.equal(buffer[:n0], b0[:n0])
        torch.testing.assert_close(
            buffer[n0:][live[n0:]], (0.9 * b0 + 0.4 * grad)[n0:][live[n0:]], rtol=1e-6, atol=1e-6
        )


def _as64(data: Dataset) -> Dataset:
    return Dataset(data.x.double(), data.y, data.name, data.n_classes, data.split)
