"""Homotopy classes of trained networks from a barrier matrix, and whether classes generalise
alike (numpy and scipy only; no torch).

Inside the low-loss set ``{θ : L(θ) ≤ c}`` and modulo the symmetry group, two minima are
*homotopic at level c* when some path joins them with barrier ≤ c. catdyn's classes at level
``c`` are the connected components of the graph whose vertices are the models and whose edges
are the pairs with barrier ≤ ``c`` (:func:`classes_at`); a path through a third model counts, so
the relation is the transitive closure of the edges.

Over all ``c`` this is a filtration of graphs; its H0 persistence is single-linkage clustering:
every model is born at 0, and a class dies at the height of the minimum-spanning-tree edge that
merges it into another (:func:`h0_persistence`, Kruskal on the MST that
:func:`scipy.sparse.csgraph.minimum_spanning_tree` returns). One class never dies: it is reported
as ``essential`` with its count, never as an infinite bar in a sum. The barcode says how robust
the classes are to the choice of ``c``: the number of classes is constant between consecutive
merge heights (:meth:`H0Persistence.stable_range`).

Then the claim: *homotopic runs generalise alike*. :func:`spread_claims` measures, with
stratified bootstrap intervals (models resampled within their classes, the classes held fixed):

* ``within``: the pooled within-class standard deviation of test accuracy over classes with at
  least two members (the paper: < 0.5 %, e.g. "98.1 ± 0.3 %");
* ``between``: the mean absolute difference of class mean accuracies over pairs of such classes
  (the paper: > 3 %, e.g. 98.1 % vs 94.2 %);
* ``within_pairs`` / ``between_pairs``: the mean ``|acc_i − acc_j|`` over pairs of models in the
  same / different classes (the claim read at the level of runs);

and a permutation test of whether class labels explain accuracy at all (the within-class spread
against that of randomly relabelled classes of the same sizes).

A double well: models 0–2 sit in one basin, 3–4 in another; barriers inside a basin are small,
across the ridge large.

>>> import numpy as np
>>> B = np.full((5, 5), 2.0); B[:3, :3] = 0.1; B[3:, 3:] = 0.05; np.fill_diagonal(B, 0.0)
>>> classes_at(B, 0.5).tolist()
[0, 0, 0, 1, 1]
>>> p = h0_persistence(B)
>>> p.deaths.tolist(), p.essential
([0.05, 0.1, 0.1, 2.0], 1)
>>> p.n_classes(0.5), p.stable_range(0.5)
(2, (0.1, 2.0))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from catdyn.errors import HomotopyError


def check_barrier_matrix(barriers: Any) -> np.ndarray:
    """The matrix as a float array, checked: square, symmetric, finite, zero on the diagonal.
    Negative barriers (a path lower than its endpoints) are allowed; they count as joined.

    >>> check_barrier_matrix([[0, 1], [1, 0]]).dtype
    dtype('float64')
    >>> check_barrier_matrix([[0, 1], [2, 0]])
    Traceback (most recent call last):
        ...
    catdyn.errors.HomotopyError: barrier matrix of shape (2, 2) is not symmetric. Give a square, symmetric matrix of finite barriers with a zero diagonal.
    """
    b = np.asarray(barriers, dtype=np.float64)
    if b.ndim != 2 or b.shape[0] != b.shape[1]:
        raise HomotopyError.bad_matrix(b.shape, "is not square")
    if not np.all(np.isfinite(b)):
        raise HomotopyError.bad_matrix(
            b.shape, f"has {int((~np.isfinite(b)).sum())} missing or non-finite entries"
        )
    if not np.allclose(b, b.T, rtol=0, atol=1e-12):
        raise HomotopyError.bad_matrix(b.shape, "is not symmetric")
    if np.any(np.diag(b) != 0):
        raise HomotopyError.bad_matrix(b.shape, "has a non-zero diagonal")
    return b


def classes_at(barriers: Any, threshold: float) -> np.ndarray:
    """Class labels at level ``threshold``: connected components of the graph of pairs with
    barrier ≤ ``threshold``, numbered in order of their first model.

    >>> import numpy as np
    >>> classes_at(np.array([[0, 1, 5], [1, 0, 5], [5, 5, 0.0]]), 2).tolist()
    [0, 0, 1]
    """
    b = check_barrier_matrix(barriers)
    n = b.shape[0]
    adj = (b <= threshold) & ~np.eye(n, dtype=bool)
    _, labels = connected_components(csr_matrix(adj.astype(np.int8)), directed=False)
    return _canonical(labels)


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Relabel so that classes are numbered in order of their first member."""
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(v), len(order)) for v in labels], dtype=np.int64)


