"""Loss landscapes: the MLP's affine route against ``loss-landscapes``, and the batched route of
every other family against the vmap fallback and a per-point loop.

**MLP**: a 51×51 grid for a 64-64-10 MLP on 1,000 digits samples.

Baseline: the ``loss-landscapes`` package's ``random_plane`` (one forward pass per grid point
on an ``nn.Module`` whose weights it rewrites), in the same run. Candidate: catdyn's
``loss_landscape`` with the affine first-layer method. Goal (DESIGN.md, Performance): ≥ 3×
faster, and catdyn's grid equal to a naive reference loop (one forward pass per point, same
directions) to 1e-5; the largest error is reported. ``loss-landscapes`` is needed for this
benchmark only; without it the baseline is reported as missing and the goal as unmet.

**CNN, ResNet, Transformer, GRU** (:func:`family_results`): a 41×41 grid (21×21 for the
ResNet, Transformer and GRU; 11×11 with ``--quick``) on 512 digits samples (8×8 images; rows
as a sequence of 8 vectors for the Transformer and the GRU), two filter-normalised directions.
Candidate: ``method="batched"``; baseline: ``method="vmap"`` (the generic fallback every family
but the MLP took before); beside them ``method="loop"`` (one forward pass per point) on the same
grid. Goal for the CNNs (issue 15): ≥ 10× over vmap; for the others: faster than vmap. All
grids equal the loop's to 1e-5 (largest difference reported). The line's GFLOP/s are the FLOPs
the batched route executes (k + 1 first-layer passes, the combination products, every point's
remaining layers; :mod:`benchmarks.flops`) over its time, against the GEMM peak measured in the
same run (:mod:`benchmarks.peak`); the vmap and loop GFLOP/s (every point's full forward pass)
are in ``extra``.
"""

from __future__ import annotations

import importlib.util
import os

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


def _family_nets():  # type: ignore[no-untyped-def]
    from catdyn.backends.torch.models.architectures import CNN, GRU, ResNet, Transformer

    return [
        ("CNN 1x8x8;8;10 (persistence)", CNN((1, 8, 8), (8,), 10), "image", {}),
        ("CNN 1x8x8;8-16;10 (homotopy)", CNN((1, 8, 8), (8, 16), 10), "image", {}),
        ("ResNet 1x8x8;8;8, BN recomputed", ResNet((1, 8, 8), 8, (8,), 10, batch_norm=True), "image",
         {"batch_norm": "recompute"}),
        ("Transformer 8x8;d16;h2x8;m32", Transformer(input_dim=8, seq_len=8, d_model=16, heads=(2,), head_dim=8,
                                                      mlp=(32,), classes=10), "rows", {}),
        ("GRU 8;32;10", GRU(8, 32, 10, seq_len=8), "rows", {}),
    ]


def _executed_flops(net, theta, x, points: int, k: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """FLOPs the batched route executes, and those of every point's full forward pass."""
    from benchmarks.flops import forward_flops
    from catdyn.backends.torch.models.batched import first_layer

    f = forward_flops(net, x.shape[1:], len(x))
    first_out = first_layer(net, theta, x).numel()
    batched = (k + 1) * f["first"] + points * (f["rest"] + 2 * (k + 1) * first_out)
    return {"batched": float(batched), "per_point": float(points * (f["first"] + f["rest"]))}


def family_results(quick: bool = False, only: str = "", loop: bool = True) -> list[Result]:
    """The batched route of each family against vmap and a per-point loop (module docstring);
    ``only`` keeps the families whose label contains it; ``loop=False`` skips the loop (the
    error is then taken against the vmap grid, and reported under the same key)."""
    from benchmarks.peak import annotate, machine_peak
    from catdyn.backends.torch.data.datasets import load_digits
    from catdyn.backends.torch.landscapes.landscape import loss_landscape

    data = load_digits(seed=0).train
    images, y = data.x[:512].float().reshape(-1, 1, 8, 8), data.y[:512]
    results = []
    machine_peak()  # measured before the timings, at this thread count
    for label, net, layout, opts in _family_nets():
        if only not in label:
            continue
        x = images if layout == "image" else images.reshape(-1, 8, 8)
        theta = net.init(torch.Generator().manual_seed(0))
        steps = 11 if quick else (41 if "CNN" in label else 21)

        def grid(method: str, net=net, theta=theta, x=x, steps=steps, opts=opts):  # type: ignore[no-untyped-def]
            return loss_landscape(net, theta, x, y, steps=steps, span=1.0, seed=0, method=method, **opts)

        load = os.getloadavg()[0]
        fast, ref = grid("batched"), grid("loop" if loop else "vmap")
        t_fast = best_time(lambda: grid("batched"), repeat=3)
        t_vmap = best_time(lambda: grid("vmap"), repeat=1, warmup=1)
        t_loop = best_time(lambda: grid("loop"), repeat=1, warmup=0) if loop else float("nan")
        err = float(abs(fast.values - ref.values).max())
        work = _executed_flops(net, theta, x, steps * steps, 2)
        goal = 10.0 if "CNN" in label else 1.0
        ratio = t_vmap / t_fast
        results.append(
            annotate(
                Result(
                    f"landscape {steps}x{steps}, {label}, 512 digits",
                    baseline_s=t_vmap,
                    candidate_s=t_fast,
                    goal=f"≥ {goal:g}× vs vmap; err ≤ 1e-5",
                    passed=ratio >= goal and err <= 1e-5,
                    baseline="vmap fallback",
                    extra={
                        "loop_s": t_loop,
                        "ratio_vs_loop": t_loop / t_fast,
                        "max_abs_error_vs_loop": err,
                        "vmap_gflops": work["per_point"] / t_vmap / 1e9,
                        "loop_gflops": work["per_point"] / t_loop / 1e9,
                        "threads": torch.get_num_threads(),
                        "load_average_1min": [load, os.getloadavg()[0]],
                    },
                ),
                work["batched"],
            )
        )
        print(f"  {results[-1].name}: {t_fast:.3g} s batched, {t_vmap:.3g} s vmap, {t_loop:.3g} s loop", flush=True)
    return results


def run(quick: bool = False) -> list[Result]:
    """Time the MLP against loss-landscapes, then every other family; see the module docstring."""
    return _mlp_results(quick) + family_results(quick)


def _mlp_results(quick: bool = False) -> list[Result]:
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

    from benchmarks.flops import forward_flops
    from benchmarks.peak import annotate

    f = forward_flops(net, x.shape[1:], n)  # the affine route: 3 first-layer products, then per point
    work = 3 * f["first"] + steps * steps * (f["rest"] + 2 * 3 * n * 64)

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
        annotate(Result(
            f"landscape {steps}x{steps}, MLP 64-64-10, {n} digits",
            baseline_s=t_theirs,
            candidate_s=t_ours,
            goal="≥ 3× vs loss-landscapes; err ≤ 1e-5",
            passed=ratio >= 3.0 and max_err <= 1e-5,
            baseline="loss-landscapes random_plane",
            extra=extra,
        ), work)
    ]
