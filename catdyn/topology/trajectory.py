"""The persistent-homology dimension of a point cloud, such as a training trajectory.

Birdal et al. (2021), after Schweinhart: for n points sampled from a set of dimension d, the
α-weighted sum of finite H0 lifetimes of the Vietoris–Rips filtration,
E_α(n) = Σ ℓᵢ^α, grows like n^{(d − α)/d}. The finite H0 lifetimes of a Rips filtration are
exactly the edge lengths of a Euclidean minimum spanning tree, so E_α(n) is computed from an
MST. Fitting log E_α = a + b log n over subsamples of growing size gives
``dim = α / (1 − b)``.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> square = rng.uniform(size=(600, 2))
>>> r = ph_dimension(square, seed=0, repeats=3)
>>> 1.7 < r.dimension < 2.3
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.errors import TopologyError


def mst_lengths(points: Any) -> np.ndarray:
    """The edge lengths of a Euclidean minimum spanning tree of ``points`` (``(n, d)``), sorted:
    the finite H0 lifetimes of their Rips filtration (with the edge-length convention).

    >>> mst_lengths(np.array([[0.0], [1.0], [3.0]])).tolist()
    [1.0, 2.0]
    """
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import pdist, squareform

    x = np.asarray(points, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) < 2:
        return np.zeros(0)
    dist = squareform(pdist(x))
    # coincident points give zero distances, which scipy reads as "no edge": lift them slightly
    tiny = np.finfo(np.float64).tiny
    dist = np.where((dist == 0) & ~np.eye(len(x), dtype=bool), tiny, dist)
    tree = minimum_spanning_tree(dist)
    lengths = np.sort(tree.data)
    lengths[lengths == tiny] = 0.0
    return lengths


@dataclass(frozen=True)
class PHDimension:
    """The fitted PH dimension, the slope and intercept of log E_α on log n, the R² of that
    fit, and the sizes and mean E_α used.

    >>> PHDimension(2.0, 0.5, 0.0, 1.0, 1.0, (10, 20), (1.0, 1.4)).dimension
    2.0
    """

    dimension: float
    slope: float
    intercept: float
    fit_r2: float
    alpha: float
    sizes: tuple[int, ...]
    totals: tuple[float, ...]


def ph_dimension(
    points: Any,
    *,
    alpha: float = 1.0,
    sizes: Sequence[int] | None = None,
    repeats: int = 5,
    seed: int = 0,
) -> PHDimension:
    """The PH dimension of ``points`` (``(n, d)``; a trajectory's parameter vectors in time
    order). ``sizes`` default to 8 geometrically spaced subsample sizes from n/10 (≥ 16) to n;
    each is drawn ``repeats`` times without replacement and E_α averaged.

    >>> line = np.linspace(0, 1, 400)[:, None] * np.array([[1.0, 2.0, -1.0]])
    >>> abs(ph_dimension(line).dimension - 1.0) < 0.05
    True
    """
    x = np.asarray(points, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = len(x)
    if n < 20:
        raise TopologyError.too_few("points for a PH dimension", n, 20)
    if sizes is None:
        lo = max(16, n // 10)
        sizes = np.unique(np.geomspace(lo, n, 8).astype(int)).tolist()
    sizes = [int(s) for s in sizes if 2 <= int(s) <= n]
    if len(sizes) < 2:
        raise TopologyError.too_few("distinct subsample sizes for a PH dimension", len(sizes), 2)
    rng = np.random.default_rng(seed)
    totals = []
    for s in sizes:
        reps = 1 if s == n else repeats
        e = [np.sum(mst_lengths(x[rng.choice(n, size=s, replace=False)]) ** alpha) for _ in range(reps)]
        totals.append(float(np.mean(e)))
    logn, loge = np.log(np.asarray(sizes, dtype=float)), np.log(np.asarray(totals))
    slope, intercept = np.polyfit(logn, loge, 1)
    fitted = intercept + slope * logn
    ss_res, ss_tot = float(np.sum((loge - fitted) ** 2)), float(np.sum((loge - loge.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    dim = alpha / (1.0 - slope) if slope < 1.0 else float("inf")
    return PHDimension(float(dim), float(slope), float(intercept), r2, alpha, tuple(sizes), tuple(totals))