@dataclass(frozen=True)
class H0Persistence:
    """The H0 persistence of the barrier filtration (single linkage).

    ``deaths`` are the ``n − 1`` finite death heights, increasing (every bar is born at 0);
    ``merges`` the MST edges ``(i, j, height)`` in that order; ``essential`` the number of
    classes that never die (1 for a connected set of models). ``linkage()`` gives the scipy
    linkage matrix for a dendrogram.

    >>> import numpy as np
    >>> p = h0_persistence(np.array([[0, 1, 3], [1, 0, 2], [3, 2, 0.0]]))
    >>> p.merges, p.total_persistence()
    ([(0, 1, 1.0), (1, 2, 2.0)], 3.0)
    """

    n: int
    deaths: np.ndarray
    merges: list[tuple[int, int, float]]
    essential: int = 1

    def n_classes(self, threshold: float) -> int:
        """The number of classes at level ``threshold`` (bars alive just after it)."""
        return int(self.n - np.sum(self.deaths <= threshold))

    def stable_range(self, threshold: float) -> tuple[float, float]:
        """The interval ``[lo, hi)`` of levels around ``threshold`` with the same number of classes
        (``hi`` is ``inf`` when nothing merges above it)."""
        below = self.deaths[self.deaths <= threshold]
        above = self.deaths[self.deaths > threshold]
        lo = float(below.max()) if below.size else 0.0
        hi = float(above.min()) if above.size else float("inf")
        return lo, hi

    def total_persistence(self) -> float:
        """The sum of the finite bars' lengths (the essential bar excluded)."""
        return float(self.deaths.sum())

    def barcode(self) -> list[tuple[float, float]]:
        """Bars ``(birth, death)``; the essential bar's death is ``inf`` (for plotting only)."""
        return [(0.0, float(d)) for d in self.deaths] + [(0.0, float("inf"))] * self.essential

    def linkage(self) -> np.ndarray:
        """The single-linkage matrix ``Z`` (scipy's format) built from the merges, for
        :func:`scipy.cluster.hierarchy.dendrogram`."""
        parent = list(range(self.n))
        cluster_of = {i: i for i in range(self.n)}
        size = {i: 1 for i in range(self.n)}

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        rows = []
        for k, (i, j, h) in enumerate(self.merges):
            ri, rj = find(i), find(j)
            ci, cj = cluster_of[ri], cluster_of[rj]
            new = self.n + k
            rows.append([min(ci, cj), max(ci, cj), h, size[ci] + size[cj]])
            parent[rj] = ri
            cluster_of[ri] = new
            size[new] = size[ci] + size[cj]
        return np.array(rows, dtype=np.float64).reshape(-1, 4)


def h0_persistence(barriers: Any) -> H0Persistence:
    """H0 persistence of the filtration by barrier level, from a minimum spanning tree.

    Edges of weight ≤ 0 are kept (scipy's MST drops zero entries, so weights are shifted by a
    constant first and shifted back).

    >>> import numpy as np
    >>> h0_persistence(np.zeros((3, 3))).deaths.tolist()
    [0.0, 0.0]
    """
    b = check_barrier_matrix(barriers)
    n = b.shape[0]
    if n == 0:
        raise HomotopyError.too_few_models(0, 1)
    shift = 1.0 - min(0.0, float(b.min()))
    shifted = np.triu(b + shift, k=1)
    tree = minimum_spanning_tree(csr_matrix(shifted)).tocoo()
    edges = sorted((float(b[i, j]), int(min(i, j)), int(max(i, j))) for i, j in zip(tree.row, tree.col))
    merges = [(i, j, h) for h, i, j in edges]
    deaths = np.array([h for _, _, h in merges], dtype=np.float64)
    comps = n - len(merges)
    return H0Persistence(n, deaths, merges, essential=comps)


