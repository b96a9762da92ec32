"""Overhead at scale (the paper's next check 3): how the cost of class identification and of
landscape persistence grows with the parameter count.

For MLPs 64-w-w-10 on scikit-learn's digits, w doubling from 16, two networks at their seeds'
initialisation (the cost does not depend on training) are put through what the homotopy and
persistence studies do per pair and per model:

* **class identification, per pair**: weight matching of the second network to the first
  (:func:`~catdyn.backends.torch.paths.alignment.weight_matching`) plus the loss along the
  aligned linear path at 25 points on the 1,438 training samples
  (:func:`~catdyn.backends.torch.paths.interpolation.pair_paths`); a population of N networks
  costs N(N−1)/2 of these;
* **landscape persistence, per model**: the loss on a 21 × 21 filter-normalised grid
  (:func:`~catdyn.backends.torch.landscapes.landscape.loss_landscape`) and the H0 sublevel
  persistence of that grid (:func:`~catdyn.topology.cubical.sublevel_persistence`), which does
  not depend on the parameter count.

Each time is the best of three after a warm-up. The exponent b of t ≈ a·P^b is the least-squares
slope of log t on log P over the widths measured (over the larger half too, where fixed
overheads weigh less). There is no goal: the lines report the growth. On a GPU machine
(``CATDYN_BENCH_DEVICE=cuda``) the widths go on to past 100 M parameters (w = 8192 gives
68 M per layer pair; the list is longer there).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from benchmarks.harness import Result, best_time
from catdyn.backends.torch.data.datasets import load_digits
from catdyn.backends.torch.landscapes.landscape import loss_landscape
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.models.symmetry import permute
from catdyn.backends.torch.paths.alignment import weight_matching
from catdyn.backends.torch.paths.interpolation import alpha_grid, pair_paths, stack
from catdyn.topology.cubical import sublevel_persistence


def parameter_count(net: MLP) -> int:
    """The number of scalar parameters of ``net`` (what the exponent is fitted against)."""
    return sum(t.numel() for t in net.init(torch.Generator().manual_seed(0)).values())


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) on log(sizes).

    >>> round(exponent([10, 100, 1000], [1.0, 10.0, 100.0]), 6)
    1.0
    """
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def _pair_cost(net: MLP, a: dict, b: dict, data: tuple, device: str) -> float:
    def identify() -> None:
        aligned = permute(net, b, weight_matching(net, a, b).permutation)
        pair_paths(net, stack([a, aligned]), [(0, 1)], alpha_grid(25), {"train": data}, workers=1)

    return best_time(identify, repeat=3)


def _landscape_cost(net: MLP, a: dict, data: tuple) -> tuple[float, float]:
    grid = loss_landscape(net, a, *data, steps=21)
    t_grid = best_time(lambda: loss_landscape(net, a, *data, steps=21), repeat=3)
    t_ph = best_time(lambda: sublevel_persistence(grid.values), repeat=3)
    return t_grid, t_ph


def run(quick: bool = False) -> list[Result]:
    device = os.environ.get("CATDYN_BENCH_DEVICE", "cpu")
    widths = [16, 32, 64] if quick else [16, 32, 64, 128, 256, 512, 1024]
    if device != "cpu" and not quick:
        widths += [2048, 4096, 8192]
    digits = load_digits(seed=0)
    data = (digits.train.x.to(device), digits.train.y.to(device))
    sizes, pair_s, grid_s, ph_s = [], [], [], []
    for w in widths:
        net = MLP((64, w, w, 10))
        a, b = (
            {n: t.to(device) for n, t in net.init(torch.Generator().manual_seed(s)).items()} for s in (0, 1)
        )
        sizes.append(parameter_count(net))
        pair_s.append(_pair_cost(net, a, b, data, device))
        t_grid, t_ph = _landscape_cost(net, a, data)
        grid_s.append(t_grid)
        ph_s.append(t_ph)
    half = len(sizes) // 2
    load = os.getloadavg()[0]
    rows = [("class identification per pair (match + 25-point path)", pair_s),
            ("landscape 21x21 grid per model", grid_s), ("H0 persistence of the 21x21 grid", ph_s)]
    out = []
    for name, seconds in rows:
        b_all, b_large = exponent(sizes, seconds), exponent(sizes[half:], seconds[half:])
        print(f"{name}: " + ", ".join(f"P={p:,} {s * 1e3:.1f} ms" for p, s in zip(sizes, seconds)), flush=True)
        out.append(Result(
            f"{name}: t ~ P^{b_all:.2f} (larger half P^{b_large:.2f}), at P={sizes[-1]:,}", None, seconds[-1],
            "none (reports the growth)", True,
            extra={"device": device, "parameters": sizes, "seconds": seconds, "exponent_all": b_all,
                   "exponent_larger_half": b_large, "load_1min": load},
        ))
    return out
