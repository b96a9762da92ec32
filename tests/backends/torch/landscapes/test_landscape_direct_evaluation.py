"""Landscape grids (``backends/torch/landscapes/landscape.py``) against a direct evaluation at
every grid point (coordinates from ``np.linspace``, points from ``itertools.product``): every
MLP activation and depth (no hidden layer too) in the affine method, the error metric, the
``loop`` method, 1-D and 3-D grids with per-axis steps and spans, float32 parameters with
float64 data; the directions' normalisations against their definitions; the result's metadata,
centre and JSON form; ``function_grid`` in chunks; the option errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.landscapes.landscape import (  # noqa: E402
    Landscape,
    function_grid,
    grid_coordinates,
    loss_landscape,
    random_directions,
)
from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402
from catdyn.errors import TopologyError  # noqa: E402


def _direct(arch, theta, dirs, x, y, steps, spans, metric="loss"):
    """The metric at every grid point, one forward pass each."""
    coords = [np.linspace(-s, s, n) for s, n in zip(spans, steps)]
    out = np.empty(steps)
    for idx in itertools.product(*(range(n) for n in steps)):
        p = {k: theta[k] + sum(float(coords[a][i]) * dirs[a][k] for a, i in enumerate(idx)) for k in theta}
        logits = arch.apply(p, x)
        if metric == "loss":
            out[idx] = F.cross_entropy(logits, y).item()
        else:
            out[idx] = (logits.argmax(1) != y).double().mean().item()
    return out


def _data(n_in, n_out, n=23, seed=4, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_in, generator=g, dtype=dtype), torch.randint(0, n_out, (n,), generator=g)


@pytest.mark.parametrize(
    "widths, act",
    [
        ((4, 3), "relu"),
        ((4, 6, 3), "tanh"),
        ((4, 6, 5, 3), "sigmoid"),
        ((4, 5, 6, 5, 3), "gelu"),
        ((4, 6, 3), "identity"),
        ((4, 7, 6, 3), "relu"),
    ],
)
@pytest.mark.parametrize("metric", ["loss", "error"])
@pytest.mark.parametrize("method", ["affine", "loop", "vmap"])
def test_mlp_grids_equal_a_direct_evaluation(widths, act, metric, method) -> None:
    arch = MLP(widths, activation=act)
    theta = arch.init(torch.Generator().manual_seed(1), dtype=torch.float64)
    x, y = _data(widths[0], widths[-1])
    dirs = random_directions(arch, theta, 2, seed=2, bias_norm="normalise")
    ls = loss_landscape(
        arch,
        theta,
        x,
        y,
        directions=dirs,
        steps=(5, 4),
        span=(0.9, 0.4),
        method=method,
        metric=metric,
        chunk=3,
    )
    assert ls.method == method and ls.metric == metric
    ref = _direct(arch, theta, dirs, x, y, (5, 4), (0.9, 0.4), metric)
    np.testing.assert_allclose(ls.values, ref, rtol=1e-10, atol=1e-10)


def test_three_axes_and_data_chunks_equal_a_direct_evaluation() -> None:
    arch = MLP((3, 5, 4, 2), activation="tanh")
    theta = arch.init(torch.Generator().manual_seed(3), dtype=torch.float64)
    x, y = _data(3, 2, n=19)
    dirs = random_directions(arch, theta, 3, seed=4, bias_norm="copy")
    for method in ("affine", "vmap", "loop"):
        ls = loss_landscape(
            arch,
            theta,
            x,
            y,
            directions=dirs,
            steps=(3, 2, 4),
            span=(0.5, 0.3, 0.2),
            method=method,
            data_chunk=6,
        )
        assert ls.values.shape == (3, 2, 4) and ls.k == 3
        np.testing.assert_allclose(
            ls.values, _direct(arch, theta, dirs, x, y, (3, 2, 4), (0.5, 0.3, 0.2)), atol=1e-10
        )
        for a, (n, s) in enumerate(((3, 0.5), (2, 0.3), (4, 0.2))):
            np.testing.assert_array_equal(ls.coords[a], np.linspace(-s, s, n))


def test_one_axis_line_equals_a_direct_evaluation() -> None:
    arch = MLP((4, 6, 3))
    theta = arch.init(torch.Generator().manual_seed(5), dtype=torch.float64)
    x, y = _data(4, 3)
    ls = loss_landscape(arch, theta, x, y, k=1, steps=7, span=1.5, seed=9)
    dirs = random_directions(arch, theta, 1, seed=9)
    assert ls.values.shape == (7,) and ls.k == 1 and ls.seed == 9
    np.testing.assert_allclose(ls.values, _direct(arch, theta, dirs, x, y, (7,), (1.5,)), atol=1e-10)


def test_float32_parameters_with_float64_data() -> None:
    """The data takes the parameters' dtype; the grid is then a float32 evaluation."""
    arch = MLP((4, 6, 3))
    theta = arch.init(torch.Generator().manual_seed(6))
    x, y = _data(4, 3)
    dirs = random_directions(arch, theta, 2, seed=1)
    assert dirs[0]["fc0.weight"].dtype == torch.float32
    ls = loss_landscape(arch, theta, x, y, directions=dirs, steps=3, span=0.5)
    assert ls.values.dtype == np.float64
    ref = _direct(arch, theta, dirs, x.float(), y, (3, 3), (0.5, 0.5))
    np.testing.assert_allclose(ls.values, ref, rtol=1e-5, atol=1e-5)