# --- spreads and their intervals ---------------------------------------------------------------
def _groups(labels: np.ndarray, min_size: int) -> list[np.ndarray]:
    return [np.flatnonzero(labels == c) for c in np.unique(labels) if np.sum(labels == c) >= min_size]


def within_spread(acc: np.ndarray, labels: np.ndarray, min_size: int = 2) -> float:
    """The pooled within-class standard deviation (ddof 1 per class, pooled by degrees of
    freedom) over classes with ≥ ``min_size`` members; NaN if there are none.

    >>> import numpy as np
    >>> round(within_spread(np.array([1.0, 3.0, 10.0, 12.0]), np.array([0, 0, 1, 1])), 6)
    1.414214
    """
    groups = _groups(np.asarray(labels), max(min_size, 2))
    if not groups:
        return float("nan")
    ss = sum(float(np.sum((acc[g] - acc[g].mean()) ** 2)) for g in groups)
    dof = sum(len(g) - 1 for g in groups)
    return float(np.sqrt(ss / dof))


def between_spread(acc: np.ndarray, labels: np.ndarray, min_size: int = 2) -> float:
    """The mean absolute difference of class mean accuracies over pairs of classes with
    ≥ ``min_size`` members; NaN with fewer than two such classes.

    >>> import numpy as np
    >>> between_spread(np.array([1.0, 3.0, 10.0, 12.0, 20.0, 20.0]), np.array([0, 0, 1, 1, 2, 2]))
    12.0
    """
    groups = _groups(np.asarray(labels), min_size)
    if len(groups) < 2:
        return float("nan")
    means = np.array([acc[g].mean() for g in groups])
    diffs = np.abs(means[:, None] - means[None, :])[np.triu_indices(len(means), 1)]
    return float(diffs.mean())


