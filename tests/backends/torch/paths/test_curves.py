"""Curves: the Bernstein/chain weights, and fitting lowers the barrier of a curved valley."""

import math

import numpy as np
import pytest
import torch

from catdyn.backends.torch.paths.curves import (
    bezier_weights,
    connected,
    curve_points,
    fit_curve,
    fit_network_curve,
    polychain_weights,
)
from catdyn.backends.torch.paths.interpolation import barrier


def test_weights_are_a_partition_of_unity_with_the_right_ends() -> None:
    ts = torch.linspace(0, 1, 11, dtype=torch.float64)
    for k in (1, 2, 3):
        for w in (bezier_weights(ts, k), polychain_weights(ts, k)):
            assert torch.allclose(w.sum(1), torch.ones(11, dtype=torch.float64))
            assert w[0, 0] == 1 and w[-1, -1] == 1
    # quadratic Bézier against its closed form
    t = 0.3
    assert bezier_weights(torch.tensor([t], dtype=torch.float64), 1)[0].tolist() == pytest.approx(
        [(1 - t) ** 2, 2 * t * (1 - t), t**2]
    )


def _ring(p: dict) -> torch.Tensor:
    """A valley along the unit circle: zero loss on it, 1 at the centre."""
    return (p["w"].pow(2).sum(-1) - 1) ** 2


@pytest.mark.parametrize("kind,controls", [("bezier", 1), ("polychain", 2)])
def test_fitting_lowers_the_barrier_of_a_curved_valley(kind: str, controls: int) -> None:
    a, b = {"w": torch.tensor([1.0, 0.0])}, {"w": torch.tensor([-1.0, 0.0])}
    ts = torch.linspace(0, 1, 41)
    line = _ring({"w": torch.stack([(1 - t) * a["w"] + t * b["w"] for t in ts])})
    fit = fit_curve(_ring, a, b, kind=kind, n_controls=controls, steps=400, lr=0.05, seed=1)
    curve = _ring(fit.points(ts))
    lb = float(barrier(line.double(), ts.double(), "mean-endpoint"))
    cb = float(barrier(curve.double(), ts.double(), "mean-endpoint"))
    assert lb == pytest.approx(1.0)
    assert cb < 0.1 * lb
    # the ends stay put
    pts = fit.points(torch.tensor([0.0, 1.0]))
    assert torch.allclose(pts["w"][0], a["w"], atol=1e-6) and torch.allclose(pts["w"][1], b["w"], atol=1e-6)
    assert fit.history[-1] < fit.history[0]


def test_curve_points_are_differentiable_in_the_controls() -> None:
    c = {"w": torch.zeros(2, requires_grad=True)}
    p = curve_points({"w": torch.ones(2)}, [c], {"w": -torch.ones(2)}, torch.tensor([0.5]))
    p["w"].sum().backward()
    assert c["w"].grad is not None and torch.allclose(c["w"].grad, torch.full((2,), 0.5))


def test_network_curve_runs_and_keeps_its_ends() -> None:
    from catdyn.backends.torch.models.architectures import MLP

    net = MLP((2, 6, 2))
    a, b = (net.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    g = torch.Generator().manual_seed(0)
    data = {"train": (torch.randn(64, 2, generator=g), torch.randint(0, 2, (64,), generator=g))}
    fit = fit_network_curve(net, a, b, data, steps=20, lr=0.05)
    prof = fit.profile(net, data, points=5)
    ends = net.apply(a, data["train"][0])
    assert prof.values["loss", "train"][0] == pytest.approx(
        torch.nn.functional.cross_entropy(ends, data["train"][1]).item(), abs=1e-5
    )
    assert math.isfinite(prof.barrier("loss", "train"))


def test_connected_takes_the_best_path() -> None:
    assert connected([0.5, 0.05], 0.1) and not connected([0.5, np.nan], 0.1) and not connected([], 0.1)
