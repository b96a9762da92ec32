"""Every finite limit and colimit in FinSet, by hash joins and union-find (never nested loops).

**Limit** of a diagram: the set of tuples ``(x_X)`` over its objects with ``m(x_dom) = x_cod``
for every morphism ``m`` (an equaliser of the product). It is built one object at a time, as a
database query plan would: an object reached by a morphism from one already placed is a
*gather* (``x_B = m.table[x_A]``, no new rows); one that maps into a placed object is a *hash
join* on that morphism's values; only an object unrelated to everything placed is a cross
product. Morphisms whose two ends are placed then *filter* the rows. The rows are sorted
lexicographically (objects in the diagram's order); the mediating morphism of a cone looks its
tuples up with ``searchsorted`` on a mixed-radix key.

**Colimit**: the disjoint union of the objects quotiented by ``x ~ m(x)`` (a coequaliser of
the coproduct), by the vectorised union-find of :mod:`catdyn.unionfind`; classes are numbered
in order of their first element. The mediating morphism of a cocone sends each class to the
value of the cocone at the class's first element.

>>> from catdyn.categories.finset import FinSet
>>> from catdyn.diagram import Diagram
>>> A, B = FinSet.object("A", 3), FinSet.object("B", 2)
>>> f = FinSet.function("f", A, B, [0, 1, 1])
>>> g = FinSet.function("g", A, B, [0, 0, 1])
>>> d = Diagram("pair", FinSet, [f, g])
>>> L = finset_limit(d)
>>> L.leg("A").table.tolist(), L.leg("B").table.tolist()
([0, 2], [0, 1])
>>> C = finset_colimit(d)
>>> C.apex.size, C.leg("B").table.tolist()
(1, [0, 0])
"""

from __future__ import annotations

import numpy as np

from catdyn.diagram import Diagram
from catdyn.errors import LimitTooLargeError
from catdyn.limits import Colimit, DiagramCocone, DiagramCone, Limit
from catdyn.unionfind import quotient, quotient_labels

MAX_ROWS = 50_000_000
"""The most tuples a limit (or any intermediate join) may hold."""

_LABEL_LIMIT = 100_000


def _join(values: np.ndarray, table: np.ndarray, n_cod: int) -> tuple[np.ndarray, np.ndarray]:
    from catdyn.categories.finset import _join as join

    return join(values, table, n_cod)


def _place(diagram: Diagram) -> dict[str, np.ndarray]:
    """The limit's columns, one per object, row by row (before sorting)."""
    objects = list(diagram.objects)
    morphisms = list(diagram.morphisms)
    cols: dict[str, np.ndarray] = {}
    rows = 1
    enforced: set[str] = set()
    while len(cols) < len(objects):
        pending = [o for o in objects if o.name not in cols]
        step = _next_step(pending, morphisms, cols)
        obj, how, m = step
        if how == "gather":
            cols[obj.name] = m.table[cols[m.dom.name]]  # type: ignore[attr-defined]
            enforced.add(m.name)
        elif how == "join":
            counts = np.bincount(m.table, minlength=m.cod.size)  # type: ignore[attr-defined]
            total = int(counts[cols[m.cod.name]].sum()) if rows else 0
            if total > MAX_ROWS:
                raise LimitTooLargeError.rows(diagram, total, MAX_ROWS)
            r_idx, new = _join(cols[m.cod.name], m.table, m.cod.size)  # type: ignore[attr-defined]
            cols = {k: v[r_idx] for k, v in cols.items()}
            cols[obj.name] = new
            enforced.add(m.name)
        else:
            total = rows * obj.size  # type: ignore[attr-defined]
            if total > MAX_ROWS:
                raise LimitTooLargeError.rows(diagram, total, MAX_ROWS)
            r_idx = np.repeat(np.arange(rows, dtype=np.int64), obj.size)  # type: ignore[attr-defined]
            cols = {k: v[r_idx] for k, v in cols.items()}
            cols[obj.name] = np.tile(np.arange(obj.size, dtype=np.int64), rows)  # type: ignore[attr-defined]
        rows = len(cols[obj.name])
        if rows > MAX_ROWS:
            raise LimitTooLargeError.rows(diagram, rows, MAX_ROWS)
        for m in morphisms:
            if m.name not in enforced and m.dom.name in cols and m.cod.name in cols:
                keep = m.table[cols[m.dom.name]] == cols[m.cod.name]  # type: ignore[attr-defined]
                cols = {k: v[keep] for k, v in cols.items()}
                enforced.add(m.name)
                rows = int(keep.sum())
    return cols