def pair_spreads(acc: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean ``|acc_i − acc_j|`` over pairs of models in the same class and in different
    classes (NaN where there are no such pairs).

    >>> import numpy as np
    >>> pair_spreads(np.array([1.0, 2.0, 5.0]), np.array([0, 0, 1]))
    (1.0, 3.5)
    """
    labels = np.asarray(labels)
    iu = np.triu_indices(len(acc), 1)
    d = np.abs(acc[:, None] - acc[None, :])[iu]
    same = (labels[:, None] == labels[None, :])[iu]
    w = float(d[same].mean()) if same.any() else float("nan")
    bt = float(d[~same].mean()) if (~same).any() else float("nan")
    return w, bt


@dataclass(frozen=True)
class Estimate:
    """A measured figure with a bootstrap interval (``level`` two-sided, percentile method).

    >>> Estimate(0.2, 0.1, 0.3).contains(0.25)
    True
    """

    value: float
    low: float
    high: float
    level: float = 0.95
    resamples: int = 0

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval."""
        return self.low <= x <= self.high


def verdict(est: Estimate, bound: float, direction: str) -> str:
    """``"supported"`` when the whole interval lies on the claimed side of ``bound``
    (``direction`` ``"<"`` or ``">"``), ``"contradicted"`` when it lies wholly on the other side,
    ``"inconclusive"`` when it straddles, ``"not measurable"`` for NaN.

    >>> verdict(Estimate(0.3, 0.2, 0.4), 0.5, "<"), verdict(Estimate(2.0, 1.0, 2.5), 3.0, ">")
    ('supported', 'contradicted')
    """
    if not np.isfinite(est.value) or not (np.isfinite(est.low) and np.isfinite(est.high)):
        return "not measurable"
    if direction == "<":
        return "supported" if est.high < bound else ("contradicted" if est.low >= bound else "inconclusive")
    if direction == ">":
        return "supported" if est.low > bound else ("contradicted" if est.high <= bound else "inconclusive")
    raise HomotopyError.bad_option("direction", direction, "'<' or '>'")


def bootstrap(
    stat: Any,
    acc: np.ndarray,
    labels: np.ndarray,
    *,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """``stat(acc, labels)`` with a stratified percentile bootstrap interval: models are resampled
    with replacement *within* each class (class sizes and labels fixed), so the interval reflects
    the sampling of runs given the classification.

    >>> import numpy as np
    >>> acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
    >>> e = bootstrap(between_spread, acc, np.array([0, 0, 0, 1, 1, 1]), resamples=200)
    >>> round(e.value, 3), e.low <= e.value <= e.high
    (0.11, True)
    """
    acc = np.asarray(acc, dtype=np.float64)
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    values = np.empty(resamples)
    for r in range(resamples):
        idx = np.concatenate([rng.choice(m, size=len(m), replace=True) for m in members])
        values[r] = stat(acc[idx], labels[idx])
    finite = values[np.isfinite(values)]
    point = float(stat(acc, labels))
    if finite.size == 0:
        return Estimate(point, float("nan"), float("nan"), level, resamples)
    lo, hi = np.quantile(finite, [(1 - level) / 2, 1 - (1 - level) / 2])
    return Estimate(point, float(lo), float(hi), level, resamples)


def permutation_test(
    acc: np.ndarray, labels: np.ndarray, *, permutations: int = 2000, seed: int = 0
) -> float:
    """The p-value of the within-class spread against random relabellings with the same class
    sizes (small p: classes group models of similar accuracy more than chance would); NaN when
    no class has two members or there is only one class.

    >>> import numpy as np
    >>> acc = np.array([0.90, 0.91, 0.92, 0.93, 0.80, 0.81, 0.79, 0.78])
    >>> permutation_test(acc, np.array([0, 0, 0, 0, 1, 1, 1, 1]), permutations=500) < 0.05
    True
    """
    acc = np.asarray(acc, dtype=np.float64)
    labels = np.asarray(labels)
    observed = within_spread(acc, labels)
    if not np.isfinite(observed) or len(np.unique(labels)) < 2:
        return float("nan")
    rng = np.random.default_rng(seed)
    hits = sum(within_spread(acc, rng.permutation(labels)) <= observed + 1e-15 for _ in range(permutations))
    return float((hits + 1) / (permutations + 1))


@dataclass(frozen=True)
class SpreadClaims:
    """The measured spreads of test accuracy (fractions, not percent) by class, with intervals,
    and the class sizes they rest on."""

    within: Estimate
    between: Estimate
    within_pairs: Estimate
    between_pairs: Estimate
    n_classes: int
    class_sizes: list[int]
    classes_used: int
    p_value: float
    class_means: list[float] = field(default_factory=list)
    class_stds: list[float] = field(default_factory=list)


def spread_claims(
    acc: Sequence[float] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    min_size: int = 2,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> SpreadClaims:
    """Every spread of the claim with its interval (see the module docstring).

    >>> import numpy as np
    >>> acc = np.array([0.981, 0.979, 0.984, 0.942, 0.945, 0.940])
    >>> s = spread_claims(acc, [0, 0, 0, 1, 1, 1], resamples=300)
    >>> s.n_classes, s.class_sizes, round(s.between.value, 4)
    (2, [3, 3], 0.039)
    >>> verdict(s.within, 0.005, "<")
    'supported'
    """
    a = np.asarray(acc, dtype=np.float64)
    lab = np.asarray(labels)
    if a.shape != lab.shape:
        raise HomotopyError.bad_option("labels", lab.shape, f"one label per accuracy ({a.shape[0]})")
    classes = np.unique(lab)
    sizes = [int(np.sum(lab == c)) for c in classes]
    used = sum(s >= min_size for s in sizes)

    def w(x: np.ndarray, y: np.ndarray) -> float:
        return within_spread(x, y, min_size)

    def b(x: np.ndarray, y: np.ndarray) -> float:
        return between_spread(x, y, min_size)

    kw = {"resamples": resamples, "level": level, "seed": seed}
    return SpreadClaims(
        within=bootstrap(w, a, lab, **kw),
        between=bootstrap(b, a, lab, **kw),
        within_pairs=bootstrap(lambda x, y: pair_spreads(x, y)[0], a, lab, **kw),
        between_pairs=bootstrap(lambda x, y: pair_spreads(x, y)[1], a, lab, **kw),
        n_classes=len(classes),
        class_sizes=sizes,
        classes_used=used,
        p_value=permutation_test(a, lab, permutations=min(resamples, 2000), seed=seed),
        class_means=[float(a[lab == c].mean()) for c in classes],
        class_stds=[
            float(a[lab == c].std(ddof=1)) if np.sum(lab == c) > 1 else float("nan") for c in classes
        ],
    )


def mantel(
    barriers: Any, acc: Sequence[float] | np.ndarray, *, permutations: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A threshold-free reading of the claim: the Spearman correlation, over pairs of models,
    between the barrier and ``|acc_i − acc_j|``, with a Mantel permutation p-value (models
    relabelled, which respects the dependence between pairs sharing a model). One-sided: small
    p means pairs joined by lower barriers generalise more alike than chance.

    >>> import numpy as np
    >>> acc = np.array([0.90, 0.91, 0.92, 0.80, 0.81, 0.79])
    >>> B = np.abs(acc[:, None] - acc[None, :]) * 10
    >>> rho, p = mantel(B, acc, permutations=500)
    >>> round(rho, 6), p < 0.05
    (1.0, True)
    """
    from scipy.stats import rankdata

    b = check_barrier_matrix(barriers)
    a = np.asarray(acc, dtype=np.float64)
    n = len(a)
    if n < 3:
        return float("nan"), float("nan")
    iu = np.triu_indices(n, 1)
    rb = rankdata(b[iu])

    def rho(order: np.ndarray) -> float:
        d = np.abs(a[order][:, None] - a[order][None, :])[iu]
        rd = rankdata(d)
        if rd.std() == 0 or rb.std() == 0:
            return float("nan")
        return float(np.corrcoef(rb, rd)[0, 1])

    observed = rho(np.arange(n))
    if not np.isfinite(observed):
        return observed, float("nan")
    rng = np.random.default_rng(seed)
    hits = sum(rho(rng.permutation(n)) >= observed - 1e-15 for _ in range(permutations))
    return observed, float((hits + 1) / (permutations + 1))


def persistent_counts(persistence: H0Persistence) -> list[tuple[int, float, float]]:
    """For each number of classes ``k`` that occurs, the range ``[lo, hi)`` of levels giving
    exactly ``k`` classes (longest first, the single class's infinite range last).

    >>> import numpy as np
    >>> B = np.full((4, 4), 2.0); B[:2, :2] = 0.1; B[2:, 2:] = 0.3; np.fill_diagonal(B, 0.0)
    >>> persistent_counts(h0_persistence(B))
    [(2, 0.3, 2.0), (3, 0.1, 0.3), (4, 0.0, 0.1), (1, 2.0, inf)]
    """
    cuts = np.concatenate([[min(0.0, float(persistence.deaths.min(initial=0.0)))], persistence.deaths])
    out = []
    for k in range(len(cuts)):
        lo = float(cuts[k])
        hi = float(cuts[k + 1]) if k + 1 < len(cuts) else float("inf")
        if hi > lo:
            out.append((persistence.n - k, lo, hi))
    finite = sorted((r for r in out if np.isfinite(r[2])), key=lambda r: -(r[2] - r[1]))
    return finite + [r for r in out if not np.isfinite(r[2])]
