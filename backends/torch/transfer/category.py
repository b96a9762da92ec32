"""Sampled spaces and maps: the category in which the learning pullbacks of catdyn live.

A parameter space, a representation space or a data domain is too large to enumerate, so an
object of :data:`Sampled` is a *named* space carrying a finite tuple of **witness points**
(parameter dicts, activation matrices, input vectors, pairs of these); a morphism is a Python
function between spaces. Composition is function composition. Equality of two parallel maps
is decided on the witnesses of their domain, within a tolerance, and the largest distance is
reported as the residual — so "the square commutes" and "the cone factors" are statements
that can fail, with a number attached.

Distances between points are Euclidean (Frobenius) over every number a point holds: tensors,
numpy arrays, floats, and dicts / tuples of them (a parameter dict is one long vector). Two
points of different structure are at distance ``inf``.

Objects compare by name (the witnesses are evidence, not identity); maps compare by their
function, so ``==`` is identity of code and :meth:`SampledCategory.compare` is the numerical
equality the laws use.

>>> import torch
>>> R = Sampled.space("R", [torch.tensor([1.0]), torch.tensor([-2.0])])
>>> double = Sampled.map("double", R, R, lambda x: 2 * x)
>>> twice = Sampled.map("twice", R, R, lambda x: x + x)
>>> Sampled.compare(double, twice).equal
True
>>> c = Sampled.compare(double >> double, Sampled.identity(R))
>>> c.equal, c.residual
(False, 6.0)
>>> theta = Sampled.point("θ", R, torch.tensor([3.0]))   # a global element 1 → R
>>> (theta >> double)(())
tensor([6.])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catdyn.category import Category, Comparison, Morphism, Object


def flatten_point(x: Any) -> np.ndarray:
    """Every number a point holds, as one float64 vector (dict entries in sorted key order).

    >>> import torch
    >>> flatten_point({"b": torch.tensor([1.0, 2.0]), "a": 3.0}).tolist()
    [3.0, 1.0, 2.0]
    >>> flatten_point(((), np.eye(2))).tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    if isinstance(x, Mapping):
        parts = [flatten_point(x[k]) for k in sorted(x)]
    elif isinstance(x, (tuple, list)):
        parts = [flatten_point(v) for v in x]
    elif hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().cpu().double().numpy().ravel()
    else:
        return np.asarray(x, dtype=np.float64).ravel()
    return np.concatenate(parts) if parts else np.zeros(0)


def _structure(x: Any) -> Hashable:
    if isinstance(x, Mapping):
        return ("dict", tuple((k, _structure(x[k])) for k in sorted(x)))
    if isinstance(x, (tuple, list)):
        return ("seq", tuple(_structure(v) for v in x))
    return ("leaf", tuple(getattr(x, "shape", np.shape(x))))


def point_distance(a: Any, b: Any) -> float:
    """Euclidean distance between two points of the same structure; ``inf`` otherwise.

    >>> point_distance({"w": np.array([0.0, 3.0])}, {"w": np.array([4.0, 0.0])})
    5.0
    >>> point_distance(np.zeros(2), np.zeros(3))
    inf
    """
    if _structure(a) != _structure(b):
        return math.inf
    d = flatten_point(a) - flatten_point(b)
    return float(np.sqrt(np.dot(d, d))) if d.size else 0.0


def point_norm(a: Any) -> float:
    """The Euclidean norm of everything a point holds.

    >>> point_norm((np.array([3.0]), np.array([4.0])))
    5.0
    """
    v = flatten_point(a)
    return float(np.sqrt(np.dot(v, v))) if v.size else 0.0


@dataclass(frozen=True, eq=False, repr=False)
class Space(Object):
    """A named space with a finite tuple of witness points (where maps are compared).

    >>> Sampled.space("Θ", [1.0, 2.0]).points
    (1.0, 2.0)
    """

    name: str
    points: tuple[Any, ...]
    cat: SampledCategory

    @property
    def category(self) -> SampledCategory:
        return self.cat

    def _key(self) -> Hashable:
        return (self.name, self.cat.name)

    def with_points(self, points: Iterable[Any]) -> Space:
        """The same space (equal to this one) with other witnesses.

        >>> Sampled.space("A", [1]).with_points([2, 3]).points
        (2, 3)
        """
        return Space(self.name, tuple(points), self.cat)


@dataclass(frozen=True)
class _Composite:
    first: Callable[[Any], Any]
    second: Callable[[Any], Any]

    def __call__(self, x: Any) -> Any:
        return self.second(self.first(x))


