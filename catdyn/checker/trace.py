"""Tracing a symbolic evaluation, so that a symbolic pass counts as a proof only when it is one.

A law evaluated at matrices of symbols proves the law for *every* matrix only if evaluating
it at concrete entries computes the same expressions with the entries substituted. That
holds for a straight-line program of ring operations (``+``, ``−``, ``×``, non-negative
integer powers) on the entries. It fails as soon as the program

- **branches on a symbolic value**: asks sympy whether an expression in the symbols is zero,
  positive, an integer… (rank, row reduction, pseudo-inverses, ``if m[0, 0] == 0``,
  ``if expr:``) — generic symbols answer "unknown", so only one branch is ever evaluated;
- **divides by an expression in the symbols**, or raises one to a negative or fractional
  power (undefined where it vanishes, though it may cancel away symbolically);
- **applies a function** (``sin``, ``Abs``, ``Piecewise``…) to an expression in the symbols.

:func:`tracing` watches one evaluation for these events. The symbols the checker generates
are :class:`Generic` (a fresh sympy ``Dummy`` that reports every assumption query made
about it while tracing). A query (a branch inside sympy's algorithms) stops the evaluation at once
with :class:`Branched`: it can only be sampled, and sympy's generic algorithms can be slow.
A comparison or truth test of an expression in the symbols, a division and a function
application are recorded and the evaluation goes on: the result cannot prove the law, but
a non-zero difference may still refute it (the engine confirms every refutation on concrete
values). After the evaluation, both sides must also be polynomials in the symbols.

>>> import sympy
>>> x, y = Generic("x", rational=True), Generic("y", rational=True)
>>> with tracing() as t:
...     _ = (x + y) ** 2 - x * y
>>> t.events
[]
>>> with tracing() as t:
...     _ = x / y
>>> t.events
['divides by y']

Row reduction (``Matrix.rank``) asks whether a pivot is zero and stops the evaluation with
:class:`Branched`; ``tests/checker/test_trace_fresh_process.py`` shows it in a fresh process.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

import sympy
from sympy.core.function import Application

_assumptions_module = importlib.import_module("sympy.core.assumptions")  # the name is shadowed by a function

_state = threading.local()

_FACTS = (
    "zero nonzero positive negative nonnegative nonpositive extended_positive extended_negative "
    "extended_nonzero extended_nonnegative extended_nonpositive extended_real real integer rational "
    "irrational noninteger even odd prime composite finite infinite algebraic transcendental imaginary "
    "complex hermitian antihermitian polar"
).split()


class Branched(BaseException):
    """A traced evaluation asked a question about the value of a symbol (it branches)."""


class Trace:
    """The events of one traced evaluation (see the module docstring)."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.function_depth = 0

    def note(self, event: str) -> None:
        if event not in self.events:
            self.events.append(event)


def _current() -> Trace | None:
    return getattr(_state, "trace", None)


_ASSUMPTION_MACHINERY = ("sympy.core.assumptions", "sympy.core.logic", "sympy.core.facts", __name__)
_CANONICAL_ARITHMETIC = ("sympy.core.mul", "sympy.core.add", "sympy.core.power", "sympy.core.operations")


def _asked_by_arithmetic() -> bool:
    """Whether the assumption query in progress comes from sympy's own canonicalisation of
    sums, products and powers (``Mul.flatten`` asking whether a term is finite before it
    distributes a coefficient, say). Those rewrite an expression into an equal one for every
    rational value of the symbols (which are declared rational, hence finite): they are not
    a branch of the law. Any other asker (row reduction, a function, the law itself) is."""
    frame = sys._getframe(2)
    while frame is not None and _propagates_a_query(frame):
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None and frame.f_globals.get("__name__", "") in _CANONICAL_ARITHMETIC


def _propagates_a_query(frame: Any) -> bool:
    """A frame of the assumption system itself, or of a compound expression passing a query
    on to its terms (``Mul._eval_is_zero`` asking its factors): not the asker."""
    module = frame.f_globals.get("__name__", "")
    if module.startswith(_ASSUMPTION_MACHINERY):
        return True
    name = frame.f_code.co_name
    return module.startswith("sympy.core.") and (
        name.startswith("_eval_is_") or name in ("<lambda>", "<genexpr>", "<listcomp>", "getit", "_ask")
    )


def _query_handler(fact: str) -> Any:
    def handler(self: Any) -> None:
        trace = _current()
        if trace is not None and not _asked_by_arithmetic():
            what = "zero" if fact in ("zero", "nonzero", "extended_nonzero") else fact.replace("_", " ")
            event = f"asks whether {self} is {what}"
            if trace.function_depth:
                trace.note(f"applies a function that {event}")
            else:
                raise Branched(event)
        return None

    handler.__name__ = f"_eval_is_{fact}"
    return handler


def _shown(self: Any, printer: Any = None) -> str:
    return str(self.name)


Generic = type(
    "Generic",
    (sympy.Dummy,),
    {
        "__doc__": "A symbol standing for any rational number; every assumption query made about it "
        "while tracing is a branch on its value. Each one is new (a sympy Dummy), so no answer "
        "cached by an earlier, untraced query can hide a branch.",
        "__module__": __name__,
        "_sympystr": _shown,
        **{f"_eval_is_{fact}": _query_handler(fact) for fact in _FACTS},
    },
)


def has_generic(x: Any) -> bool:
    """Whether a sympy value mentions a :class:`Generic` symbol.

    >>> has_generic(Generic("x") + 1), has_generic(sympy.Symbol("x"))
    (True, False)
    """
    symbols = getattr(x, "free_symbols", None)
    return bool(symbols) and any(isinstance(s, Generic) for s in symbols)


def _is_numeric(x: Any) -> bool:
    return isinstance(x, (int, float)) or bool(getattr(x, "is_Number", False))


