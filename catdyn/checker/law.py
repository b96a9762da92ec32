"""Laws as equation objects, their results, and the functions that check them.

A :class:`Law` is an equation ``lhs(*args) = rhs(*args)`` over argument tuples. It says how
its arguments come: ``arguments`` (a hypothesis strategy of tuples, for sampling),
``enumerate`` (every argument tuple, for small finite data: a proof) and ``symbolic``
(argument tuples with sympy symbols: a proof by simplification). ``compare`` decides
whether two sides agree and returns a :class:`~catdyn.category.Comparison`; the default,
:func:`compare_values`, is exact (morphisms by their category's ``compare``), and
:func:`approx` gives a numeric tolerance for numpy arrays or torch tensors (torch is not
imported).

:func:`check_law` tries the engines in order — exhaustive, symbolic, hypothesis — and
returns a :class:`LawResult`: ``proved``, ``held`` (on ``examples`` samples, with the
largest ``residual``), ``refuted`` (with a shrunk :class:`Counterexample` showing both
sides) or ``error`` (with an :class:`ErrorInfo`). Nothing is printed.

A numeric law, as the torch backend writes one (here ``double`` against a sloppy copy):

>>> import numpy as np
>>> from hypothesis import strategies as st
>>> vectors = st.lists(st.integers(-5, 5), min_size=1, max_size=4).map(np.array)
>>> law = Law(
...     "double is adding to itself", suite="numeric",
...     lhs=lambda v: 2.0 * v, rhs=lambda v: v + v * (1 + 1e-9),
...     arguments=vectors.map(lambda v: (v,)), argnames=("v",),
...     compare=approx(atol=1e-6),
... )
>>> result = check_law(law, CheckConfig(examples=50, seed=0))
>>> result.status, result.comparison, result.examples
('held', 'tolerance', 50)
>>> result.residual < 1e-6
True

A false law is refuted with the smallest counterexample hypothesis finds:

>>> bad = Law("square is doubling", "numeric", lambda n: n * n, lambda n: 2 * n,
...           arguments=st.tuples(st.integers(0, 100)), argnames=("n",))
>>> r = check_law(bad, CheckConfig(examples=100, seed=0))
>>> r.status, r.counterexample.arguments, r.counterexample.lhs, r.counterexample.rhs
('refuted', (('n', '1'),), '1', '2')

Small finite data is enumerated, which proves the law:

>>> law = Law("n + 0 = n", "numeric", lambda n: n + 0, lambda n: n,
...           enumerate=lambda: [(n,) for n in range(10)])
>>> check_law(law).status, check_law(law).engine
('proved', 'exhaustive')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from catdyn.category import Comparison, Morphism

if TYPE_CHECKING:  # pragma: no cover
    from hypothesis.strategies import SearchStrategy

Status = Literal["proved", "held", "refuted", "error"]
Engine = Literal["exhaustive", "symbolic", "hypothesis", "none"]
Compare = Callable[[Any, Any], Comparison]

ENGINES: tuple[str, ...] = ("exhaustive", "symbolic", "hypothesis")
"""Every engine, in the order they are tried."""


# --- comparisons ----------------------------------------------------------------------------
def _as_array(x: Any) -> Any:
    """A numpy array from an array, a tensor (via ``detach().cpu().numpy()``) or a number."""
    import numpy as np

    if hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _is_sympy(x: Any) -> bool:
    return type(x).__module__.startswith("sympy")


def compare_values(lhs: Any, rhs: Any) -> Comparison:
    """Exact comparison of two sides: morphisms by their category (with its tolerance, if it
    has one), sympy values by simplifying the difference, arrays entrywise, tuples and
    lists item by item, anything else by ``==``.

    >>> compare_values((1, 2), (1, 2)).equal
    True
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> compare_values((x + 1) ** 2, x**2 + 2 * x + 1)
    Comparison(equal=True, residual=0.0, exact=True)
    """
    if isinstance(lhs, Morphism) and isinstance(rhs, Morphism):
        if lhs.category != rhs.category or lhs.dom != rhs.dom or lhs.cod != rhs.cod:
            return Comparison(False, math.inf, exact=True)
        return lhs.category.compare(lhs, rhs)
    if isinstance(lhs, (tuple, list)) and isinstance(rhs, (tuple, list)):
        if len(lhs) != len(rhs):
            return Comparison(False, math.inf, exact=True)
        parts = [compare_values(a, b) for a, b in zip(lhs, rhs)]
        return Comparison(
            all(p.equal for p in parts),
            max((p.residual for p in parts), default=0.0),
            all(p.exact for p in parts),
        )
    if _is_sympy(lhs) or _is_sympy(rhs):
        from catdyn.checker.symbolic import is_zero

        try:
            zero = is_zero(lhs - rhs)
        except (TypeError, ValueError, AttributeError):  # shapes differ, or not subtractable
            return Comparison(False, math.inf, exact=True)
        return Comparison(zero, 0.0 if zero else 1.0, exact=True)
    if hasattr(lhs, "shape") or hasattr(rhs, "shape"):
        import numpy as np

        a, b = _as_array(lhs), _as_array(rhs)
        if a.shape != b.shape:
            return Comparison(False, math.inf, exact=True)
        same = bool(np.array_equal(a, b))
        if same or not (np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)):
            return Comparison(same, 0.0 if same else 1.0, exact=True)
        return Comparison(False, float(np.max(np.abs(a.astype(float) - b.astype(float)))), exact=True)
    same = bool(lhs == rhs)
    return Comparison(same, 0.0 if same else 1.0, exact=True)


def approx(rtol: float = 1e-6, atol: float = 1e-8) -> Compare:
    """A comparison with a numeric tolerance, for numpy arrays, torch tensors, numbers, or
    tuples of them: equal when ``|lhs − rhs| ≤ atol + rtol·|rhs|`` entrywise (and no NaN);
    the residual is the largest ``|lhs − rhs|``. Shapes must agree exactly.

    >>> import numpy as np
    >>> close = approx(atol=1e-3)
    >>> c = close(np.array([1.0, 2.0]), np.array([1.0, 2.0005]))
    >>> c.equal, round(c.residual, 6), c.exact
    (True, 0.0005, False)
    >>> close(np.zeros(2), np.zeros(3)).equal
    False
    """
    import numpy as np

    def compare(lhs: Any, rhs: Any) -> Comparison:
        if isinstance(lhs, (tuple, list)) and isinstance(rhs, (tuple, list)):
            if len(lhs) != len(rhs):
                return Comparison(False, math.inf, exact=False)
            parts = [compare(a, b) for a, b in zip(lhs, rhs)]
            return Comparison(
                all(p.equal for p in parts), max((p.residual for p in parts), default=0.0), False
            )
        a = _as_array(lhs).astype(np.float64)
        b = _as_array(rhs).astype(np.float64)
        if a.shape != b.shape:
            return Comparison(False, math.inf, exact=False)
        if a.size == 0:
            return Comparison(True, 0.0, exact=False)
        diff = np.abs(a - b)
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            same_nonfinite = bool(np.array_equal(a, b, equal_nan=False))
            return Comparison(same_nonfinite, math.inf if not same_nonfinite else 0.0, exact=False)
        ok = bool(np.all(diff <= atol + rtol * np.abs(b)))
        return Comparison(ok, float(diff.max()), exact=False)

    compare.__name__ = f"approx(rtol={rtol:g}, atol={atol:g})"
    return compare


# --- the law --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Law:
    """An equation ``lhs(*args) = rhs(*args)`` and the ways to obtain ``args``.

    - ``arguments``: a hypothesis strategy of argument tuples (sampled, shrunk on failure);
    - ``enumerate``: returns every argument tuple (a complete enumeration, smallest first),
      or ``None`` when there are too many — a complete pass proves the law;
    - ``symbolic``: returns argument tuples holding sympy symbols; the sides are simplified;
      ``symbolic_covers_all`` says whether those tuples cover every case the law is about
      (False for a selection, e.g. generic matrices of dimensions 1–3 standing for all of
      MatQ: then a symbolic pass proves only those cases, sampling still runs, and the law
      is at best ``held``);
    - ``boundary``: argument tuples the sampling engine always evaluates before drawing
      (the edge cases a random draw may miss: the empty cone, a cone as large as the apex);
    - ``compare``: decides agreement (default exact, :func:`compare_values`; :func:`approx`
      for a tolerance);
    - ``argnames``: names shown in a counterexample; ``statement``: the equation in words;
      ``subject``: the spec's thing the law is about; ``where``: ``file:line`` in the spec.

    >>> Law("id", "category", lambda f: f, lambda f: f).argnames
    ()
    """

    name: str
    suite: str
    lhs: Callable[..., Any]
    rhs: Callable[..., Any]
    arguments: SearchStrategy[tuple[Any, ...]] | None = None
    enumerate: Callable[[], Iterable[tuple[Any, ...]] | None] | None = None
    symbolic: Callable[[], Iterable[tuple[Any, ...]] | None] | None = None
    symbolic_covers_all: bool = True
    boundary: Callable[[], Iterable[tuple[Any, ...]]] | None = None
    compare: Compare = compare_values
    argnames: tuple[str, ...] = ()
    statement: str = ""
    subject: str = ""
    where: str = ""

    def sides(self, args: tuple[Any, ...]) -> tuple[Any, Any]:
        """Both sides at ``args``.

        >>> Law("twice", "numeric", lambda n: n + n, lambda n: 2 * n).sides((3,))
        (6, 6)
        """
        return self.lhs(*args), self.rhs(*args)

    def at(self, where: str, subject: str | None = None) -> Law:
        """This law with a location (and optionally a subject) attached.

        >>> Law("l", "numeric", abs, abs).at("spec.py:3", "F").where
        'spec.py:3'
        """
        from dataclasses import replace

        return replace(self, where=where, subject=self.subject if subject is None else subject)


# --- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Counterexample:
    """Arguments where a law fails (``(name, shown value)`` pairs), both sides shown, the
    residual between them, and an optional ``detail`` (e.g. where two functions differ).

    >>> Counterexample((("f", "f: A → B"),), "1", "2", 1.0).arguments[0][0]
    'f'
    """

    arguments: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    residual: float
    detail: str = ""


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised while checking a law: its type, message, the arguments it was
    raised at (when known) and the traceback (shown with ``--debug``).

    >>> ErrorInfo("ValueError", "bad").type
    'ValueError'
    """

    type: str
    message: str
    arguments: tuple[tuple[str, str], ...] = ()
    traceback: str = ""