def test_directions_follow_their_definitions() -> None:
    arch = MLP((4, 6, 3), batch_norm=True)
    theta = arch.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    buffers = set(arch.buffers())
    assert buffers
    options = [(n, b) for n in ("filter", "layer", "none") for b in ("zero", "copy", "normalise")]
    for normalisation, bias_norm in options:
        dirs = random_directions(arch, theta, 3, seed=5, normalisation=normalisation, bias_norm=bias_norm)
        again = random_directions(arch, theta, 3, seed=5, normalisation=normalisation, bias_norm=bias_norm)
        assert len(dirs) == 3
        # the same raw Gaussian draws as torch.randn from a generator seeded the same way, in order
        gen = torch.Generator().manual_seed(5)
        for d, d2 in zip(dirs, again):
            for name, p in theta.items():
                r = torch.randn(p.shape, generator=gen, dtype=p.dtype)
                assert d[name].shape == p.shape and d[name].dtype == p.dtype
                assert torch.equal(d[name], d2[name])
                if name in buffers:
                    assert not d[name].any()
                elif p.dim() <= 1:
                    if bias_norm == "zero":
                        assert not d[name].any()
                    elif bias_norm == "copy":
                        assert torch.equal(d[name], p)
                    else:
                        torch.testing.assert_close(d[name], r * p.norm() / r.norm())
                elif normalisation == "filter":
                    scale = p.norm(dim=1) / r.norm(dim=1)
                    torch.testing.assert_close(d[name], r * scale[:, None])
                elif normalisation == "layer":
                    torch.testing.assert_close(d[name], r * p.norm() / r.norm())
                else:
                    assert torch.equal(d[name], r)
        assert not torch.equal(dirs[0]["fc0.weight"], dirs[1]["fc0.weight"])
    # a zero filter gets a zero direction (no division by zero)
    zero = dict(theta)
    zero["fc0.weight"] = theta["fc0.weight"].clone()
    zero["fc0.weight"][2] = 0.0
    d = random_directions(arch, zero, 1, seed=1)[0]
    assert torch.isfinite(d["fc0.weight"]).all() and not d["fc0.weight"][2].any()
    assert d["fc0.weight"][0].any()
    # a conv filter is the whole (in, kh, kw) block of one output channel
    cnn = CNN((1, 6, 6), (3,), 4)
    ct = cnn.init(torch.Generator().manual_seed(0), dtype=torch.float64)
    cd = random_directions(cnn, ct, 1, seed=2)[0]
    w = ct["conv0.weight"]
    torch.testing.assert_close(cd["conv0.weight"].flatten(1).norm(dim=1), w.flatten(1).norm(dim=1))