@dataclass(frozen=True, eq=False)
class _Constant:
    value: Any

    def __call__(self, _x: Any) -> Any:
        return self.value


@dataclass(frozen=True)
class _Pairing:
    left: Callable[[Any], Any]
    right: Callable[[Any], Any]

    def __call__(self, x: Any) -> Any:
        return (self.left(x), self.right(x))


def _identity(x: Any) -> Any:
    return x


@dataclass(frozen=True, eq=False, repr=False)
class Map(Morphism):
    """A function ``dom → cod`` between sampled spaces; call it on a point.

    >>> A = Sampled.space("A", [1, 2])
    >>> Sampled.map("inc", A, A, lambda x: x + 1)(4)
    5
    """

    name: str
    dom: Space
    cod: Space
    fn: Callable[[Any], Any]

    @property
    def category(self) -> SampledCategory:
        return self.dom.cat

    def _data_key(self) -> Hashable:
        return self.fn

    def __call__(self, x: Any) -> Any:
        return self.fn(x)


class SampledCategory(Category):
    """Spaces with witnesses and functions between them; equality within
    ``atol + rtol · ‖rhs‖`` on the domain's witnesses (use the instance :data:`Sampled`, or
    make one with other tolerances).

    >>> loose = SampledCategory(atol=0.5)
    >>> A = loose.space("A", [0.0])
    >>> loose.compare(loose.map("f", A, A, lambda x: x + 0.4), loose.identity(A)).equal
    True
    """

    def __init__(self, atol: float = 1e-6, rtol: float = 1e-6, name: str = "Sampled") -> None:
        self.atol = float(atol)
        self.rtol = float(rtol)
        self.name = name
        self.one = Space("1", ((),), self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SampledCategory) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("SampledCategory", self.name))

    # --- constructors ------------------------------------------------------------------------
    def space(self, name: str, points: Iterable[Any] = ()) -> Space:
        """A space named ``name`` with the given witness points."""
        return Space(name, tuple(points), self)

    def map(self, name: str, dom: Space, cod: Space, fn: Callable[[Any], Any]) -> Map:
        """The morphism ``dom → cod`` computed by ``fn``."""
        return Map(name, dom, cod, fn)

    def point(self, name: str, obj: Space, value: Any) -> Map:
        """The global element ``1 → obj`` picking ``value`` (the terminal object ``1`` has the
        single point ``()``).

        >>> A = Sampled.space("A")
        >>> Sampled.point("a", A, 7).dom.name
        '1'
        """
        return Map(name, self.one, obj, _Constant(value))

    def pairing(self, name: str, left: Map, right: Map, cod: Space) -> Map:
        """``⟨left, right⟩: X → cod``, ``x ↦ (left(x), right(x))`` (``cod`` holds pairs).

        >>> A = Sampled.space("A", [1])
        >>> AA = Sampled.space("A×A")
        >>> Sampled.pairing("⟨id, id⟩", Sampled.identity(A), Sampled.identity(A), AA)(5)
        (5, 5)
        """
        return Map(name, left.dom, cod, _Pairing(left.fn, right.fn))

    # --- structure -----------------------------------------------------------------------------
    def identity(self, obj: Space) -> Map:  # type: ignore[override]
        return Map(f"id_{obj.name}", obj, obj, _identity)

    def compose(self, f: Map, g: Map) -> Map:  # type: ignore[override]
        return Map(f"{f.name} >> {g.name}", f.dom, g.cod, _Composite(f.fn, g.fn))

    def distance_on(self, f: Map, g: Map, points: Sequence[Any]) -> tuple[float, bool]:
        """The largest distance between ``f`` and ``g`` on ``points`` and whether every point
        is within tolerance."""
        worst, ok = 0.0, True
        for x in points:
            a, b = f(x), g(x)
            d = point_distance(a, b)
            worst = max(worst, d)
            ok = ok and d <= self.atol + self.rtol * point_norm(b)
        return worst, ok

    def compare(self, f: Morphism, g: Morphism) -> Comparison:
        """Equal when the two maps agree on every witness of their domain within tolerance;
        ``residual`` is the largest distance. Maps with different ends are never equal."""
        if not isinstance(f, Map) or not isinstance(g, Map) or f.dom != g.dom or f.cod != g.cod:
            return Comparison(False, math.inf, exact=False)
        if f.fn is g.fn:
            return Comparison(True, 0.0, exact=False)
        worst, ok = self.distance_on(f, g, f.dom.points)
        return Comparison(ok, worst, exact=False)


Sampled = SampledCategory()
"""The default instance: tolerance ``1e-6`` absolute plus ``1e-6`` relative."""
