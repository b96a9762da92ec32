"""The abstract interface of a category: objects, morphisms, identity and composition.

A concrete category (see ``catdyn.categories``) subclasses :class:`Category` and gives
its own :class:`Object` and :class:`Morphism` types. Everything else — ``f >> g`` with its
end checking, equality, hashing — is derived here once.

Objects are compared by name *and* data (nominal typing: two sets of three elements named
``A`` and ``B`` are different objects), morphisms by their ends and data, never by name:
``f >> id_B == f`` although the two have different names.

>>> from catdyn.categories.finset import FinSet
>>> A, B = FinSet.object("A", 2), FinSet.object("B", 3)
>>> f = FinSet.function("f", A, B, [0, 2])
>>> (FinSet.identity(A) >> f) == f
True
>>> f >> f
Traceback (most recent call last):
...
catdyn.errors.CompositionError: cannot compose f >> f: f ends at B but f starts at A. Compose only morphisms whose ends meet (cod f = dom f): f: A → B, f: A → B.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from catdyn.errors import CategoryError, CompositionError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

    from catdyn.diagram import Diagram
    from catdyn.limits import Colimit, Cospan, Limit, Pullback


class Object(ABC):
    """An object of a category: immutable, named, hashable."""

    __slots__ = ()
    name: str

    @property
    @abstractmethod
    def category(self) -> Category:
        """The category this object belongs to."""

    @abstractmethod
    def _key(self) -> Hashable:
        """Everything that makes this object itself (name included)."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Morphism(ABC):
    """A morphism ``dom → cod`` of a category: immutable, named, hashable.

    ``f >> g`` is "first f, then g"; it checks that ``f.cod == g.dom`` and raises a
    :class:`~catdyn.errors.CompositionError` naming both morphisms and objects otherwise.
    """

    __slots__ = ()
    name: str
    dom: Object
    cod: Object

    @property
    @abstractmethod
    def category(self) -> Category:
        """The category this morphism belongs to."""

    @abstractmethod
    def _data_key(self) -> Hashable:
        """The data of the morphism (not its name or ends), as something hashable."""

    def _key(self) -> Hashable:
        return (self.dom, self.cod, self._data_key())

    def then(self, other: Morphism) -> Morphism:
        """Compose: first ``self``, then ``other`` (the same as ``self >> other``)."""
        if not isinstance(other, Morphism):
            raise CompositionError.not_a_morphism(self, other)
        if other.category != self.category:
            raise CompositionError.across_categories(self, self.category, other, other.category)
        if self.cod != other.dom:
            raise CompositionError.mismatch(self, self.dom, self.cod, other, other.dom, other.cod)
        return self.category.compose(self, other)

    def __rshift__(self, other: Morphism) -> Morphism:
        return self.then(other)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}: {self.dom.name} → {self.cod.name})"


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two morphisms: equal or not, how far apart, and whether
    the comparison was exact (``residual`` is 0.0 or 1.0 for exact data) or within a
    tolerance."""

    equal: bool
    residual: float
    exact: bool

    def __bool__(self) -> bool:
        return self.equal


class Category(ABC):
    """What a category must provide: identity, composition and equality of morphisms,
    plus — for the checker — hypothesis strategies for its objects and hom-sets, and
    enumeration where it is finite.

    Subclasses implement :meth:`identity`, :meth:`compose` (called only after ends were
    checked), and :meth:`objects` / :meth:`morphisms` strategies. :meth:`compare` defaults
    to exact equality; categories of real numbers override it with a tolerance.
    """

    name: str = "Category"

    # --- the structure -------------------------------------------------------------
    @abstractmethod
    def identity(self, obj: Object) -> Morphism:
        """The identity morphism ``obj → obj``."""

    @abstractmethod
    def compose(self, f: Morphism, g: Morphism) -> Morphism:
        """``f`` then ``g``; ends already checked by :meth:`Morphism.then`."""

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Whether ``f`` and ``g`` are the same morphism (exact by default)."""
        same = f == g
        return Comparison(same, 0.0 if same else 1.0, exact=True)

    def pullback(self, cospan: Cospan) -> Pullback:
        """The pullback of a cospan, with its projections and mediating morphism."""
        raise CategoryError(
            f"{self.name} does not compute pullbacks",
            "Use a category that provides them (FinSet, Mat) or declare the apex yourself",
        )

    def limit(self, diagram: Diagram, kind: str = "limit") -> Limit:
        """The limit of a finite diagram, with its legs and mediating morphism."""
        raise CategoryError(
            f"{self.name} does not compute limits of finite diagrams",
            "Use a category that provides them (FinSet, MatQ, MatR) or declare the limit yourself",
        )

    def colimit(self, diagram: Diagram, kind: str = "colimit") -> Colimit:
        """The colimit of a finite diagram, with its legs and mediating morphism."""
        raise CategoryError(
            f"{self.name} does not compute colimits of finite diagrams",
            "Use a category that provides them (FinSet, MatQ, MatR) or declare the colimit yourself",
        )

    # --- generation, for the law checker --------------------------------------------
    def objects(self) -> SearchStrategy[Object]:
        """A hypothesis strategy for objects of this category."""
        raise CategoryError(f"{self.name} has no strategy for objects", "Implement objects()")

    def morphisms(self, dom: Object, cod: Object) -> SearchStrategy[Morphism]:
        """A hypothesis strategy for morphisms ``dom → cod`` (may be empty)."""
        raise CategoryError(f"{self.name} has no strategy for morphisms", "Implement morphisms()")

    def composable(self, length: int) -> SearchStrategy[tuple[Morphism, ...]]:
        """A strategy for chains ``f1 >> f2 >> … >> f_length`` of composable morphisms."""
        from hypothesis import strategies as st

        def chain(objs: tuple[Object, ...]) -> SearchStrategy[tuple[Morphism, ...]]:
            return st.tuples(*(self.morphisms(a, b) for a, b in itertools.pairwise(objs)))

        return st.tuples(*([self.objects()] * (length + 1))).flatmap(chain)

    # --- enumeration, for finite categories -----------------------------------------
    def enumerate_objects(self) -> Iterator[Object] | None:
        """All objects, when there are finitely many that are meant to be checked."""
        return None

    def hom(self, dom: Object, cod: Object) -> Iterable[Morphism] | None:
        """All morphisms ``dom → cod`` when there are few enough to enumerate, else None."""
        return None

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


def compose_all(morphisms: Iterable[Morphism]) -> Morphism:
    """Compose a non-empty chain of morphisms left to right.

    >>> from catdyn.categories.finset import FinSet
    >>> A = FinSet.object("A", 3)
    >>> s = FinSet.function("s", A, A, [1, 2, 0])
    >>> compose_all([s, s, s]) == FinSet.identity(A)
    True
    """
    items = list(morphisms)
    if not items:
        raise CompositionError("cannot compose an empty chain", "Give at least one morphism")
    out = items[0]
    for m in items[1:]:
        out = out >> m
    return out