def _next_step(pending: list, morphisms: list, cols: dict) -> tuple:
    """Which object to place next, and how: a gather beats a join beats a cross product."""
    for obj in pending:
        for m in morphisms:
            if m.cod == obj and m.dom.name in cols:
                return obj, "gather", m
    for obj in pending:
        for m in morphisms:
            if m.dom == obj and m.cod.name in cols:
                return obj, "join", m
    return pending[0], "product", None


def _keys(cols: list[np.ndarray], sizes: list[int]) -> np.ndarray | None:
    """A mixed-radix integer per row (lexicographic order), or None when it would overflow."""
    if float(np.prod([max(s, 1) for s in sizes], dtype=np.float64)) >= 2.0**62:
        return None
    key = np.zeros(len(cols[0]) if cols else 1, dtype=np.int64)
    for col, size in zip(cols, sizes):
        key = key * np.int64(max(size, 1)) + col
    return key


def finset_limit(diagram: Diagram, kind: str = "limit") -> Limit:
    """The limit of a finite diagram in FinSet (see the module docstring).

    >>> from catdyn.categories.finset import FinSet
    >>> A = FinSet.object("A", 2)
    >>> finset_limit(Diagram("empty", FinSet)).apex.size  # the terminal set
    1
    """
    from catdyn.categories.finset import FinFunction, FinSetObject

    objects = list(diagram.objects)
    placed = _place(diagram)
    cols = [placed[o.name] for o in objects]
    sizes = [o.size for o in objects]  # type: ignore[attr-defined]
    rows = len(cols[0]) if cols else 1
    if cols and rows:
        order = np.lexsort(cols[::-1])
        cols = [c[order] for c in cols]
    labels = None
    if objects and rows <= _LABEL_LIMIT and all(o.labels is not None for o in objects):  # type: ignore[attr-defined]
        columns = [[o.labels[int(i)] for i in c] for o, c in zip(objects, cols)]  # type: ignore[attr-defined]
        labels = tuple(zip(*columns))
    apex = FinSetObject(f"lim {diagram.name}", rows, labels)
    legs = {o.name: FinFunction(f"π_{o.name}", apex, o, c) for o, c in zip(objects, cols)}  # type: ignore[arg-type]
    keys = _keys(cols, sizes)
    index = None if keys is not None else {tuple(r): i for i, r in enumerate(zip(*cols))}

    def mediate(cone: DiagramCone) -> FinFunction:
        want = [cone.legs[o.name].table for o in objects]  # type: ignore[attr-defined]
        n = cone.apex.size  # type: ignore[attr-defined]
        if not objects:
            pos = np.zeros(n, dtype=np.int64)
        elif keys is not None:
            pos = np.searchsorted(keys, _keys(want, sizes))
        else:
            pos = np.fromiter((index[tuple(r)] for r in zip(*want)), np.int64, n)  # type: ignore[index]
        return FinFunction(f"⟨cone from {cone.apex.name}⟩", cone.apex, apex, pos)  # type: ignore[arg-type]

    return Limit(DiagramCone(diagram, apex, legs), mediate, kind)


def finset_colimit(diagram: Diagram, kind: str = "colimit") -> Colimit:
    """The colimit of a finite diagram in FinSet (see the module docstring).

    >>> from catdyn.categories.finset import FinSet
    >>> finset_colimit(Diagram("empty", FinSet)).apex.size  # the initial (empty) set
    0
    """
    from catdyn.categories.finset import FinFunction, FinSetObject

    objects = list(diagram.objects)
    labels_of = _parallel_quotient(diagram)
    if labels_of is None:
        labels_of = _disjoint_union_quotient(diagram)
    labels = np.concatenate([labels_of[o.name] for o in objects]) if objects else np.zeros(0, np.int64)
    total = len(labels)
    k = int(labels.max()) + 1 if total else 0
    apex = FinSetObject(f"colim {diagram.name}", k)
    legs = {o.name: FinFunction(f"ι_{o.name}", o, apex, labels_of[o.name]) for o in objects}  # type: ignore[arg-type]

    def mediate(cocone: DiagramCocone) -> FinFunction:
        values = _cat([cocone.legs[o.name].table for o in objects])  # type: ignore[attr-defined]
        first = _first_members(labels)  # found when first asked: building the colimit needs none
        return FinFunction(f"[cocone into {cocone.apex.name}]", apex, cocone.apex, values[first])  # type: ignore[arg-type]

    return Colimit(DiagramCocone(diagram, apex, legs), mediate, kind)


