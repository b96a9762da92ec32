"""Para and Learn: parametrised maps and learners, after Fong, Spivak and Tuyéras,
"Backprop as Functor: A compositional perspective on supervised learning" (LICS 2019).

**Para.** A morphism ``A → B`` is a parametrised map: a parameter space ``P`` and an
implementation ``I: P × A → B``. Composition puts parameters side by side:
``(P, I) >> (Q, J) = (P × Q, ((p, q), a) ↦ J(q, I(p, a)))``; the identity has the one-point
parameter space ``()`` and ``I((), a) = a``. (The paper's morphisms are equivalence classes
under reparametrisation; here a composite's parameter is the pair ``(p, q)``.)

**Learn.** A learner ``A → B`` is ``(P, I, U, r)``: parameters ``P``, implementation
``I: P × A → B``, update ``U: P × A × B → P`` and request ``r: P × A × B → A``. Given a
training pair ``(a, b)`` the learner updates its parameter to ``U(p, a, b)`` and asks its
input to have been ``r(p, a, b)``. Learners ``(P, I, U, r): A → B`` and ``(Q, J, V, s): B → C``
compose (the paper's composition rule) to ``(P × Q, I∗J, U∗V, r∗s)`` with, writing
``b = I(p, a)`` and ``b' = s(q, b, c)`` (what the second learner asks its input to have been):

- ``(I∗J)((p, q), a) = J(q, b)``;
- ``(U∗V)((p, q), a, c) = (U(p, a, b'), V(q, b, c))``;
- ``(r∗s)((p, q), a, c) = r(p, a, b')``.

The identity learner has ``P = ()``, ``I((), a) = a``, ``U((), a, b) = ()`` and
``r((), a, b) = b``. Nothing here knows about gradients: the functor ``Para → Learn`` for a
step size and an error function (gradient descent and backpropagation) is realised on torch
in :mod:`catdyn.backends.torch.functors.learners`.

A learner that memorises: its parameter is the last target it saw, and it asks for nothing new.

>>> R = Space("R", ())
>>> remember = Learner("remember", R, R, lambda p, a: p, lambda p, a, b: b, lambda p, a, b: a)
>>> double = Learner("double", R, R, lambda p, a: 2 * a, lambda p, a, b: p, lambda p, a, b: b / 2)
>>> both = double >> remember
>>> both.implement((None, 7), 1), both.update((None, 7), 1, 5), both.request((None, 7), 1, 5)
(7, (None, 5), 1.0)
>>> ident = Learn.identity(R) >> double
>>> ident.implement(((), None), 3), ident.request(((), None), 3, 10)
(6, 5.0)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from catdyn.category import Category, Morphism, Object

Implement = Callable[[Any, Any], Any]
Update = Callable[[Any, Any, Any], Any]
Request = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True, eq=False, repr=False)
class Space(Object):
    """A named Euclidean space of arrays of a given ``shape`` (the shape of one value, the batch
    included when a learner trains on a batch at once). Shared by Para and Learn.

    >>> Space("X", (4, 3)).shape
    (4, 3)
    >>> R, S = Space("R", ()), Space("S", (2,))
    >>> ParaMap("f", R, S, lambda p, a: a) >> ParaMap("g", R, R, lambda p, a: a)
    Traceback (most recent call last):
    ...
    catdyn.errors.CompositionError: cannot compose f >> g: f ends at S but g starts at R. ...
    """

    name: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))

    @property
    def category(self) -> Category:
        return Learn

    def _key(self) -> Hashable:
        return (self.name, self.shape)


# --- Para ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ParaMap(Morphism):
    """A parametrised map ``I: P × A → B`` (``implement(p, a)``); ``parts`` lists the maps it
    was composed from (itself, for a generator), so a functor can act generator by generator.

    >>> R = Space("R", ())
    >>> scale = ParaMap("scale", R, R, lambda p, a: p * a)
    >>> (scale >> scale).implement((2, 3), 1)
    6
    """

    name: str
    dom: Space
    cod: Space
    implement: Implement
    parts: tuple[ParaMap, ...] = ()

    @property
    def category(self) -> Category:
        return Para

    def _data_key(self) -> Hashable:
        return (self.implement, tuple(id(p) for p in self.parts))

    @property
    def generators(self) -> tuple[ParaMap, ...]:
        """The generators this map is a composite of, in order (itself when it is one)."""
        return self.parts or (self,)


class ParaCategory(Category):
    """Parametrised maps between spaces (use the instance ``Para``)."""

    name = "Para"

    def identity(self, obj: Space) -> ParaMap:  # type: ignore[override]
        return ParaMap(f"id_{obj.name}", obj, obj, lambda p, a: a)

    def compose(self, f: ParaMap, g: ParaMap) -> ParaMap:  # type: ignore[override]
        fi, gi = f.implement, g.implement
        return ParaMap(
            f"{f.name} >> {g.name}",
            f.dom,
            g.cod,
            lambda pq, a: gi(pq[1], fi(pq[0], a)),
            (*f.generators, *g.generators),
        )


# --- Learn --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Learner(Morphism):
    """A learner ``(P, I, U, r): A → B`` (see the module docstring)."""

    name: str
    dom: Space
    cod: Space
    implement: Implement
    update: Update
    request: Request

    @property
    def category(self) -> Category:
        return Learn

    def _data_key(self) -> Hashable:
        return (self.implement, self.update, self.request)


class LearnCategory(Category):
    """Learners and the paper's composition (use the instance ``Learn``).

    >>> R = Space("R", ())
    >>> i = Learn.identity(R)
    >>> i.implement((), 4), i.update((), 4, 5), i.request((), 4, 5)
    (4, (), 5)
    """

    name = "Learn"

    def identity(self, obj: Space) -> Learner:  # type: ignore[override]
        return Learner(f"id_{obj.name}", obj, obj, lambda p, a: a, lambda p, a, b: (), lambda p, a, b: b)

    def compose(self, f: Learner, g: Learner) -> Learner:  # type: ignore[override]
        def implement(pq: Any, a: Any) -> Any:
            return g.implement(pq[1], f.implement(pq[0], a))

        def asked(pq: Any, a: Any, c: Any) -> tuple[Any, Any]:
            b = f.implement(pq[0], a)
            return b, g.request(pq[1], b, c)

        def update(pq: Any, a: Any, c: Any) -> tuple[Any, Any]:
            b, wanted = asked(pq, a, c)
            return (f.update(pq[0], a, wanted), g.update(pq[1], b, c))

        def request(pq: Any, a: Any, c: Any) -> Any:
            return f.request(pq[0], a, asked(pq, a, c)[1])

        return Learner(f"{f.name} >> {g.name}", f.dom, g.cod, implement, update, request)


Para = ParaCategory()
"""The category of parametrised maps (a single instance)."""

Learn = LearnCategory()
"""The category of learners (a single instance)."""
