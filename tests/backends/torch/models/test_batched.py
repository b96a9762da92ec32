"""The batched network of every family equals a plain loop of ``arch.apply`` over the sets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer, recalibrate
from catdyn.backends.torch.models.batched import (
    combine_first,
    first_layer,
    pool2x2,
    stacked_first_layer,
    stacked_logits,
    stacked_recalibrate,
    supports,
)

FAMILIES = [
    CNN((1, 8, 8), (3, 4), 5),
    CNN((1, 16, 16), (2, 3, 2), 4, pool="avg"),
    CNN((1, 12, 12), (2, 3, 2), 4, activation="gelu"),
    CNN((2, 8, 8), (3,), 4, pool="avg", readout="mean", activation="gelu", batch_norm=True),
    CNN((1, 7, 9), (3, 4), 5, pool=None, batch_norm=True, kernel=5),
    CNN((1, 9, 9), (2, 3), 3, activation="tanh", batch_norm=True),
    ResNet((1, 8, 8), 4, (3, 5), 6),
    ResNet((2, 6, 6), 3, (2,), 3, batch_norm=True, activation="tanh"),
    Transformer(input_dim=3, seq_len=4, d_model=8, heads=(2, 1), head_dim=4, mlp=(6, 5), classes=2),
    Transformer(input_dim=0, seq_len=5, d_model=8, heads=(2,), head_dim=3, mlp=(6,), classes=3, vocab=7),
    GRU(3, 5, 2),
]


def _sets(arch, m=3):  # type: ignore[no-untyped-def]
    """``m`` parameter sets with non-trivial stored batch-norm statistics, and their stack."""
    sets = []
    for s in range(m):
        g = torch.Generator().manual_seed(s)
        p = arch.init(g, dtype=torch.float64)
        for k in arch.buffers():
            if k.endswith("running_var"):
                p[k] = p[k] + torch.rand(p[k].shape, generator=g, dtype=torch.float64)
            else:
                p[k] = torch.randn(p[k].shape, generator=g, dtype=torch.float64)
        sets.append(p)
    return sets, {k: torch.stack([p[k] for p in sets]) for k in sets[0]}


@pytest.mark.parametrize("arch", FAMILIES, ids=lambda a: a.name)
@pytest.mark.parametrize("train", [False, True])
def test_stacked_logits_equal_a_loop_over_sets(arch, train) -> None:  # type: ignore[no-untyped-def]
    sets, stack = _sets(arch)
    x = arch.example_input(7, torch.Generator().manual_seed(5), dtype=torch.float64)
    out = stacked_logits(arch, stack, x, train=train)
    ref = torch.stack([arch.apply(p, x, train=train) for p in sets])
    assert out.shape == ref.shape
    torch.testing.assert_close(out, ref, atol=1e-10, rtol=0)


@pytest.mark.parametrize("arch", [a for a in FAMILIES if a.buffers()], ids=lambda a: a.name)
def test_stacked_recalibrate_equals_recalibrate_per_set(arch) -> None:  # type: ignore[no-untyped-def]
    sets, stack = _sets(arch)
    x = arch.example_input(9, torch.Generator().manual_seed(2), dtype=torch.float64)
    out = stacked_recalibrate(arch, stack, x)
    for i, p in enumerate(sets):
        ref = recalibrate(arch, p, x)
        for k in arch.buffers():
            torch.testing.assert_close(out[k][i], ref[k], atol=1e-10, rtol=0)
        assert not torch.equal(out[arch.buffers()[0]][i], p[arch.buffers()[0]])  # something moved


@pytest.mark.parametrize("arch", FAMILIES, ids=lambda a: a.name)
def test_first_layer_is_linear_in_the_parameters(arch) -> None:  # type: ignore[no-untyped-def]
    """``combine_first`` is exact because the first layer is linear: a combination of outputs is
    the output of the combined parameters, and the stacked first layer agrees per set."""
    sets, stack = _sets(arch)
    x = arch.example_input(4, torch.Generator().manual_seed(3), dtype=torch.float64)
    c = torch.tensor([[0.3, -1.2, 0.7], [1.0, 0.0, 0.0]], dtype=torch.float64)
    got = combine_first(None, torch.stack([first_layer(arch, p, x) for p in sets]), c)
    for row, coeffs in enumerate(c):
        mixed = {k: sum(float(a) * p[k] for a, p in zip(coeffs, sets)) for k in sets[0]}
        torch.testing.assert_close(got[row], first_layer(arch, mixed, x), atol=1e-10, rtol=0)
    whole = stacked_first_layer(arch, stack, x)
    for i, p in enumerate(sets):
        torch.testing.assert_close(whole[i], first_layer(arch, p, x), atol=1e-10, rtol=0)


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 4, 5, 7), (3, 1, 2, 2)])
def test_pool2x2_equals_torch_pooling(shape) -> None:  # type: ignore[no-untyped-def]
    h = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    assert torch.equal(pool2x2(h, "max"), F.max_pool2d(h, 2))
    torch.testing.assert_close(pool2x2(h, "avg"), F.avg_pool2d(h, 2), atol=1e-6, rtol=0)


def test_supports_names_the_four_families() -> None:
    assert all(supports(a) for a in FAMILIES)
    assert not supports(MLP((2, 3, 2)))


@pytest.mark.parametrize("blocks", [False, True])
def test_dense_matrix_is_the_convolution_and_linear_in_the_weights(blocks: bool) -> None:
    """Against ``F.conv2d`` (an independent reference): the dense matrix applied to a flattened
    input is the same-padded convolution (its columns in pooling-block order with ``blocks``);
    and the matrix of a linear combination of weights is that combination of matrices (what the
    path and landscape routes rely on when they combine the ends' matrices)."""
    from catdyn.backends.torch.models.batched import _as_blocks, dense_matrix

    g = torch.Generator().manual_seed(0)
    w = torch.randn(2, 5, 3, 3, 3, generator=g, dtype=torch.float64)
    x = torch.randn(7, 3, 4, 6, generator=g, dtype=torch.float64)
    d = dense_matrix(w, (4, 6), 1, blocks)
    for m in range(2):
        ref = F.conv2d(x, w[m], padding=1)
        ref = (_as_blocks(ref) if blocks else ref).flatten(1)
        torch.testing.assert_close(x.flatten(1) @ d[m], ref, atol=1e-12, rtol=0)
    mixed = dense_matrix(0.3 * w[:1] - 1.7 * w[1:], (4, 6), 1, blocks)
    torch.testing.assert_close(mixed, 0.3 * d[:1] - 1.7 * d[1:], atol=1e-12, rtol=0)


def test_as_blocks_puts_each_pooling_window_across_the_four_blocks() -> None:
    from catdyn.backends.torch.models.batched import _as_blocks, _pool_blocks

    h = torch.randn(3, 2, 4, 6)
    b = _as_blocks(h)
    assert b.shape == (3, 4, 2, 2, 3)
    assert torch.equal(b[:, 1, :, 0, 2], h[:, :, 0, 5])  # block 1: row 0, column 1 of each window
    assert torch.equal(b[:, 2, :, 1, 0], h[:, :, 3, 0])  # block 2: row 1, column 0
    assert torch.equal(_pool_blocks(b, "max"), F.max_pool2d(h, 2))
    torch.testing.assert_close(_pool_blocks(b, "avg"), F.avg_pool2d(h, 2))


def test_dense_layers_follow_the_map_size_rule() -> None:
    from catdyn.backends.torch.models.batched import DENSE_RATIO, dense_layers

    # input maps 16, 8, 4, 2 pixels a side; kernel 3: dense where H·W ≤ DENSE_RATIO·9
    net = CNN((1, 16, 16), (2, 2, 2, 2), 3)
    assert dense_layers(net) == {i for i, side in enumerate((16, 8, 4, 2)) if i > 0 and side**2 <= DENSE_RATIO * 9}
    assert dense_layers(CNN((1, 8, 8), (2, 2), 3, pool=None)) == set()