def test_landscape_metadata_centre_and_json() -> None:
    arch = MLP((4, 6, 3))
    theta = arch.init(torch.Generator().manual_seed(7), dtype=torch.float64)
    x, y = _data(4, 3, n=30)
    ls = loss_landscape(
        arch,
        theta,
        x,
        y,
        steps=(5, 3),
        span=0.4,
        seed=3,
        normalisation="layer",
        bias_norm="copy",
        metric="error",
    )
    assert (ls.method, ls.data, ls.metric, ls.normalisation, ls.bias_norm, ls.seed, ls.batch_norm) == (
        "affine",
        "full(n=30)",
        "error",
        "layer",
        "copy",
        3,
        "none",
    )
    direct = (arch.apply(theta, x).argmax(1) != y).double().mean().item()
    assert ls.centre_value == pytest.approx(direct, abs=1e-12)
    d = ls.to_dict()
    assert d == {
        "values": ls.values.tolist(),
        "coords": [np.linspace(-0.4, 0.4, 5).tolist(), np.linspace(-0.4, 0.4, 3).tolist()],
        "method": "affine",
        "data": "full(n=30)",
        "metric": "error",
        "normalisation": "layer",
        "bias_norm": "copy",
        "seed": 3,
        "batch_norm": "none",
    }
    # a batch as large as the data is the full data
    full = loss_landscape(arch, theta, x, y, steps=3, span=0.4, batch=30)
    assert full.data == "full(n=30)"
    smaller = loss_landscape(arch, theta, x, y, steps=3, span=0.4, batch=29, data_seed=4)
    assert smaller.data == "batch(n=29, seed=4)"
    # the centre of an even grid is the point after the middle, on every axis
    even = Landscape(np.arange(12.0).reshape(4, 3), (np.arange(4.0), np.arange(3.0)), "loop", "x", "loss")
    assert even.centre_value == 7.0 and even.k == 2
    bn = loss_landscape(
        MLP((4, 6, 3), batch_norm=True),
        MLP((4, 6, 3), batch_norm=True).init(torch.Generator().manual_seed(0), dtype=torch.float64),
        x,
        y,
        steps=3,
    )
    assert bn.batch_norm == "stored" and bn.method == "vmap"


def test_function_grid_in_chunks_and_per_axis() -> None:
    def surface(th):
        return th[:, 0] ** 3 - 2.0 * th[:, 1] + th[:, 0] * th[:, 1]

    centre = torch.tensor([0.5, -0.25], dtype=torch.float64)
    dirs = torch.tensor([[1.0, 0.5], [0.0, 2.0]], dtype=torch.float64)
    ls = function_grid(surface, centre, dirs, steps=(4, 3), span=(1.0, 0.5), chunk=5)
    c0, c1 = np.linspace(-1.0, 1.0, 4), np.linspace(-0.5, 0.5, 3)
    for i, j in itertools.product(range(4), range(3)):
        p = centre.numpy() + c0[i] * dirs[0].numpy() + c1[j] * dirs[1].numpy()
        assert ls.values[i, j] == pytest.approx(p[0] ** 3 - 2.0 * p[1] + p[0] * p[1], abs=1e-12)
    assert ls.values.shape == (4, 3) and ls.method == "function"
    line = function_grid(
        lambda th: th.sum(1),
        torch.zeros(3, dtype=torch.float64),
        torch.ones(1, 3, dtype=torch.float64),
        5,
        2.0,
        chunk=2,
    )
    np.testing.assert_allclose(line.values, 3 * np.linspace(-2.0, 2.0, 5))


def test_grid_coordinates_and_option_errors() -> None:
    coords, points = grid_coordinates((2, 3), (1.0, 3.0), 2)
    assert [c.tolist() for c in coords] == [[-1.0, 1.0], [-3.0, 0.0, 3.0]]
    assert points.tolist() == [list(p) for p in itertools.product([-1.0, 1.0], [-3.0, 0.0, 3.0])]
    coords, points = grid_coordinates(1, 2.0, 1)
    assert points.shape == (1, 1)
    for steps, span in (((3, 3, 3), 1.0), (3, (1.0,)), (0, 1.0), ((3, 0), 1.0)):
        with pytest.raises(TopologyError, match="2-D grid"):
            grid_coordinates(steps, span, 2)
    arch = MLP((4, 6, 3))
    theta = arch.init(torch.Generator().manual_seed(0))
    x, y = torch.zeros(2, 4), torch.zeros(2, dtype=torch.long)
    for kw, match in (
        ({"method": "fast"}, "landscape method"),
        ({"metric": "acc"}, "landscape metric"),
        ({"batch_norm": "none"}, "batch-norm handling"),
        ({"method": "batched"}, "batched landscape method"),
    ):
        with pytest.raises(TopologyError, match=match):
            loss_landscape(arch, theta, x, y, steps=3, **kw)
    with pytest.raises(TopologyError, match="bias/norm"):
        random_directions(arch, theta, 1, bias_norm="keep")
    with pytest.raises(TopologyError, match="affine"):
        loss_landscape(
            MLP((4, 6, 3), batch_norm=True),
            MLP((4, 6, 3), batch_norm=True).init(torch.Generator().manual_seed(0)),
            x,
            y,
            steps=3,
            method="affine",
        )
