"""Scalar features of a persistence diagram and of the basin around a grid's minimum.

Every feature reads the **finite** pairs only; the essential class (born at the global
minimum, never dying) is reported by its birth and never enters a sum.

- :func:`total_persistence`: Σ (death − birth)^p over the finite pairs of a dimension;
- :func:`largest_lifetime`: the longest finite lifetime (0 when there is none);
- :func:`count_above`: how many finite lifetimes exceed a noise floor;
- :func:`persistent_entropy`: −Σ (ℓᵢ/L) log(ℓᵢ/L), L = Σ ℓᵢ (0 for fewer than two pairs);
- :func:`basin_depth`: the "stability" of a minimum — how high the sublevel component of a
  grid point (the centre, where the trained minimum sits) must rise before it escapes its
  basin, by reaching the edge of the slice or merging with a deeper basin, measured from the
  bottom of that basin.

>>> import numpy as np
>>> from catdyn.topology.cubical import Diagram
>>> d = Diagram((np.array([[0.0, 1.0], [0.5, 3.0]]),), (np.array([-1.0]),), "vertex", "gudhi", (5, 5))
>>> total_persistence(d, 0), largest_lifetime(d, 0), count_above(d, 0, 1.0)
(3.5, 2.5, 1)
>>> round(persistent_entropy(d, 0), 4)
0.5983
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from catdyn.topology.cubical import CONSTRUCTIONS, Diagram, as_grid, grid_edges


def total_persistence(diagram: Diagram, dim: int, p: float = 1.0) -> float:
    """Σ (death − birth)^p over the finite pairs of dimension ``dim``.

    >>> d = Diagram((np.array([[0.0, 2.0]]),), (np.array([0.0]),), "vertex", "gudhi", (3,))
    >>> total_persistence(d, 0, p=2), total_persistence(d, 1)
    (4.0, 0.0)
    """
    return float(np.sum(diagram.lifetimes(dim) ** p))


def largest_lifetime(diagram: Diagram, dim: int) -> float:
    """The longest finite lifetime of dimension ``dim`` (0 when there is none).

    >>> largest_lifetime(Diagram((np.zeros((0, 2)),), (np.zeros(1),), "vertex", "gudhi", (2,)), 0)
    0.0
    """
    life = diagram.lifetimes(dim)
    return float(life.max()) if life.size else 0.0


def count_above(diagram: Diagram, dim: int, noise_floor: float) -> int:
    """How many finite lifetimes of dimension ``dim`` are strictly above ``noise_floor``.

    >>> d = Diagram((np.array([[0.0, 0.1], [0.0, 2.0]]),), (np.zeros(1),), "vertex", "gudhi", (3,))
    >>> count_above(d, 0, 0.5)
    1
    """
    return int(np.sum(diagram.lifetimes(dim) > noise_floor))


def persistent_entropy(diagram: Diagram, dim: int) -> float:
    """The Shannon entropy of the normalised finite lifetimes of dimension ``dim``.

    >>> d = Diagram((np.array([[0.0, 1.0], [0.0, 1.0]]),), (np.zeros(1),), "vertex", "gudhi", (3,))
    >>> round(persistent_entropy(d, 0), 6) == round(float(np.log(2)), 6)
    True
    """
    life = diagram.lifetimes(dim)
    total = life.sum()
    if life.size < 2 or total <= 0:
        return 0.0
    q = life[life > 0] / total
    return float(-np.sum(q * np.log(q)))


def basin_depth(values: Any, at: Sequence[int] | None = None, construction: str = "vertex") -> float:
    """The depth of the basin around grid point ``at`` (default: the centre).

    Let b be the lowest value of the sublevel component of ``at`` at its own level (the
    bottom its basin drains to). Raise the level t from f(at); the basin is left at the
    first t where the component of ``at`` touches the edge of the grid or holds a value
    below b (it merged with a deeper basin). The depth is t − b. Adjacency follows the
    ``construction`` (see :mod:`catdyn.topology.cubical`).

    >>> x = np.linspace(-1, 1, 5)
    >>> bowl = x[:, None] ** 2 + x[None, :] ** 2
    >>> basin_depth(bowl)  # the lowest point of the edge is at (±1, 0): 1 − 0
    1.0
    """
    if construction not in CONSTRUCTIONS:
        from catdyn.errors import TopologyError

        raise TopologyError.unknown("construction", construction, CONSTRUCTIONS)
    f = as_grid(values)
    shape = f.shape
    start = int(np.ravel_multi_index(tuple(n // 2 for n in shape) if at is None else tuple(at), shape))
    flat = f.ravel()
    coords = np.stack(np.unravel_index(np.arange(flat.size), shape), axis=1)
    on_edge = np.any((coords == 0) | (coords == np.array(shape) - 1), axis=1)
    edges = grid_edges(shape, construction)
    neighbours: list[list[int]] = [[] for _ in range(flat.size)]
    for a, b in edges.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    parent = list(range(flat.size))
    low = flat.tolist()
    edge_flag = on_edge.tolist()
    added = np.zeros(flat.size, dtype=bool)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def add(i: int) -> None:
        added[i] = True
        for j in neighbours[i]:
            if added[j]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[rj] = ri
                    low[ri] = min(low[ri], low[rj])
                    edge_flag[ri] = edge_flag[ri] or edge_flag[rj]

    order = np.argsort(flat, kind="stable")
    level = flat[start]
    pos = 0
    while pos < order.size and flat[order[pos]] <= level:
        add(int(order[pos]))
        pos += 1
    root = find(start)
    bottom = low[root]
    if edge_flag[root]:
        return float(level - bottom)
    while pos < order.size:
        i = int(order[pos])
        add(i)
        pos += 1
        root = find(start)
        if edge_flag[root] or low[root] < bottom:
            return float(flat[i] - bottom)
    return float(flat.max() - bottom)  # pragma: no cover - the edge is always reached


def summarise(
    diagram: Diagram,
    *,
    noise_floor: float = 0.0,
    p: float = 1.0,
    grid: Any = None,
) -> dict[str, float]:
    """Every feature of ``diagram`` as a flat dict (``total_persistence_h0``, …,
    ``total_persistence`` over all dimensions, ``essential_birth_h0``), plus the
    ``basin_depth`` of the centre when the ``grid`` is given.

    >>> d = Diagram((np.array([[0.0, 1.0]]), np.array([[2.0, 2.5]])), (np.array([-1.0]), np.zeros(0)),
    ...             "vertex", "gudhi", (3, 3))
    >>> s = summarise(d)
    >>> s["total_persistence"], s["total_persistence_h1"], s["essential_birth_h0"]
    (1.5, 0.5, -1.0)
    """
    out: dict[str, float] = {}
    total = 0.0
    for dim in diagram.dims:
        tp = total_persistence(diagram, dim, p)
        total += tp
        out[f"total_persistence_h{dim}"] = tp
        out[f"largest_lifetime_h{dim}"] = largest_lifetime(diagram, dim)
        out[f"count_above_h{dim}"] = float(count_above(diagram, dim, noise_floor))
        out[f"entropy_h{dim}"] = persistent_entropy(diagram, dim)
    out["total_persistence"] = total
    ess = diagram.essential_births(0)
    out["essential_birth_h0"] = float(ess.min()) if ess.size else float("nan")
    if grid is not None:
        out["basin_depth"] = basin_depth(grid, construction=diagram.construction)
    return out
