"""Vertex-construction persistence through the dual (top-cell) complex of the negated grid.

The sublevel persistence of ``f`` with the values on the grid's vertices (the *vertex*
construction) is, by Alexander duality (Bleile, Garin, Heiss, Maggs, Robins, *Duality in
persistent homology of images*, arXiv:2102.11397), read off the *top-cell* construction of
``−f`` padded with one layer of ``−∞`` cells on every side:

- a finite pair ``(b, d)`` in dimension ``k − 1 − p`` of the padded top-cell diagram is the pair
  ``(−d, −b)`` in dimension ``p`` of the vertex diagram;
- the padding is a shell around the grid (a sphere ``S^{k−1}`` up to homotopy) that enters at
  ``−∞``: its class in dimension ``k − 1`` dies when the last cell (``−min f``) fills the inside,
  so ``(−∞, −min f)`` becomes the one essential vertex class ``(min f, ∞)`` in dimension 0;
- the padded complex is one component from ``−∞`` on: that essential ``(−∞, ∞)`` class in
  dimension 0 has no vertex counterpart (reduced homology) and is dropped.

Negation is exact in floating point and ``(−b) − (−d) = d − b`` exactly, so the diagrams are
equal, not close, ties included (tests/topology/test_dual.py checks it on random integer grids).
The gain is gudhi's dedicated top-cell code for 1-D and 2-D grids
(``gudhi.sklearn.cubical_persistence.CubicalPersistence``), which the vertex construction
does not reach; on grids of three or more axes the dual goes through the generic
``CubicalComplex`` and is exact but not faster.

>>> pad_negated(np.array([[1.0, 2.0]])).tolist()
[[-inf, -inf, -inf, -inf], [-inf, -1.0, -2.0, -inf], [-inf, -inf, -inf, -inf]]
>>> dual_to_vertex_pairs(np.array([[-3.0, -1.0], [-np.inf, -0.5]])).tolist()
[[0.5, inf], [1.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from catdyn.errors import TopologyError
from catdyn.topology.cubical import Diagram, _sorted_pairs


def pad_negated(f: np.ndarray) -> np.ndarray:
    """``−f`` inside one layer of ``−∞`` cells on every side (the dual grid's top cells).

    >>> pad_negated(np.array([3.0])).tolist()
    [-inf, -3.0, -inf]
    """
    padded = np.full([n + 2 for n in f.shape], -np.inf)
    padded[tuple(slice(1, -1) for _ in f.shape)] = -f
    return padded


def dual_to_vertex_pairs(intervals: np.ndarray) -> np.ndarray:
    """The vertex-construction pairs ``(−d, −b)`` of dual intervals ``(b, d)``, sorted; the
    dual's ``(−∞, ∞)`` class (the padded complex's one component) is dropped.

    >>> dual_to_vertex_pairs(np.array([[-np.inf, np.inf], [-2.0, -1.0]])).tolist()
    [[1.0, 2.0]]
    """
    iv = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    iv = iv[~(np.isneginf(iv[:, 0]) & np.isposinf(iv[:, 1]))]
    return _sorted_pairs(-iv[:, ::-1])


def _dual_intervals(padded: np.ndarray, min_persistence: float) -> list[np.ndarray]:
    """The padded grid's top-cell intervals in every dimension 0 … k−1 (gudhi, Z/2)."""
    try:
        import gudhi
        from gudhi.sklearn.cubical_persistence import CubicalPersistence
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TopologyError.missing_gudhi("cubical persistence through the dual") from exc
    k = padded.ndim
    if k <= 2:  # gudhi's dedicated line / rectangle code
        cp = CubicalPersistence(list(range(k)), homology_coeff_field=2, min_persistence=min_persistence)
        return [np.asarray(d, dtype=np.float64) for d in cp.fit_transform([padded])[0]]
    cc = gudhi.CubicalComplex(top_dimensional_cells=padded)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=min_persistence)
    return [np.asarray(cc.persistence_intervals_in_dimension(d), dtype=np.float64) for d in range(k)]


def vertex_persistence_by_dual(f: np.ndarray, dims: Sequence[int], min_persistence: float = 0.0) -> Diagram:
    """The vertex-construction diagram of the finite grid ``f`` in dimensions 0 … ``max(dims)``
    (empty from ``f.ndim`` on), computed through the dual; equal to ``CubicalComplex(vertices=f)``'s.

    >>> import importlib.util
    >>> from catdyn.topology.cubical import sublevel_persistence
    >>> f = np.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.5], [1.0, 1.0, 1.0]])
    >>> importlib.util.find_spec("gudhi") is None or (
    ...     vertex_persistence_by_dual(f, (0,)).same_as(sublevel_persistence(f, engine="union-find"), atol=0))
    True
    """
    k = f.ndim
    dual = _dual_intervals(pad_negated(f), min_persistence)
    finite, essential = [], []
    for p in range(max(dims) + 1):
        pairs = dual_to_vertex_pairs(dual[k - 1 - p] if p < k else np.zeros((0, 2)))
        inf = np.isposinf(pairs[:, 1])
        finite.append(pairs[~inf])
        essential.append(np.sort(pairs[inf, 0]))
    return Diagram(tuple(finite), tuple(essential), "vertex", "gudhi-dual", f.shape)
