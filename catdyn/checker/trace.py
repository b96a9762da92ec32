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
>>> try:
...     with tracing() as t:
...         _ = sympy.Matrix([[x, 1], [0, y]]).rank()
... except Branched as stop:
...     print(stop)
asks whether x is zero

What sympy remembers cannot hide a branch. sympy caches every answer, "unknown" included, in
a table of facts kept on the expression asked, and its cache hands the same expressions to
later computations; worse, every symbol declared with the same assumptions shares *one* table
(sympy caches it per set of assumptions), so a question asked untraced about any rational
symbol, anywhere in the process, would be answered from memory for every generic symbol made
after it. Each :class:`Generic` therefore gets a table of its own, and while any thread
traces, a remembered "unknown" counts as never asked, so the question reaches the symbol
again. Here the same rank was first computed untraced on the same symbols and on others
declared alike (they answer "unknown", the rank is 2), and the traced one still stops:

>>> t, s = sympy.symbols("t s", rational=True)
>>> sympy.Matrix([[t, 1], [0, s]]).rank(), sympy.Matrix([[x, 1], [0, y]]).rank()
(2, 2)
>>> try:
...     with tracing() as t:
...         _ = sympy.Matrix([[x, 1], [0, y]]).rank()
... except Branched as stop:
...     print(stop)
asks whether x is zero

A traced evaluation can also be defeated from outside: other code may replace the methods
the tracer hooks into sympy while it runs, or the law may ask about a symbol in a thread it
starts (where nothing is traced), or swallow :class:`Branched`. Each of these leaves an event,
so the pass is no proof (see :func:`tracing`).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

import sympy
from sympy.core.assumptions import StdFactKB
from sympy.core.function import Application

_state = threading.local()
_THIS_FILE = __file__

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


_ASSUMPTION_MACHINERY = ("sympy.core.assumptions", "sympy.core.logic", "sympy.core.facts")


def _own(frame: Any) -> bool:
    """A frame of this file's code (not merely run under this module's name, as a doctest is)."""
    return frame.f_code.co_filename == _THIS_FILE
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
    if _own(frame) or module.startswith(_ASSUMPTION_MACHINERY):
        return True
    name = frame.f_code.co_name
    return module.startswith("sympy.core.") and (
        name.startswith("_eval_is_") or name in ("<lambda>", "<genexpr>", "<listcomp>", "getit", "_ask")
    )


def _query_handler(fact: str) -> Any:
    what = "zero" if fact in ("zero", "nonzero", "extended_nonzero") else fact.replace("_", " ")

    def handler(self: Any) -> None:
        trace = _current()
        if trace is None:
            if _running:  # some other thread traces
                _asked_untraced(f"asks whether {self.name} is {what} in a thread it does not trace")
        elif not _asked_by_arithmetic():
            event = f"asks whether {self.name} is {what}"
            if trace.function_depth:
                trace.note(f"applies a function that {event}")
            else:
                trace.note(event)  # kept should the law swallow the exception
                raise Branched(event)
        return None

    handler.__name__ = f"_eval_is_{fact}"
    return handler


def _asked_untraced(event: str) -> None:
    """A question about a generic symbol in a thread with no trace, while some thread traces:
    it may be the traced law's own helper thread, so every running trace notes it."""
    with _lock:
        running = list(_running)
    if running and not _asked_by_arithmetic():
        for trace in running:
            trace.note(event)


def _shown(self: Any, printer: Any = None) -> str:
    return str(self.name)


def _new_generic(cls: type, name: str | None = None, dummy_index: int | None = None, **assumptions: Any) -> Any:
    obj = sympy.Dummy.__new__(cls, name, dummy_index, **assumptions)
    # sympy gives every symbol declared with the same assumptions one shared table of facts
    # (Symbol._canonical_assumptions is cached): an "unknown" any rational symbol was ever
    # asked about would answer for this one too, unseen. Each generic symbol gets its own.
    obj._assumptions = StdFactKB(dict(obj._assumptions0))
    return obj


