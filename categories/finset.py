"""FinSet: finite sets and total functions, with exact pullbacks by a vectorised hash join.

A finite set has a name, a size and optional labels for its elements. A function stores,
for each element of its domain (by position), the position of its image: a read-only
``int64`` array, so composition is one gather (``g.table[f.table]``) and a pullback of maps
on a million elements is a few sorts and gathers.

>>> A = FinSet.object("A", ["a0", "a1", "a2"])
>>> C = FinSet.object("C", ["even", "odd"])
>>> parity = FinSet.function("parity", A, C, {"a0": "even", "a1": "odd", "a2": "even"})
>>> parity.image_of("a2")
'even'
>>> B = FinSet.object("B", ["x", "y"])
>>> g = FinSet.function("g", B, C, {"x": "odd", "y": "even"})
>>> P = FinSet.pullback(Cospan(parity, g))
>>> P.apex.elements
(('a0', 'y'), ('a1', 'x'), ('a2', 'y'))
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from catdyn.category import Category, Morphism, Object
from catdyn.errors import NotTotalError, ShapeError, UnknownObjectError
from catdyn.limits import Cone, Cospan, Pullback

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

    from catdyn.diagram import Diagram
    from catdyn.limits import Colimit, Limit

_HOM_ENUMERATION_LIMIT = 4096


@dataclass(frozen=True, eq=False, repr=False)
class FinSetObject(Object):
    """A finite set: ``size`` elements, optionally labelled (labels must be distinct)."""

    name: str
    size: int
    labels: tuple[Hashable, ...] | None = None
    _index: dict[Hashable, int] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.size, (int, np.integer)) or self.size < 0:
            raise ShapeError(
                f"finite set {self.name} has size {self.size!r}",
                "A finite set's size is a non-negative integer",
            )
        if self.labels is not None:
            if len(self.labels) != self.size:
                raise ShapeError(
                    f"finite set {self.name} has {len(self.labels)} labels for {self.size} elements",
                    "Give one label per element",
                )
            index = {label: i for i, label in enumerate(self.labels)}
            if len(index) != self.size:
                raise ShapeError(
                    f"finite set {self.name} has repeated labels", "Labels of elements must be distinct"
                )
            object.__setattr__(self, "_index", index)

    @property
    def category(self) -> FinSetCategory:
        return FinSet

    @property
    def elements(self) -> tuple[Hashable, ...]:
        """The labels, or the positions ``0 … size−1`` when unlabelled."""
        return self.labels if self.labels is not None else tuple(range(self.size))

    def index(self, element: Hashable) -> int:
        """Position of an element (its label, or its position when unlabelled)."""
        if self._index is not None:
            if element not in self._index:
                raise UnknownObjectError.missing(element, self, kind="element")
            return self._index[element]
        if isinstance(element, (int, np.integer)) and 0 <= element < self.size:
            return int(element)
        raise UnknownObjectError(
            f"{element!r} is not an element of {self.name} (positions 0 … {self.size - 1})",
            "Use a position, or give the set labels",
        )

    def _key(self) -> Hashable:
        return (self.name, int(self.size), self.labels)


@dataclass(frozen=True, eq=False, repr=False)
class FinFunction(Morphism):
    """A total function between finite sets, as the table of image positions."""

    name: str
    dom: FinSetObject
    cod: FinSetObject
    table: np.ndarray

    def __post_init__(self) -> None:
        table = np.asarray(self.table)
        if table.ndim != 1 or (table.size and not np.issubdtype(table.dtype, np.integer)):
            raise ShapeError(
                f"function {self.name} needs a flat table of integer positions, got an array "
                f"of shape {table.shape} and type {table.dtype}",
                "Pass one image position per element of the domain",
            )
        if len(table) < self.dom.size:
            raise NotTotalError.unmapped(
                self.name, self.dom, [self.dom.elements[i] for i in range(len(table), self.dom.size)]
            )
        if len(table) > self.dom.size:
            raise ShapeError(
                f"function {self.name} has {len(table)} images but its domain {self.dom.name} "
                f"has {self.dom.size} elements",
                "Pass exactly one image per element of the domain",
            )
        table = table.astype(np.int64, copy=True)
        bad = (table < 0) | (table >= self.cod.size)
        if bad.any():
            raise NotTotalError.outside(self.name, self.cod, table[bad].tolist())
        table.setflags(write=False)
        object.__setattr__(self, "table", table)

    @property
    def category(self) -> FinSetCategory:
        return FinSet

    def _data_key(self) -> Hashable:
        return self.table.tobytes()

    def __call__(self, element: Hashable) -> Hashable:
        """Alias of :meth:`image_of`."""
        return self.image_of(element)

    def image_of(self, element: Hashable) -> Hashable:
        """The image of one element (labels in, labels out)."""
        return self.cod.elements[int(self.table[self.dom.index(element)])]


class FinSetCategory(Category):
    """The category of finite sets and total functions (use the instance ``FinSet``)."""

    name = "FinSet"

    # --- constructors -------------------------------------------------------------------
    def object(self, name: str, elements: int | Sequence[Hashable]) -> FinSetObject:
        """A finite set of ``elements`` (a size, or a sequence of distinct labels)."""
        if isinstance(elements, (int, np.integer)):
            return FinSetObject(name, int(elements))
        labels = tuple(elements)
        return FinSetObject(name, len(labels), labels)

    def function(
        self,
        name: str,
        dom: FinSetObject,
        cod: FinSetObject,
        images: Sequence[int] | np.ndarray | Mapping[Hashable, Hashable],
    ) -> FinFunction:
        """A function from a table of image positions, or a dict from elements to elements
        (which must mention every element of ``dom``)."""
        if isinstance(images, Mapping):
            missing = [e for e in dom.elements if e not in images]
            if missing:
                raise NotTotalError.unmapped(name, dom, missing)
            extra = [k for k in images if not _has(dom, k)]
            if extra:
                raise UnknownObjectError(
                    f"function {name} gives images for {extra[:8]!r}, which are not elements of {dom.name}",
                    f"Map only elements of {dom.name}",
                )
            outside = [v for v in images.values() if not _has(cod, v)]
            if outside:
                raise NotTotalError.outside(name, cod, outside)
            table = np.fromiter((cod.index(images[e]) for e in dom.elements), np.int64, dom.size)
            return FinFunction(name, dom, cod, table)
        table = np.asarray(images)
        if table.size == 0:
            table = table.astype(np.int64)
        return FinFunction(name, dom, cod, table)

    def terminal(self) -> FinSetObject:
        """The one-element set ``1``."""
        return FinSetObject("1", 1)

    def to_terminal(self, obj: FinSetObject) -> FinFunction:
        """The unique function ``obj → 1``."""
        return FinFunction(f"!_{obj.name}", obj, self.terminal(), np.zeros(obj.size, np.int64))

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: FinSetObject) -> FinFunction:  # type: ignore[override]
        return FinFunction(f"id_{obj.name}", obj, obj, np.arange(obj.size, dtype=np.int64))

    def compose(self, f: FinFunction, g: FinFunction) -> FinFunction:  # type: ignore[override]
        return FinFunction(f"{f.name} >> {g.name}", f.dom, g.cod, g.table[f.table])

    def pullback(self, cospan: Cospan) -> Pullback:
        """The pullback ``{(a, b) : f(a) = g(b)}`` by a vectorised hash join.

        Pairs are ordered by ``a``, then ``b``. Labels ``(a, b)`` are attached when both
        sets are labelled.
        """
        f, g = cospan.left, cospan.right
        a_idx, b_idx = _join(f.table, g.table, cospan.left.cod.size)
        A, B = f.dom, g.dom
        labels = None
        if A.labels is not None and B.labels is not None:
            labels = tuple(zip((A.labels[i] for i in a_idx), (B.labels[j] for j in b_idx)))
        apex = FinSetObject(f"{A.name} ×_{f.cod.name} {B.name}", len(a_idx), labels)
        p = FinFunction(f"π1_{A.name}", apex, A, a_idx)
        q = FinFunction(f"π2_{B.name}", apex, B, b_idx)
        keys = a_idx * np.int64(max(B.size, 1)) + b_idx  # sorted ascending by construction

        def mediate(cone: Cone) -> FinFunction:
            want = cone.left.table * np.int64(max(B.size, 1)) + cone.right.table
            pos = np.searchsorted(keys, want)
            return FinFunction(f"⟨{cone.left.name}, {cone.right.name}⟩", cone.apex, apex, pos)

        return Pullback(Cone(cospan, p, q), mediate)

    def limit(self, diagram: Diagram, kind: str = "limit") -> Limit:
        """The limit of a finite diagram (hash joins; see :mod:`catdyn.categories._finset_limits`)."""
        from catdyn.categories._finset_limits import finset_limit

        return finset_limit(diagram, kind)

    def colimit(self, diagram: Diagram, kind: str = "colimit") -> Colimit:
        """The colimit of a finite diagram (union-find; see :mod:`catdyn.categories._finset_limits`)."""
        from catdyn.categories._finset_limits import finset_colimit

        return finset_colimit(diagram, kind)

    def product(self, A: FinSetObject, B: FinSetObject) -> Pullback:
        """The product ``A × B``: the pullback over the terminal set."""
        return self.pullback(Cospan(self.to_terminal(A), self.to_terminal(B)))

    # --- generation and enumeration -----------------------------------------------------
    def objects(self, max_size: int | None = None) -> SearchStrategy[FinSetObject]:  # type: ignore[override]
        """Sets ``S0 … S{max_size}``: the empty set included, and by default up to the size
        knob of the check in progress (:func:`catdyn.checker.sampling.bounds`, 8 unless set).

        >>> from hypothesis import find
        >>> find(FinSet.objects(), lambda X: X.size >= 6).name
        'S6'
        """
        from hypothesis import strategies as st

        if max_size is not None:
            return st.integers(0, max_size).map(_sized_set)

        @st.composite
        def sets(draw: Any) -> FinSetObject:
            return _sized_set(draw(_size()))

        return sets()

    def morphisms(self, dom: FinSetObject, cod: FinSetObject) -> SearchStrategy[FinFunction]:  # type: ignore[override]

        return _functions(dom, cod)

    def composable(self, length: int) -> SearchStrategy[tuple[Morphism, ...]]:
        """Chains of ``length`` composable functions between sets of ``0 … max_size``
        elements. A function into ∅ exists only from ∅, so the sets before the last empty
        one in a chain are empty too (every drawn chain is inhabited).

        >>> from hypothesis import find
        >>> f, g = find(FinSet.composable(2), lambda c: c[1].cod.size == 0)
        >>> (f.dom.size, f.cod.size, g.cod.size)
        (0, 0, 0)
        """
        from hypothesis import strategies as st

        @st.composite
        def chains(draw: Any) -> tuple[Morphism, ...]:
            sizes = [draw(_size()) for _ in range(length + 1)]
            last_empty = max((i for i, n in enumerate(sizes) if n == 0), default=-1)
            sets = [_sized_set(0 if i <= last_empty else n) for i, n in enumerate(sizes)]
            return tuple(draw(self.morphisms(a, b)) for a, b in itertools.pairwise(sets))

        return chains()

    def sample_features(self, x: Any) -> dict[str, Any]:
        """What the checker reports about drawn sets: their sizes.

        >>> FinSet.sample_features(FinSet.object("A", 3))
        {'set sizes': 3}
        """
        return {"set sizes": int(x.size)} if isinstance(x, FinSetObject) else {}

    def hom(self, dom: FinSetObject, cod: FinSetObject) -> Iterator[FinFunction] | None:  # type: ignore[override]
        """All ``cod.size ** dom.size`` functions when that is at most 4096."""
        if cod.size**dom.size > _HOM_ENUMERATION_LIMIT:
            return None
        return (
            FinFunction(f"f{i}", dom, cod, np.asarray(t, dtype=np.int64))
            for i, t in enumerate(itertools.product(range(cod.size), repeat=dom.size))
        )


def _size() -> SearchStrategy[int]:
    """A set size: a third of the draws ∅, a third from ``0 … 3`` (where most bugs show, and
    shrink to), a third from ``0 … max_size`` (the knob of the check in progress)."""
    from catdyn.checker.sampling import bounds

    return _sizes_up_to(bounds().max_size)


@functools.lru_cache(maxsize=64)
def _sizes_up_to(top: int) -> SearchStrategy[int]:
    from hypothesis import strategies as st

    return st.one_of(st.integers(0, min(3, top)), st.just(0), st.integers(0, top))


@functools.lru_cache(maxsize=1024)
def _functions(dom: FinSetObject, cod: FinSetObject) -> SearchStrategy[FinFunction]:
    """Every function ``dom → cod`` (cached: building a strategy costs more than a draw)."""
    from hypothesis import strategies as st

    if cod.size == 0:
        return st.just(FinFunction("f", dom, cod, np.zeros(0, np.int64))) if dom.size == 0 else st.nothing()
    table = st.lists(st.integers(0, cod.size - 1), min_size=dom.size, max_size=dom.size)
    return table.map(lambda t: FinFunction("f", dom, cod, np.asarray(t, dtype=np.int64)))


def _sized_set(n: int) -> FinSetObject:
    return FinSetObject(f"S{n}", n)


def _has(obj: FinSetObject, element: Any) -> bool:
    try:
        obj.index(element)
    except UnknownObjectError:
        return False
    return True


def _join(f: np.ndarray, g: np.ndarray, n_cod: int) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs ``(a, b)`` with ``f[a] == g[b]``, sorted by ``a`` then ``b``."""
    order_g = np.argsort(g, kind="stable")  # b's grouped by value, ascending b within a group
    counts_g = np.bincount(g, minlength=n_cod)
    starts_g = np.concatenate(([0], np.cumsum(counts_g)[:-1])) if n_cod else np.zeros(0, np.int64)
    per_a = counts_g[f] if len(f) else np.zeros(0, np.int64)
    total = int(per_a.sum())
    a_idx = np.repeat(np.arange(len(f), dtype=np.int64), per_a)
    first = np.cumsum(per_a) - per_a  # where each a's run begins in the output
    offset = np.arange(total, dtype=np.int64) - np.repeat(first, per_a)
    b_idx = order_g[np.repeat(starts_g[f], per_a) + offset] if total else np.zeros(0, np.int64)
    return a_idx, b_idx.astype(np.int64)


def pullback_by_loops(f: Iterable[int], g: Iterable[int]) -> list[tuple[int, int]]:
    """The pullback's pairs by nested loops: the slow, obviously right reference.

    >>> pullback_by_loops([0, 1, 1], [1, 0])
    [(0, 1), (1, 0), (2, 0)]
    """
    fs, gs = list(f), list(g)
    return [(a, b) for a, fa in enumerate(fs) for b, gb in enumerate(gs) if fa == gb]


FinSet = FinSetCategory()
"""The category of finite sets (a single instance)."""