@dataclass(frozen=True)
class LawResult:
    """The outcome of checking one law.

    ``examples`` is how many argument tuples were evaluated (before the first failure, for
    a refutation); ``residual`` the largest residual among them (the counterexample's, when
    refuted); ``comparison`` is ``"exact"`` or ``"tolerance"``; ``engine`` the engine that
    decided. ``drawn`` says what the evaluated arguments covered (``("set sizes", "0–8")``,
    ``("matrix kinds", "invertible, singular, zero")``…); ``notes`` why an engine gave way
    (e.g. a symbolic pass that could not count as a proof). ``ok`` is true for proved and
    held.

    >>> LawResult("l", "numeric", "proved", "exhaustive").ok
    True
    """

    law: str
    suite: str
    status: Status
    engine: Engine
    comparison: Literal["exact", "tolerance"] = "exact"
    examples: int = 0
    residual: float = 0.0
    counterexample: Counterexample | None = None
    error: ErrorInfo | None = None
    subject: str = ""
    statement: str = ""
    where: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    drawn: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("proved", "held")


@dataclass(frozen=True)
class CheckConfig:
    """How to check: ``examples`` per sampled law, ``seed`` (``None``: random; an integer
    makes hypothesis deterministic), which ``engines`` may run (in :data:`ENGINES` order),
    the most cases the exhaustive engine will enumerate before giving way, the sizes
    sampling draws (finite sets, cones and permutation factors of ``0 … max_size``
    elements; vector spaces of ``0 … max_dim`` dimensions) and ``timeout``, the seconds a
    law may run before it is stopped with an ``error`` verdict (``None``: no limit).

    >>> CheckConfig(examples=10).engines
    ('exhaustive', 'symbolic', 'hypothesis')
    >>> CheckConfig().max_size, CheckConfig().max_dim
    (8, 4)
    """

    examples: int = 100
    seed: int | None = None
    engines: tuple[str, ...] = ENGINES
    max_cases: int = 20_000
    max_size: int = 8
    max_dim: int = 4
    timeout: float | None = None


def check_law(law: Law, config: CheckConfig | None = None) -> LawResult:
    """Check one law with the engines of ``config`` (see the module docstring)."""
    from catdyn.checker.engines import run_engines

    return run_engines(law, config or CheckConfig())


def check_laws(laws: Sequence[Law] | Iterable[Law], config: CheckConfig | None = None) -> list[LawResult]:
    """Check every law, in order.

    >>> rs = check_laws([Law("a", "numeric", abs, abs, enumerate=lambda: [(-1,), (1,)])])
    >>> [r.status for r in rs]
    ['proved']
    """
    cfg = config or CheckConfig()
    return [check_law(law, cfg) for law in laws]