Generic = type(
    "Generic",
    (sympy.Dummy,),
    {
        "__doc__": "A symbol standing for any rational number; every assumption query made about it "
        "while tracing is a branch on its value. Each one is new (a sympy Dummy) and keeps its own "
        "table of facts (sympy shares one among all symbols declared alike), so no answer cached by "
        "an untraced query about another symbol can hide a branch.",
        "__module__": __name__,
        "_sympystr": _shown,
        "__new__": _new_generic,
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
    while frame is not None and _own(frame):
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


def _hiding_unknown_getitem(self: Any, key: str) -> Any:
    value = dict.__getitem__(self, key)
    if value is None and _running:
        raise KeyError(key)  # a remembered "unknown" while some thread traces: ask again
    return value


def _hiding_unknown_contains(self: Any, key: object) -> bool:
    return dict.__contains__(self, key) and (dict.__getitem__(self, key) is not None or not _running)


_lock = threading.RLock()
_users = 0
_running: list[Trace] = []

_ORIGINAL: dict[str, Any] = {
    "eq": sympy.Basic.__dict__["__eq__"],
    "ne": sympy.Basic.__dict__["__ne__"],
    "bool": sympy.Basic.__dict__.get("__bool__"),
    "pow": sympy.Pow.__dict__["__new__"],
    "function": Application.__dict__["__new__"],
    "getitem": StdFactKB.__dict__.get("__getitem__"),
    "contains": StdFactKB.__dict__.get("__contains__"),
}
"""sympy's own methods, as they were when this module was imported."""


def _unwrapped(method: Any) -> Any:
    return method.__func__ if isinstance(method, (classmethod, staticmethod)) else method


_HOOKS: list[tuple[type, str, str, Any]] = [
    (sympy.Basic, "__eq__", "eq", _patched_eq(_ORIGINAL["eq"])),
    (sympy.Basic, "__ne__", "ne", lambda self, other: not (self == other)),
    (sympy.Basic, "__bool__", "bool", _patched_bool),
    (sympy.Pow, "__new__", "pow", _patched_pow(_ORIGINAL["pow"])),
    (Application, "__new__", "function", _patched_function(_unwrapped(_ORIGINAL["function"]))),
    (StdFactKB, "__getitem__", "getitem", _hiding_unknown_getitem),
    (StdFactKB, "__contains__", "contains", _hiding_unknown_contains),
]
"""Where the tracer hooks into sympy while any thread traces: (class, attribute, original, hook).
The hooks are made once, so whether they are in place is a question of identity."""


def _install() -> None:
    """Put every hook in place (again: an interrupted earlier install is repaired), then count
    the user, so that a failure part-way leaves no user counted."""
    global _users
    with _lock:
        for owner, attr, _, hook in _HOOKS:
            if owner.__dict__.get(attr) is not hook:
                setattr(owner, attr, hook)
        _users += 1


def _uninstall() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users > 0:
            return
        _users = 0
        for owner, attr, name, _ in _HOOKS:
            original = _ORIGINAL[name]
            if original is None:
                if attr in owner.__dict__:
                    delattr(owner, attr)
            else:
                setattr(owner, attr, original)


def hooks_in_place() -> bool:
    """Whether every hook of the tracer is in sympy now (outside :func:`tracing`, normally not).

    >>> hooks_in_place()
    False
    >>> with tracing():
    ...     hooks_in_place()
    True
    """
    return all(owner.__dict__.get(attr) is hook for owner, attr, _, hook in _HOOKS)


@contextlib.contextmanager
def tracing() -> Iterator[Trace]:
    """Watch the sympy computations of this thread for branches, divisions and functions
    applied to :class:`Generic` symbols (see the module docstring).

    Whatever could make the watch miss something becomes an event too, so that a traced pass
    with no events is one the tracer saw whole: a hook replaced by other code before the
    evaluation ended, a question about a generic symbol in a thread the law started, and a
    :class:`Branched` the law caught (its question stays in ``events``).
    """
    trace = Trace()
    outer = _current()
    _install()
    try:
        with _lock:
            _running.append(trace)
        _state.trace = trace
        yield trace
    finally:
        _state.trace = outer
        if not hooks_in_place():
            trace.note("ran while other code replaced the tracer's hooks in sympy (not traced)")
        with _lock:
            if trace in _running:
                _running.remove(trace)
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
