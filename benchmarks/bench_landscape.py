"""Loss landscape: a 51×51 grid for a 64-64-10 MLP on 1,000 digits samples.

Baseline: the ``loss-landscapes`` package's ``random_plane`` (one forward pass per grid point
on an ``nn.Module`` whose weights it rewrites), in the same run. Candidate: catdyn's
``loss_landscape`` with the affine first-layer method. Goal (DESIGN.md, Performance): ≥ 3×
faster, and catdyn's grid equal to a naive reference loop (one forward pass per point, same
directions) to 1e-5; the largest error is reported. ``loss-landscapes`` is needed for this
benchmark only; without it the baseline is reported as missing and the goal as unmet.
"""

from __future__ import annotations

import importlib.util

import torch
import torch.nn.functional as F

from benchmarks.harness import Result, best_time


def _setup(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.models.architectures import MLP

    data = load_digits(seed=seed).train
    x, y = data.x[:n].float(), data.y[:n]
    net = MLP((64, 64, 10))
    theta = net.init(torch.Generator().manual_seed(seed))
    return net, theta, x, y


def _module(net, theta):  # type: ignore[no-untyped-def]
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        model[0].weight.copy_(theta["fc0.weight"])
        model[0].bias.copy_(theta["fc0.bias"])
        model[2].weight.copy_(theta["fc1.weight"])
        model[2].bias.copy_(theta["fc1.bias"])
    return model


def run(quick: bool = False) -> list[Result]:
    """Time both; see the module docstring."""
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    steps = 21 if quick else 51
    n = 1000
    torch.set_num_threads(max(1, torch.get_num_threads()))
    net, theta, x, y = _setup(n)

    def ours() -> object:
        return loss_landscape(net, theta, x, y, steps=steps, span=1.0, seed=0, method="affine", chunk=128)

    fast = ours()
    ref = loss_landscape(net, theta, x, y, steps=steps, span=1.0, seed=0, method="loop")
    max_err = float(abs(fast.values - ref.values).max())
    t_ours = best_time(ours, repeat=3)
    t_loop = best_time(
        lambda: loss_landscape(net, theta, x, y, steps=steps, span=1.0, seed=0, method="loop"),
        repeat=1,
        warmup=0,
    )
    t_vmap = best_time(
        lambda: loss_landscape(net, theta, x, y, steps=steps, span=1.0, seed=0, method="vmap", chunk=128),
        repeat=1,
    )
    extra = {
        "grid": f"{steps}x{steps}",
        "samples": n,
        "max_abs_error_vs_naive_loop": max_err,
        "naive_loop_s": t_loop,
        "vmap_s": t_vmap,
        "threads": torch.get_num_threads(),
    }
    if importlib.util.find_spec("loss_landscapes") is None:
        extra["note"] = "loss-landscapes is not installed (pip install loss-landscapes): baseline missing"
        return [
            Result(
                f"landscape {steps}x{steps}, MLP 64-64-10, {n} digits",
                baseline_s=None,
                candidate_s=t_ours,
                goal="≥ 3× vs loss-landscapes; err ≤ 1e-5",
                passed=False,
                baseline="loss-landscapes (missing)",
                extra=extra,
            )
        ]
    import loss_landscapes
    import loss_landscapes.metrics

    model = _module(net, theta)
    metric = loss_landscapes.metrics.Loss(F.cross_entropy, x, y)
    with torch.no_grad():
        same_model = float((model(x) - net.apply(theta, x)).abs().max())

    def theirs() -> object:
        with torch.no_grad():
            return loss_landscapes.random_plane(
                model, metric, distance=1.0, steps=steps, normalization="filter", deepcopy_model=True
            )

    t_theirs = best_time(theirs, repeat=1, warmup=1)
    extra["module_matches_params"] = same_model
    ratio = t_theirs / t_ours
    return [
        Result(
            f"landscape {steps}x{steps}, MLP 64-64-10, {n} digits",
            baseline_s=t_theirs,
            candidate_s=t_ours,
            goal="≥ 3× vs loss-landscapes; err ≤ 1e-5",
            passed=ratio >= 3.0 and max_err <= 1e-5,
            baseline="loss-landscapes random_plane",
            extra=extra,
        )
    ]
