"""Sublevel-set persistence of a k-D grid of values (a loss landscape slice, an image).

Two **constructions** of the filtered cubical complex, named in every result:

- ``"vertex"`` (lower star, the default): the grid values sit on the vertices; an edge, square,
  cube … enters at the largest value of its vertices. Two grid points are adjacent when they
  differ by one step along one axis (4-connectivity in 2-D).
- ``"top-cell"``: the values sit on the top-dimensional cells (pixels); a face enters at the
  smallest value of the cells around it. Two cells are adjacent when they share a vertex
  (8-connectivity in 2-D).

Three **engines**: ``"gudhi"`` (gudhi's ``CubicalComplex``; H0 … H_{k−1}; the default),
``"gudhi-dual"`` (vertex construction only: the same diagram read off the top-cell complex of the
negated grid, :mod:`catdyn.topology.dual`; tens of times faster on large 2-D grids) and
``"union-find"`` (catdyn's own Kruskal/elder-rule sweep; H0 only, no gudhi needed, and an
independent reference for the gudhi engines).

Intervals of zero length are dropped. The **essential** classes (the component of the global
minimum, which never dies) are kept apart from the finite pairs as their births alone, so no
``inf`` ever enters a sum.

>>> import numpy as np
>>> f = np.array([[0.0, 2.0, 1.0],
...               [3.0, 4.0, 0.5],
...               [1.0, 1.0, 1.0]])
>>> d = sublevel_persistence(f, engine="union-find")
>>> d.pairs(0).tolist(), d.essential_births(0).tolist()
([[0.5, 2.0]], [0.0])
>>> d.construction, d.engine
('vertex', 'union-find')
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from catdyn.errors import TopologyError

Construction = Literal["vertex", "top-cell"]
Engine = Literal["gudhi", "gudhi-dual", "union-find"]
CONSTRUCTIONS: tuple[str, ...] = ("vertex", "top-cell")
ENGINES: tuple[str, ...] = ("gudhi", "gudhi-dual", "union-find")


@dataclass(frozen=True, eq=False)
class Diagram:
    """A persistence diagram of a sublevel filtration, per homology dimension.

    ``finite[d]`` is an ``(n, 2)`` array of (birth, death) pairs with death > birth, sorted;
    ``essential[d]`` holds the births of the classes that never die (sorted). The
    ``construction`` and ``engine`` that produced it and the grid ``shape`` travel with it.

    >>> d = Diagram((np.array([[0.0, 1.0]]),), (np.array([-1.0]),), "vertex", "union-find", (3,))
    >>> d.lifetimes(0).tolist(), d.dims
    ([1.0], (0,))
    """

    finite: tuple[np.ndarray, ...]
    essential: tuple[np.ndarray, ...]
    construction: str
    engine: str
    shape: tuple[int, ...]

    @property
    def dims(self) -> tuple[int, ...]:
        """The homology dimensions held (0, 1, …)."""
        return tuple(range(len(self.finite)))

    def pairs(self, dim: int) -> np.ndarray:
        """The finite (birth, death) pairs of dimension ``dim`` (``(0, 2)`` if none or absent)."""
        if dim >= len(self.finite):
            return np.zeros((0, 2))
        return self.finite[dim]

    def essential_births(self, dim: int) -> np.ndarray:
        """The births of the essential classes of dimension ``dim``."""
        if dim >= len(self.essential):
            return np.zeros(0)
        return self.essential[dim]

    def lifetimes(self, dim: int) -> np.ndarray:
        """``death − birth`` of the finite pairs of dimension ``dim``."""
        p = self.pairs(dim)
        return p[:, 1] - p[:, 0]

    def same_as(self, other: Diagram, atol: float = 1e-9) -> bool:
        """Whether two diagrams hold the same pairs and essential births (within ``atol``).

        >>> f = np.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.5]])
        >>> sublevel_persistence(f, engine="union-find").same_as(sublevel_persistence(f.T, engine="union-find"))
        True
        """
        if len(self.finite) != len(other.finite):
            return False
        for a, b in zip(self.finite + self.essential, other.finite + other.essential):
            if a.shape != b.shape or not np.allclose(a, b, atol=atol, rtol=0):
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (lists of pairs; essential births apart).

        >>> Diagram((np.zeros((0, 2)),), (np.array([0.5]),), "vertex", "gudhi", (2, 2)).to_dict()["essential"]
        [[0.5]]
        """
        return {
            "construction": self.construction,
            "engine": self.engine,
            "shape": list(self.shape),
            "finite": [p.tolist() for p in self.finite],
            "essential": [e.tolist() for e in self.essential],
        }


