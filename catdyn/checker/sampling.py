"""What sampling may draw (the size knob) and what it did draw (per law).

A category's hypothesis strategies read the bounds of the check in progress at *draw* time
(:func:`bounds`), so one law object can be checked with different sizes; the checker sets
them from :class:`~catdyn.checker.law.CheckConfig` around each law (:func:`sampling`).

While a law is sampled, the arguments evaluated are summarised (:func:`record`): each
category says what matters about its objects and morphisms through an optional
``sample_features(x)`` method (FinSet: set sizes; Mat: dimensions and matrix kinds such as
``zero``, ``singular``, ``invertible``; Perm: factor sizes), so the report can say what was
drawn — the sizes a "held" verdict stands on.

>>> bounds().max_size
8
>>> with sampling(Bounds(max_size=3)) as drawn:
...     bounds().max_size
3
>>> bounds().max_size
8
>>> from catdyn.categories.finset import FinSet
>>> drawn = Drawn()
>>> drawn.add((FinSet.object("A", 0), FinSet.object("B", 5)))
>>> drawn.summary()
(('set sizes', '0, 5'),)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_SIZE = 8
"""Largest finite set (and cone, and permutation factor) drawn by default."""

DEFAULT_MAX_DIM = 4
"""Largest vector-space dimension drawn by default."""


@dataclass(frozen=True)
class Bounds:
    """Sizes sampling may draw: finite sets (FinSet objects, cones over finite sets, factors
    of symmetric groups) of ``0 … max_size`` elements, vector spaces of ``0 … max_dim``.

    >>> Bounds().max_dim
    4
    """

    max_size: int = DEFAULT_MAX_SIZE
    max_dim: int = DEFAULT_MAX_DIM


_BOUNDS: contextvars.ContextVar[Bounds] = contextvars.ContextVar(
    "catdyn_sampling_bounds", default=Bounds()  # noqa: B039 - a frozen dataclass
)
_DRAWN: contextvars.ContextVar[Drawn | None] = contextvars.ContextVar("catdyn_sampling_drawn", default=None)


def bounds() -> Bounds:
    """The bounds of the check in progress (the defaults outside one)."""
    return _BOUNDS.get()


@dataclass
class Drawn:
    """Features of the evaluated arguments of one law: ``feature → set of values``."""

    features: dict[str, set[Any]] = field(default_factory=dict)
    count: int = 0

    def add(self, args: Any) -> None:
        """Record every object and morphism found in ``args`` (tuples, lists, cones)."""
        self.count += 1
        for x in _things(args, 0):
            cat = getattr(x, "category", None)
            features = getattr(cat, "sample_features", None)
            if features is None:
                continue
            try:
                found = features(x)
            except Exception:  # a feature is a courtesy: never fail a law over it
                continue
            for key, value in found.items():
                self.features.setdefault(key, set()).add(value)

    def summary(self) -> tuple[tuple[str, str], ...]:
        """``(feature, values)`` pairs, values sorted and joined (integer runs as ``a–b``)."""
        return tuple((k, _values(v)) for k, v in sorted(self.features.items()))


def _things(x: Any, depth: int) -> Iterator[Any]:
    from catdyn.category import Morphism, Object

    if depth > 4:
        return
    if isinstance(x, (tuple, list)):
        for v in x:
            yield from _things(v, depth + 1)
    elif isinstance(x, Morphism):
        yield x
        yield x.dom
        yield x.cod
    elif isinstance(x, Object):
        yield x
    elif hasattr(x, "cospan") and hasattr(x, "left") and hasattr(x, "right"):  # a cone
        yield from _things((x.left, x.right), depth + 1)


def _values(values: set[Any]) -> str:
    if values and all(isinstance(v, int) for v in values):
        ordered = sorted(values)
        runs: list[str] = []
        start = prev = ordered[0]
        for v in [*ordered[1:], None]:  # type: ignore[list-item]
            if v is not None and v == prev + 1:
                prev = v
                continue
            runs.append(str(start) if start == prev else f"{start}–{prev}" if prev > start + 1 else f"{start}, {prev}")
            if v is not None:
                start = prev = v
        return ", ".join(runs)
    return ", ".join(sorted(str(v) for v in values))


def record(args: Any) -> None:
    """Summarise an evaluated argument tuple into the law being checked (if any)."""
    drawn = _DRAWN.get()
    if drawn is not None:
        drawn.add(args)


@contextlib.contextmanager
def sampling(limits: Bounds | None = None) -> Iterator[Drawn]:
    """Set the bounds for the strategies drawn inside, and collect what was drawn."""
    drawn = Drawn()
    t1 = _BOUNDS.set(limits or Bounds())
    t2 = _DRAWN.set(drawn)
    try:
        yield drawn
    finally:
        _DRAWN.reset(t2)
        _BOUNDS.reset(t1)