def _first_members(labels: np.ndarray) -> np.ndarray:
    """Where each class first occurs, for labels numbered in order of first occurrence (so the
    running maximum steps up by one exactly there): one pass, no sort."""
    if not len(labels):
        return np.zeros(0, np.int64)
    running = np.maximum.accumulate(labels)
    return np.concatenate(([0], np.flatnonzero(running[1:] != running[:-1]) + 1))


def _cat(xs: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(xs) if xs else np.zeros(0, np.int64)


def _disjoint_union_quotient(diagram: Diagram) -> dict[str, np.ndarray]:
    """Labels per object: union-find on the disjoint union with ``x ~ m(x)``."""
    objects = list(diagram.objects)
    sizes = np.array([o.size for o in objects], dtype=np.int64)  # type: ignore[attr-defined]
    offsets = dict(zip((o.name for o in objects), np.concatenate(([0], np.cumsum(sizes)[:-1])).tolist()))
    total = int(sizes.sum())
    left, right = [], []
    for m in diagram.morphisms:
        left.append(np.arange(m.dom.size, dtype=np.int64) + offsets[m.dom.name])  # type: ignore[attr-defined]
        right.append(m.table + offsets[m.cod.name])  # type: ignore[attr-defined]
    labels = quotient_labels(total, _cat(left), _cat(right))
    return {o.name: labels[offsets[o.name] : offsets[o.name] + o.size] for o in objects}  # type: ignore[attr-defined]


def _parallel_quotient(diagram: Diagram) -> dict[str, np.ndarray] | None:
    """For parallel arrows ``m_1 … m_k: A ⇉ B`` (a coequaliser), union-find on ``B`` alone:
    every ``a`` is identified with ``m_1(a)``, so ``B/(m_1(a) ~ m_i(a))`` is the whole colimit.
    Classes are renumbered in order of their first element in ``A + B``, as the general route
    numbers them. None for any other shape."""
    objects, morphisms = list(diagram.objects), list(diagram.morphisms)
    if len(objects) != 2 or not morphisms:
        return None
    A, B = morphisms[0].dom, morphisms[0].cod
    if A == B or any(m.dom != A or m.cod != B for m in morphisms):
        return None
    first = morphisms[0].table  # type: ignore[attr-defined]
    left = _cat([first for _ in morphisms[1:]])
    right = _cat([m.table for m in morphisms[1:]])  # type: ignore[attr-defined]
    on_b, first_in_b = quotient(B.size, left, right)  # type: ignore[attr-defined]
    on_a = on_b[first]
    if objects[0] == B:  # every class has an element of B, so B's order is the general order
        return {A.name: on_a, B.name: on_b}
    k = len(first_in_b)
    seen_at = first_in_b + len(on_a)  # where each class first occurs in B, after A
    np.minimum.at(seen_at, on_a, np.arange(len(on_a), dtype=np.int64))
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(seen_at, kind="stable")] = np.arange(k, dtype=np.int64)
    return {A.name: rank[on_a], B.name: rank[on_b]}


def finset_coequaliser_labels(f_table: np.ndarray, g_table: np.ndarray, n: int) -> np.ndarray:
    """The quotient map ``B → B/~`` of the coequaliser of ``f, g: A ⇉ B`` (``n = |B|``),
    as labels numbered in order of first element: union-find on the pairs ``(f(a), g(a))``.

    >>> finset_coequaliser_labels(np.array([0, 2]), np.array([1, 3]), 4).tolist()
    [0, 0, 1, 1]
    """
    return quotient_labels(n, f_table, g_table)
