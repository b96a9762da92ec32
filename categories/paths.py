"""Path: the Moore path category of ℝⁿ, whose morphisms are discretised paths.

An object is a point of ℝⁿ (any ``n``; paths only join points of one dimension). A morphism
``p → q`` is a path sampled at ``k ≥ 1`` points, the first ``p`` and the last ``q``, at times
``0 = t_0 ≤ t_1 ≤ … ≤ t_{k−1} = T`` (its duration), read as the piecewise-linear curve
through them. The identity of ``p`` is the one-point path of duration 0; ``f >> g`` runs ``f``
then ``g``: its points are ``f``'s followed by ``g``'s without its first (which is ``f``'s
last), and ``g``'s times shifted by ``f``'s duration.

A path keeps the *durations of its steps*, not absolute times, so composition only
concatenates arrays and the identity and associativity laws hold with ``==`` — exactly, in
floating point (shifting absolute times would round: ``(0.3 + 0.2) + 0.1 != 0.3 + (0.2 + 0.1)``).
``times`` is the running sum of the steps.

The torch backend fills this category with training trajectories: :meth:`PathCategory.path`
takes the visited parameter vectors (times default to 0, 1, 2, …) and derives names for
the points at its ends.

>>> a = Path.point([0.0, 0.0], name="a")
>>> b = Path.point([1.0, 0.0], name="b")
>>> c = Path.point([1.0, 1.0], name="c")
>>> f = Path.path([[0, 0], [0.5, 0], [1, 0]], dom=a, cod=b, name="f")
>>> g = Path.path([[1, 0], [1, 1]], times=[0, 2], dom=b, cod=c, name="g")
>>> h = f >> g
>>> h.times.tolist(), h.duration
([0.0, 1.0, 2.0, 4.0], 4.0)
>>> (Path.identity(a) >> f) == f == (f >> Path.identity(b))
True
>>> h.at(3.0).tolist()
[1.0, 0.5]
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from catdyn.category import Category, Morphism, Object
from catdyn.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

ArrayLike = Sequence[float] | Sequence[Sequence[float]] | np.ndarray


def _frozen(data: Any, dtype: type = np.float64) -> np.ndarray:
    """A fresh read-only float array, with -0.0 turned into 0.0 (so equal points hash alike)."""
    arr = np.array(data, dtype=dtype) + 0.0
    arr.setflags(write=False)
    return arr


def point_name(coords: np.ndarray) -> str:
    """The name derived for an unnamed point: ``p`` and a short hash of its coordinates.

    >>> point_name(np.array([1.0, 2.0])) == point_name(np.array([1.0, 2.0]))
    True
    >>> point_name(np.array([1.0, 2.0]))[:1]
    'p'
    """
    arr = np.ascontiguousarray(np.asarray(coords, dtype=np.float64) + 0.0)
    digest = hashlib.blake2b(arr.tobytes() + str(arr.shape).encode(), digest_size=4).hexdigest()
    return f"p{digest}"


@dataclass(frozen=True, eq=False, repr=False)
class Point(Object):
    """A point of ℝⁿ: read-only float64 coordinates and a name (derived from the coordinates
    when not given, so unnamed points with equal coordinates are equal).

    >>> p = Point([1.0, 2.0])
    >>> p == Point([1.0, 2.0]), p == Point([1.0, 2.0], name="theta0"), p.dim
    (True, False, 2)
    """

    coords: np.ndarray
    name: str = None  # type: ignore[assignment]  # derived in __post_init__ when None

    def __post_init__(self) -> None:
        try:
            coords = _frozen(self.coords)
        except (TypeError, ValueError):
            raise DataError(
                f"point {self.name or '(unnamed)'} has coordinates {self.coords!r} that are not numbers",
                "Give a point as a flat sequence of numbers",
            ) from None
        name = self.name
        if coords.ndim != 1:
            raise DataError.array_shape("point", name or "(unnamed)", coords.shape, "a point is a flat vector (n,)")
        bad = int(np.count_nonzero(~np.isfinite(coords)))
        if bad:
            raise DataError.not_finite("point", name or "(unnamed)", bad)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "name", name if name is not None else point_name(coords))

    @property
    def category(self) -> PathCategory:
        return Path

    @property
    def dim(self) -> int:
        """The dimension ``n`` of the space the point lies in."""
        return int(self.coords.shape[0])

    def _key(self) -> Hashable:
        return (self.name, self.coords.shape, self.coords.tobytes())


@dataclass(frozen=True, eq=False, repr=False)
class DiscretePath(Morphism):
    """A path ``dom → cod``: ``points`` of shape ``(k, n)`` with ``points[0] = dom`` and
    ``points[-1] = cod`` exactly, and ``steps`` of shape ``(k − 1,)``, the non-negative
    durations between consecutive points. Arrays are copied and made read-only.

    Most code makes paths with :meth:`PathCategory.path`, which takes times instead.

    >>> a, b = Point([0.0]), Point([2.0])
    >>> γ = DiscretePath("γ", a, b, [[0.0], [1.0], [2.0]], [0.5, 0.5])
    >>> γ.times.tolist(), γ.length
    ([0.0, 0.5, 1.0], 2.0)
    """

    name: str
    dom: Point
    cod: Point
    points: np.ndarray
    steps: np.ndarray

    def __post_init__(self) -> None:
        try:
            points, steps = _frozen(self.points), _frozen(self.steps)
        except (TypeError, ValueError):
            raise DataError(
                f"path {self.name} has points or steps that are not arrays of numbers",
                "Give the points as a (k, n) array and the steps as a (k − 1,) array",
            ) from None
        n = self.dom.dim
        if points.ndim != 2 or points.shape[0] < 1 or points.shape[1] != n:
            raise DataError.array_shape(
                "path", self.name, points.shape,
                f"a path from {self.dom.name} (a point of ℝ^{n}) needs points of shape (k ≥ 1, {n})",
            )
        if steps.shape != (points.shape[0] - 1,):
            raise DataError.array_shape(
                "path", self.name, steps.shape,
                f"its {points.shape[0]} points need {points.shape[0] - 1} step durations "
                f"(or {points.shape[0]} times)",
            )
        for kind, arr in (("points of path", points), ("steps of path", steps)):
            bad = int(np.count_nonzero(~np.isfinite(arr)))
            if bad:
                raise DataError.not_finite(kind, self.name, bad)
        if steps.size and steps.min() < 0:
            i = int(np.argmax(steps < 0))
            raise DataError.path_times(self.name, f"decrease between points {i} and {i + 1} (step {steps[i]:g})")
        if not np.array_equal(points[0], self.dom.coords):
            raise DataError.path_end(self.name, "starts", points[0].tolist(), self.dom, self.dom.coords.tolist())
        if not np.array_equal(points[-1], self.cod.coords):
            raise DataError.path_end(self.name, "ends", points[-1].tolist(), self.cod, self.cod.coords.tolist())
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "steps", steps)

    @property
    def category(self) -> PathCategory:
        return Path

    def _data_key(self) -> Hashable:
        return (self.points.shape, self.points.tobytes(), self.steps.tobytes())

    @property
    def times(self) -> np.ndarray:
        """The sample times ``0, s_0, s_0 + s_1, …`` (the running sum of the steps)."""
        return np.concatenate(([0.0], np.cumsum(self.steps)))

    @property
    def duration(self) -> float:
        """The total time ``T`` (0 for an identity)."""
        return float(self.steps.sum()) if self.steps.size else 0.0

    @property
    def length(self) -> float:
        """The Euclidean arc length of the piecewise-linear curve."""
        return float(np.linalg.norm(np.diff(self.points, axis=0), axis=1).sum())

    def at(self, t: float) -> np.ndarray:
        """The point at time ``t`` (clamped to ``[0, T]``), interpolating linearly between
        samples; where two samples share a time (a jump) the later one is taken.

        >>> γ = Path.path([[0.0], [1.0], [3.0]])
        >>> γ.at(1.5).tolist(), γ.at(-1).tolist(), γ.at(9).tolist()
        ([2.0], [0.0], [3.0])
        """
        times = self.times
        t = float(np.clip(t, 0.0, times[-1]))
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i >= len(times) - 1:
            return self.points[-1].copy()
        w = (t - times[i]) / (times[i + 1] - times[i])  # > 0 width: side="right" skips ties
        return (1.0 - w) * self.points[i] + w * self.points[i + 1]


class PathCategory(Category):
    """The Moore path category of ℝⁿ (all ``n`` at once; use the instance ``Path``)."""

    name = "Path"

    # --- constructors -------------------------------------------------------------------
    def point(self, coords: ArrayLike, name: str | None = None) -> Point:
        """A point; unnamed points are named from a hash of their coordinates.

        >>> Path.point([0, 1], name="θ0").name
        'θ0'
        """
        return Point(coords, name)

    def path(
        self,
        points: ArrayLike,
        times: ArrayLike | None = None,
        *,
        name: str = "γ",
        dom: Point | None = None,
        cod: Point | None = None,
    ) -> DiscretePath:
        """The path through ``points`` (a sequence of k vectors, or a (k, n) array) at
        ``times`` (default 0, 1, …, k − 1; they must start at 0 and never decrease). Its
        ends are ``dom`` and ``cod`` when given (checked to be its first and last point),
        else unnamed points made from them.

        >>> γ = Path.path([[0, 0], [1, 1], [2, 1]])
        >>> γ.dom.coords.tolist(), γ.cod.coords.tolist(), γ.duration
        ([0.0, 0.0], [2.0, 1.0], 2.0)
        >>> Path.path([[0], [1]], times=[1, 2])
        Traceback (most recent call last):
        ...
        catdyn.errors.DataError: path γ has times that start at 1.0, not 0. A path's times start at 0 and never decrease (default: 0, 1, 2, …).
        """
        try:
            pts = np.array(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(
                f"path {name} has points that do not form a (k, n) array of numbers",
                "Give k points of the same dimension n",
            ) from None
        if pts.ndim != 2 or pts.shape[0] < 1:
            raise DataError.array_shape("path", name, pts.shape, "a path needs points of shape (k ≥ 1, n)")
        bad = int(np.count_nonzero(~np.isfinite(pts)))
        if bad:
            raise DataError.not_finite("points of path", name, bad)
        k = pts.shape[0]
        if times is None:
            steps = np.ones(k - 1)
        else:
            try:
                ts = np.array(times, dtype=np.float64)
            except (TypeError, ValueError):
                raise DataError.path_times(name, "are not numbers") from None
            if ts.shape != (k,):
                raise DataError.array_shape("path", name, ts.shape, f"its {k} points need {k} times")
            if not np.isfinite(ts).all():
                raise DataError.not_finite("times of path", name, int(np.count_nonzero(~np.isfinite(ts))))
            if ts[0] != 0:
                raise DataError.path_times(name, f"start at {float(ts[0])!r}, not 0")
            steps = np.diff(ts)
        dom = dom if dom is not None else Point(pts[0])
        cod = cod if cod is not None else Point(pts[-1])
        return DiscretePath(name, dom, cod, pts, steps)

    # --- structure ----------------------------------------------------------------------
    def identity(self, obj: Point) -> DiscretePath:  # type: ignore[override]
        return DiscretePath(f"id_{obj.name}", obj, obj, obj.coords[None, :], np.zeros(0))

    def compose(self, f: DiscretePath, g: DiscretePath) -> DiscretePath:  # type: ignore[override]
        return DiscretePath(
            f"{f.name} >> {g.name}",
            f.dom,
            g.cod,
            np.concatenate([f.points, g.points[1:]]),
            np.concatenate([f.steps, g.steps]),
        )

    # --- generation ---------------------------------------------------------------------
    def objects(self, dim: int = 2, grid: int = 2) -> SearchStrategy[Point]:  # type: ignore[override]
        """Unnamed points of the integer grid ``{−grid … grid}^dim``."""
        from hypothesis import strategies as st

        coords = st.lists(st.integers(-grid, grid), min_size=dim, max_size=dim)
        return coords.map(lambda c: Point(np.array(c, dtype=np.float64)))

    def morphisms(self, dom: Point, cod: Point, grid: int = 2) -> SearchStrategy[DiscretePath]:  # type: ignore[override]
        """Paths of 1 to 4 segments through grid points, with step durations drawn from
        values such as 0.1, 0.2, 0.3 whose sums round differently in different orders (and
        0, a pause)."""
        from hypothesis import strategies as st

        if dom.dim != cod.dim:
            return st.nothing()
        inner = st.lists(st.lists(st.integers(-grid, grid), min_size=dom.dim, max_size=dom.dim), max_size=3)
        durations = st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0])

        def build(via: list[list[int]]) -> SearchStrategy[DiscretePath]:
            pts = np.array([dom.coords, *via, cod.coords], dtype=np.float64).reshape(len(via) + 2, dom.dim)
            steps = st.lists(durations, min_size=len(via) + 1, max_size=len(via) + 1)
            return steps.map(lambda s: DiscretePath("γ", dom, cod, pts, np.array(s)))

        return inner.flatmap(build)

    def composable(self, length: int) -> SearchStrategy[tuple[DiscretePath, ...]]:  # type: ignore[override]
        """Chains of ``length`` composable paths in one dimension (1, 2 or 3, drawn first)."""
        from hypothesis import strategies as st

        def chain(objs: tuple[Point, ...]) -> SearchStrategy[tuple[DiscretePath, ...]]:
            return st.tuples(*(self.morphisms(a, b) for a, b in itertools.pairwise(objs)))

        return st.integers(1, 3).flatmap(
            lambda n: st.tuples(*([self.objects(n)] * (length + 1))).flatmap(chain)
        )


Path = PathCategory()
"""The path category of Euclidean space (a single instance)."""