def _from_user_code() -> bool:
    """Whether the comparison or truth test in progress was written outside sympy (in a law,
    a functor, a spec): sympy's own algorithms compare and test expressions structurally to
    keep their representations tidy, which is not a branch of the law."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back  # type: ignore[assignment]
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return not (name.startswith("sympy.") or name.startswith("mpmath."))


def _patched_eq(original: Any) -> Any:
    def __eq__(self: Any, other: Any) -> Any:
        result = original(self, other)
        trace = _current()
        if (
            trace is not None
            and result is not True
            and (_is_numeric(other) or _is_numeric(self))
            and _from_user_code()
        ):
            if has_generic(self) or has_generic(other):
                trace.note(f"compares {self} with {other}")
        return result

    return __eq__


def _patched_bool(self: Any) -> bool:
    trace = _current()
    if trace is not None and isinstance(self, sympy.Expr) and has_generic(self) and _from_user_code():
        trace.note(f"tests the truth of {self}")
    length = getattr(type(self), "__len__", None)
    return bool(length(self)) if length is not None else True


def _patched_pow(original: Any) -> Any:
    def __new__(cls: Any, b: Any, e: Any, evaluate: Any = None) -> Any:
        trace = _current()
        if trace is not None and has_generic(sympy.sympify(b)):
            exponent = sympy.sympify(e)
            if not (exponent.is_Integer and exponent >= 0):
                trace.note(f"divides by {b}" if exponent == -1 else f"raises {b} to the power {e}")
        return original(cls, b, e) if evaluate is None else original(cls, b, e, evaluate=evaluate)

    return __new__


def _patched_function(original: Any) -> Any:
    def __new__(cls: Any, *args: Any, **options: Any) -> Any:
        trace = _current()
        if trace is None:
            return original(cls, *args, **options)
        if any(has_generic(sympy.sympify(a)) for a in args if isinstance(a, (sympy.Basic, int))):
            trace.note(f"applies {getattr(cls, '__name__', cls)} to an expression in the symbols")
        trace.function_depth += 1
        try:
            return original(cls, *args, **options)
        finally:
            trace.function_depth -= 1

    return __new__


def _patched_ask(original: Any) -> Any:
    def ask(fact: str, obj: Any) -> Any:
        value = original(fact, obj)
        if value is None and _current() is not None and has_generic(obj):
            # sympy remembers "unknown" on the object; a later question (a real branch) would
            # then be answered from memory, unseen: forget every unknown it holds
            kb = obj._assumptions
            for key in [k for k, v in kb.items() if v is None]:
                del kb[key]
        return value

    return ask


_lock = threading.Lock()
_users = 0
_saved: dict[str, Any] = {}


def _install() -> None:
    global _users
    with _lock:
        _users += 1
        if _users > 1:
            return
        _saved["eq"] = sympy.Basic.__eq__
        _saved["ne"] = sympy.Basic.__ne__
        _saved["bool"] = sympy.Basic.__dict__.get("__bool__")
        _saved["pow"] = sympy.Pow.__dict__["__new__"]
        _saved["function"] = Application.__dict__["__new__"]
        _saved["ask"] = _assumptions_module._ask
        _assumptions_module._ask = _patched_ask(_saved["ask"])
        eq = _patched_eq(_saved["eq"])
        sympy.Basic.__eq__ = eq  # type: ignore[method-assign]
        sympy.Basic.__ne__ = lambda self, other: not (self == other)  # type: ignore[method-assign]
        sympy.Basic.__bool__ = _patched_bool  # type: ignore[attr-defined]
        sympy.Pow.__new__ = _patched_pow(_saved["pow"])  # type: ignore[method-assign]
        function_new = _saved["function"]
        inner = function_new.__func__ if isinstance(function_new, (classmethod, staticmethod)) else function_new
        Application.__new__ = _patched_function(inner)  # type: ignore[method-assign]


def _uninstall() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users > 0:
            return
        sympy.Basic.__eq__ = _saved["eq"]  # type: ignore[method-assign]
        sympy.Basic.__ne__ = _saved["ne"]  # type: ignore[method-assign]
        if _saved["bool"] is None:
            del sympy.Basic.__bool__  # type: ignore[attr-defined]
        else:  # pragma: no cover - sympy without __bool__ on Basic today
            sympy.Basic.__bool__ = _saved["bool"]  # type: ignore[attr-defined]
        sympy.Pow.__new__ = _saved["pow"]  # type: ignore[method-assign]
        Application.__new__ = _saved["function"]  # type: ignore[method-assign]
        _assumptions_module._ask = _saved["ask"]


@contextlib.contextmanager
def tracing() -> Iterator[Trace]:
    """Watch the sympy computations of this thread for branches, divisions and functions
    applied to :class:`Generic` symbols (see the module docstring)."""
    trace = Trace()
    outer = _current()
    _install()
    _state.trace = trace
    try:
        yield trace
    finally:
        _state.trace = outer
        _uninstall()


def polynomial(x: Any) -> bool:
    """Whether every entry of a sympy value is a polynomial in its :class:`Generic` symbols
    (other symbols, a spec's own parameters, may appear in the coefficients).

    >>> x = Generic("x")
    >>> polynomial(sympy.Matrix([[x**2 + 1, sympy.Symbol("t") * x]])), polynomial(1 / x)
    (True, False)
    """
    if isinstance(x, tuple):
        return all(polynomial(v) for v in x)
    if isinstance(x, sympy.MatrixBase):
        return all(polynomial(e) for e in x)
    gens = [s for s in getattr(x, "free_symbols", ()) if isinstance(s, Generic)]
    if not gens:
        return True
    return bool(sympy.sympify(x).is_polynomial(*gens))