def as_grid(values: Any, name: str = "f") -> np.ndarray:
    """``values`` as a finite float64 array with at least one axis of length ≥ 2 (a tensor is
    detached and moved to the CPU), or a :class:`~catdyn.errors.TopologyError`.

    >>> as_grid([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 0 or a.size < 2:
        raise TopologyError.bad_grid(name, a.shape, "has fewer than two points")
    if not np.all(np.isfinite(a)):
        raise TopologyError.bad_grid(name, a.shape, f"has {int(np.sum(~np.isfinite(a)))} non-finite value(s)")
    return a


def _check(construction: str, engine: str) -> None:
    if construction not in CONSTRUCTIONS:
        raise TopologyError.unknown("construction", construction, CONSTRUCTIONS)
    if engine not in ENGINES:
        raise TopologyError.unknown("persistence engine", engine, ENGINES)
    if engine == "gudhi-dual" and construction != "vertex":
        raise TopologyError(
            "the gudhi-dual engine computes the vertex construction (through the top-cell dual), "
            f"but construction {construction!r} was asked for",
            "Use engine='gudhi' for the top-cell construction: it is already gudhi's fast route",
        )


def _sorted_pairs(pairs: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    p = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
    if p.size == 0:
        return np.zeros((0, 2))
    order = np.lexsort((p[:, 1], p[:, 0]))
    return p[order]


def grid_edges(shape: tuple[int, ...], construction: str = "vertex") -> np.ndarray:
    """The adjacency of grid points as an ``(E, 2)`` array of flat (C-order) indices: axis
    neighbours for ``"vertex"``, every neighbour sharing a vertex for ``"top-cell"``.

    >>> grid_edges((2, 2)).tolist()
    [[0, 2], [1, 3], [0, 1], [2, 3]]
    >>> len(grid_edges((2, 2), "top-cell"))
    6
    """
    if construction not in CONSTRUCTIONS:
        raise TopologyError.unknown("construction", construction, CONSTRUCTIONS)
    k = len(shape)
    index = np.arange(int(np.prod(shape))).reshape(shape)
    if construction == "vertex":
        offsets = [tuple(1 if i == a else 0 for i in range(k)) for a in range(k)]
    else:  # every non-zero offset in {-1,0,1}^k whose first non-zero entry is +1
        offsets = [
            o
            for o in itertools.product((-1, 0, 1), repeat=k)
            if any(o) and o[next(i for i, v in enumerate(o) if v)] == 1
        ]
    parts = []
    for o in offsets:
        src = tuple(slice(max(0, -d), n - max(0, d)) for d, n in zip(o, shape))
        dst = tuple(slice(max(0, d), n - max(0, -d)) for d, n in zip(o, shape))
        a, b = index[src].ravel(), index[dst].ravel()
        if a.size:
            parts.append(np.stack([a, b], axis=1))
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)


def _union_find_h0(f: np.ndarray, construction: str) -> tuple[np.ndarray, np.ndarray]:
    """H0 of the sublevel filtration by Kruskal's sweep with the elder rule."""
    values = f.ravel()
    edges = grid_edges(f.shape, construction)
    weights = np.maximum(values[edges[:, 0]], values[edges[:, 1]])
    order = np.argsort(weights, kind="stable")
    parent = list(range(values.size))
    birth = values.tolist()  # birth of the component rooted here

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = []
    for e in order.tolist():
        ra, rb = find(int(edges[e, 0])), find(int(edges[e, 1]))
        if ra == rb:
            continue
        if birth[ra] > birth[rb]:  # ra is the younger: it dies
            ra, rb = rb, ra
        w = float(weights[e])
        if w > birth[rb]:
            pairs.append((birth[rb], w))
        parent[rb] = ra
    roots = {find(i) for i in range(values.size)}
    return _sorted_pairs(pairs), np.sort(np.array([birth[r] for r in roots]))


def _gudhi(f: np.ndarray, construction: str, dims: Sequence[int], min_persistence: float) -> Diagram:
    try:
        import gudhi
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TopologyError.missing_gudhi("cubical persistence") from exc
    if construction == "vertex":
        cc = gudhi.CubicalComplex(vertices=f)
    else:
        cc = gudhi.CubicalComplex(top_dimensional_cells=f)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=min_persistence)
    finite, essential = [], []
    for d in range(max(dims) + 1):
        iv = np.asarray(cc.persistence_intervals_in_dimension(d), dtype=np.float64).reshape(-1, 2)
        inf = ~np.isfinite(iv[:, 1])
        finite.append(_sorted_pairs(iv[~inf]))
        essential.append(np.sort(iv[inf, 0]))
    return Diagram(tuple(finite), tuple(essential), construction, "gudhi", f.shape)


def sublevel_persistence(
    values: Any,
    *,
    construction: Construction = "vertex",
    dims: Sequence[int] | None = None,
    engine: Engine = "gudhi",
    min_persistence: float = 0.0,
) -> Diagram:
    """The persistence diagram of the sublevel filtration of a k-D grid.

    ``dims`` defaults to H0 … H_{k−1} for the gudhi engines and H0 for union-find (which
    computes H0 only). Pairs with lifetime ≤ ``min_persistence`` are dropped (the default
    keeps every pair of positive length).

    >>> f = np.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.5], [1.0, 1.0, 1.0]])
    >>> sublevel_persistence(f, engine="union-find", construction="top-cell").pairs(0).tolist()
    [[0.5, 2.0]]
    """
    _check(construction, engine)
    f = as_grid(values)
    if dims is None:
        dims = tuple(range(max(1, f.ndim))) if engine != "union-find" else (0,)
    dims = tuple(int(d) for d in dims)
    if engine == "union-find":
        if set(dims) != {0}:
            raise TopologyError(
                f"the union-find engine computes H0 only, but dims {dims} were asked for",
                "Use engine='gudhi' for H1 and higher",
            )
        pairs, ess = _union_find_h0(f, construction)
        keep = pairs[:, 1] - pairs[:, 0] > min_persistence
        return Diagram((pairs[keep],), (ess,), construction, "union-find", f.shape)
    if engine == "gudhi-dual":
        from catdyn.topology.dual import vertex_persistence_by_dual

        return vertex_persistence_by_dual(f, dims, min_persistence)
    return _gudhi(f, construction, dims, min_persistence)
