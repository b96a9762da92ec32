"""3-D loss landscapes: a 41 × 41 × 41 grid (68,921 points; quick: 21³) of a 64-64-10 MLP on a
fixed batch of 256 digits samples, along three random filter-normalised directions and along
the top three Hessian eigenvectors.

Candidate: ``loss_landscape(directions=…, steps=41, method="affine")`` (the whole grid; the
first layer's pre-activation is affine in the grid coordinates, later layers batched).
Baseline: the loop landscape tools run — for every grid point write ``θ + Σ cₐDₐ`` into an
``nn.Module``'s parameters (``copy_``) and call the module and ``F.cross_entropy`` on the batch.
The loop's cost per point does not depend on the point, so it is timed on 2,000 grid points
drawn at random (quick: 400) and scaled to the grid's size (``extra["loop_points_timed"]``).
Each side is the best of 3 timed calls after one untimed call;
on those points the largest difference from the candidate's grid is reported (goal 1e-5).
The Hessian directions (block iteration, :mod:`~catdyn.backends.torch.landscapes.directions`)
are computed once on the same batch; their time and eigenvalues are in ``extra``. Goal ≥ 10×.
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.harness import Result


def _setup(n: int):  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP

    data = load_digits(seed=0).train
    net = MLP((64, 64, 10))
    return net, net.init(torch.Generator().manual_seed(0)), data.x[:n].float(), data.y[:n]


def _module_loop(
    theta: dict, dirs: list[dict], x: torch.Tensor, y: torch.Tensor, points: np.ndarray
) -> np.ndarray:
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    where = {"0.weight": "fc0.weight", "0.bias": "fc0.bias", "2.weight": "fc1.weight", "2.bias": "fc1.bias"}
    own = dict(model.named_parameters())
    out = np.zeros(len(points))
    with torch.no_grad():
        for i, c in enumerate(points.tolist()):
            for m, p in where.items():
                own[m].copy_(theta[p] + c[0] * dirs[0][p] + c[1] * dirs[1][p] + c[2] * dirs[2][p])
            out[i] = F.cross_entropy(model(x), y).item()
    return out


def _one(  # type: ignore[no-untyped-def]
    name: str, net, theta, dirs, x, y, steps: int, sample: int, extra: dict
) -> Result:
    from benchmarks.harness import best_time
    from catdyn.backends.torch.landscapes.landscape import grid_coordinates, loss_landscape

    def grid():  # type: ignore[no-untyped-def]
        return loss_landscape(net, theta, x, y, directions=dirs, steps=steps, span=1.0, method="affine", chunk=256)

    _, points = grid_coordinates(steps, 1.0, 3)
    pick = np.sort(np.random.default_rng(0).choice(len(points), size=min(sample, len(points)), replace=False))
    ls, ref = grid(), _module_loop(theta, dirs, x, y, points[pick])  # also the warm-up of both
    # both sides alike: the best of 3 timed calls after that warm-up
    fast_s = best_time(grid, repeat=3, warmup=0)
    loop_s = best_time(lambda: _module_loop(theta, dirs, x, y, points[pick]), repeat=3, warmup=0)
    loop_s *= len(points) / len(pick)
    err = float(np.abs(ls.values.ravel()[pick] - ref).max())
    return Result(
        f"landscape {steps}^3 ({name}), MLP 64-64-10, {len(x)} digits",
        loop_s,
        fast_s,
        "≥ 10× and max error ≤ 1e-5",
        bool(loop_s / fast_s >= 10 and err <= 1e-5),
        baseline="nn.Module per-point loop (scaled from a sample)",
        extra={
            **extra,
            "max_abs_error_vs_loop": err,
            "loop_points_timed": len(pick),
            "grid_points": len(points),
            "threads": torch.get_num_threads(),
            "load_1min": os.getloadavg()[0],
        },
    )


def run(quick: bool = False) -> list[Result]:
    """Time both direction kinds; see the module docstring."""
    from catdyn.backends.torch.landscapes.directions import hessian_directions
    from catdyn.backends.torch.landscapes.landscape import random_directions

    steps, sample = (21, 400) if quick else (41, 2000)
    net, theta, x, y = _setup(256)
    results = [
        _one(
            "random filter-normalised",
            net,
            theta,
            random_directions(net, theta, 3, seed=0),
            x,
            y,
            steps,
            sample,
            {},
        )
    ]
    t0 = time.perf_counter()
    eig = hessian_directions(net, theta, x, y, k=3, tol=1e-4)
    extra = {
        "hessian_s": time.perf_counter() - t0,
        "eigenvalues": list(eig.eigenvalues),
        "hessian_products": eig.products,
        "hessian_converged": eig.converged,
    }
    results.append(_one("top-3 Hessian eigenvectors", net, theta, eig.vectors, x, y, steps, sample, extra))
    return results
