"""Landscape grids: geometry on known surfaces against a naive loop and analytic diagrams,
planted orientation/offset bugs caught, every method against the naive loop on real nets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

import catdyn.backends.torch.landscapes.landscape as L  # noqa: E402
from catdyn.backends.torch.landscapes.landscape import (  # noqa: E402
    function_grid,
    loss_landscape,
    random_directions,
)
from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402
from catdyn.errors import TopologyError  # noqa: E402
from catdyn.topology.cubical import sublevel_persistence  # noqa: E402

STEPS, SPAN = 21, 2.0
WELLS = [(-1.2, 0.7), (0.0, 1.0), (1.4, 0.5)]  # (x position on the centre row, depth)
SIGMA = 0.35


def _bowl(p: np.ndarray) -> float:
    return float((p[0] - 0.4) ** 2 + 3.0 * (p[1] + 0.6) ** 2)


def _wells(p: np.ndarray) -> float:
    r2 = [(p[0] - mu) ** 2 + p[1] ** 2 for mu, _ in WELLS]
    return float(-sum(a * np.exp(-r / (2 * SIGMA**2)) for (_, a), r in zip(WELLS, r2)))


def _torch(f):  # type: ignore[no-untyped-def]
    def batch(th):  # type: ignore[no-untyped-def]
        return torch.tensor([f(t) for t in th.numpy()], dtype=torch.float64)

    return batch


def _grid(surface, grid=function_grid):  # type: ignore[no-untyped-def]
    d = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    return grid(_torch(surface), torch.zeros(2, dtype=torch.float64), d, STEPS, SPAN).values


def check_against_naive_loop(values: np.ndarray, surface) -> None:  # type: ignore[no-untyped-def]
    c = np.linspace(-SPAN, SPAN, STEPS)  # the coordinates, computed independently
    for i, j in itertools.product(range(STEPS), range(STEPS)):
        assert values[i, j] == pytest.approx(surface(np.array([c[i], c[j]])), abs=1e-12), (i, j)


def check_bowl_diagram(values: np.ndarray) -> None:
    c = np.linspace(-SPAN, SPAN, STEPS)
    i, j = int(np.argmin(np.abs(c - 0.4))), int(np.argmin(np.abs(c + 0.6)))
    assert np.unravel_index(np.argmin(values), values.shape) == (i, j)
    d = sublevel_persistence(values, engine="union-find")
    assert d.pairs(0).shape == (0, 2)  # a bowl has one basin
    assert d.essential_births(0).tolist() == pytest.approx([_bowl(np.array([c[i], c[j]]))])


def check_wells_diagram(values: np.ndarray) -> None:
    # On the grid every column's minimum sits on the centre row (the wells are centred on it and
    # each Gaussian is radially decreasing), so sublevel components are runs of columns and H0 is
    # the 1-D persistence of the centre-row profile: births at the wells, deaths at the highest
    # column between a well and the deeper one beside it.
    c = np.linspace(-SPAN, SPAN, STEPS)
    row = np.array([_wells(np.array([x, 0.0])) for x in c])
    cols = [int(np.argmin(np.abs(c - mu))) for mu, _ in WELLS]
    births = [row[k] for k in cols]
    deep = int(np.argmin(births))  # the middle well is the deepest
    expected = sorted(
        (births[k], float(row[min(cols[k], cols[deep]) : max(cols[k], cols[deep]) + 1].max()))
        for k in range(3)
        if k != deep
    )
    for construction in ("vertex", "top-cell"):
        d = sublevel_persistence(values, engine="union-find", construction=construction)
        np.testing.assert_allclose(d.pairs(0), np.array(expected), atol=1e-12)
        np.testing.assert_allclose(d.essential_births(0), [births[deep]], atol=1e-12)
    # and each class is born where its well is: axis 0 is the first coordinate (x), row y = 0
    mid = STEPS // 2
    for k, b in enumerate(births):
        assert (cols[k], mid) in {tuple(ij) for ij in np.argwhere(values == b).tolist()}


def test_bowl_grid_equals_naive_loop_and_analytic_diagram() -> None:
    v = _grid(_bowl)
    check_against_naive_loop(v, _bowl)
    check_bowl_diagram(v)


def test_wells_grid_equals_naive_loop_and_analytic_diagram() -> None:
    v = _grid(_wells)
    check_against_naive_loop(v, _wells)
    check_wells_diagram(v)
    pytest.importorskip("gudhi")
    g = sublevel_persistence(v)
    assert g.pairs(1).shape == (0, 2)  # no holes: every sublevel set is vertically convex


def _misaligned_column(steps, span, k):  # type: ignore[no-untyped-def]
    coords, _ = _real_coordinates(steps, span, k)
    shifted = (coords[0], np.roll(coords[1], -1))  # column j evaluated at coordinate j + 1
    mesh = np.meshgrid(*shifted, indexing="ij")
    return coords, np.stack([m.ravel() for m in mesh], axis=1)


def _skipped_negative_offset(steps, span, k):  # type: ignore[no-untyped-def]
    coords = tuple(np.linspace(0.0, span, steps) for _ in range(k))  # starts at 0, not −span
    mesh = np.meshgrid(*coords, indexing="ij")
    return coords, np.stack([m.ravel() for m in mesh], axis=1)


def _transposed(steps, span, k):  # type: ignore[no-untyped-def]
    coords, _ = _real_coordinates(steps, span, k)
    mesh = np.meshgrid(*coords, indexing="xy")  # axes swapped
    return coords, np.stack([m.ravel() for m in mesh], axis=1)


_real_coordinates = L.grid_coordinates


@pytest.mark.parametrize("bug", [_misaligned_column, _skipped_negative_offset, _transposed])
@pytest.mark.parametrize(
    "surface, check",
    [(_bowl, "naive"), (_bowl, "diagram"), (_wells, "naive"), (_wells, "diagram")],
)
def test_planted_grid_bugs_fail_the_checks(monkeypatch, bug, surface, check) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(L, "grid_coordinates", bug)
    v = _grid(surface)
    with pytest.raises(AssertionError):
        if check == "naive":
            check_against_naive_loop(v, surface)
        elif surface is _bowl:
            check_bowl_diagram(v)
        else:
            check_wells_diagram(v)


# --- real networks -------------------------------------------------------------------------
def _naive_net_grid(arch, theta, dirs, x, y, steps, span, train=False):  # type: ignore[no-untyped-def]
    c = np.linspace(-span, span, steps)
    out = np.empty((steps, steps))
    for i, j in itertools.product(range(steps), range(steps)):
        p = {n: theta[n] + float(c[i]) * dirs[0][n] + float(c[j]) * dirs[1][n] for n in theta}
        out[i, j] = F.cross_entropy(arch.apply(p, x, train=train), y).item()
    return out


@pytest.mark.parametrize(
    "arch, shape",
    [
        (MLP((6, 9, 7, 4)), (6,)),
        (MLP((6, 9, 4), batch_norm=True), (6,)),
        (CNN((1, 6, 6), (3,), 4), (1, 6, 6)),
    ],
)
@pytest.mark.parametrize("method", ["auto", "vmap"])
def test_every_method_equals_naive_loop(arch, shape, method) -> None:  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(0)
    theta = arch.init(g, dtype=torch.float64)
    x = torch.randn(30, *shape, generator=g, dtype=torch.float64)
    y = torch.arange(30) % 4
    dirs = random_directions(arch, theta, 2, seed=3)
    ls = loss_landscape(arch, theta, x, y, directions=dirs, steps=7, span=0.8, method=method, chunk=5)
    np.testing.assert_allclose(ls.values, _naive_net_grid(arch, theta, dirs, x, y, 7, 0.8), atol=1e-10)
    assert ls.centre_value == pytest.approx(F.cross_entropy(arch.apply(theta, x), y).item())
    if method == "vmap":
        assert ls.method == "vmap"
    else:
        assert ls.method == ("affine" if not arch.buffers() and isinstance(arch, MLP) else
                             "batched" if isinstance(arch, CNN) else "vmap")


def test_batch_norm_recompute_and_batches() -> None:
    arch = MLP((5, 8, 3), batch_norm=True)
    g = torch.Generator().manual_seed(1)
    theta = arch.init(g, dtype=torch.float64)
    x, y = torch.randn(40, 5, generator=g, dtype=torch.float64), torch.arange(40) % 3
    dirs = random_directions(arch, theta, 2, seed=0)
    assert all(float(d[b].abs().sum()) == 0.0 for d in dirs for b in arch.buffers())  # statistics fixed
    ls = loss_landscape(arch, theta, x, y, directions=dirs, steps=5, span=0.5, batch_norm="recompute")
    np.testing.assert_allclose(
        ls.values, _naive_net_grid(arch, theta, dirs, x, y, 5, 0.5, train=True), atol=1e-10
    )
    assert ls.batch_norm == "recompute"
    with pytest.raises(TopologyError, match="one batch"):
        loss_landscape(arch, theta, x, y, steps=3, batch_norm="recompute", data_chunk=10)
    b = loss_landscape(arch, theta, x, y, directions=dirs, steps=5, span=0.5, batch=16, data_seed=2)
    assert b.data == "batch(n=16, seed=2)"
    idx = torch.randperm(40, generator=torch.Generator().manual_seed(2))[:16]
    np.testing.assert_allclose(
        b.values, _naive_net_grid(arch, theta, dirs, x[idx], y[idx], 5, 0.5), atol=1e-10
    )


def test_data_chunks_k_d_grids_and_error_metric() -> None:
    arch = MLP((4, 6, 3))
    g = torch.Generator().manual_seed(2)
    theta = arch.init(g, dtype=torch.float64)
    x, y = torch.randn(25, 4, generator=g, dtype=torch.float64), torch.arange(25) % 3
    whole = loss_landscape(arch, theta, x, y, k=3, steps=(3, 4, 5), span=(0.5, 0.2, 0.1))
    chunked = loss_landscape(
        arch, theta, x, y, k=3, steps=(3, 4, 5), span=(0.5, 0.2, 0.1), data_chunk=7, chunk=4
    )
    assert whole.values.shape == (3, 4, 5)
    np.testing.assert_allclose(whole.values, chunked.values, atol=1e-12)
    line = loss_landscape(arch, theta, x, y, k=1, steps=9, span=0.5, metric="error")
    acc = (arch.apply(theta, x).argmax(1) != y).double().mean().item()
    assert line.values.shape == (9,) and line.centre_value == pytest.approx(acc)


def test_filter_normalisation_and_bias_options() -> None:
    arch = CNN((1, 6, 6), (3, 4), 5)
    theta = arch.init(torch.Generator().manual_seed(0))
    for d in random_directions(arch, theta, 2, seed=1):
        for name, p in theta.items():
            if p.dim() > 1:
                torch.testing.assert_close(d[name].flatten(1).norm(dim=1), p.flatten(1).norm(dim=1))
            else:
                assert float(d[name].abs().sum()) == 0.0
    copy = random_directions(arch, theta, 1, seed=1, bias_norm="copy")[0]
    torch.testing.assert_close(copy["conv0.bias"], theta["conv0.bias"])
    layer = random_directions(arch, theta, 1, seed=1, normalisation="layer", bias_norm="normalise")[0]
    torch.testing.assert_close(layer["conv0.weight"].norm(), theta["conv0.weight"].norm())
    torch.testing.assert_close(layer["head.bias"].norm(), theta["head.bias"].norm())
    with pytest.raises(TopologyError, match="normalisation"):
        random_directions(arch, theta, 1, normalisation="unit")
    with pytest.raises(TopologyError, match="affine"):
        loss_landscape(
            arch, theta, torch.zeros(2, 1, 6, 6), torch.zeros(2, dtype=torch.long), method="affine"
        )
