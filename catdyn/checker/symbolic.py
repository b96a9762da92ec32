"""Symbolic decision of ``lhs = rhs``: simplify every entry of ``lhs − rhs`` with sympy.

Values are brought to sympy by :func:`to_sympy` (sympy expressions and matrices as they
are, morphisms through their ``matrix``, exact numpy arrays entrywise, tuples item by item).
:func:`difference` lists the entries that do not simplify to zero; :func:`witness` looks
for rational values of the symbols at which one of them is visibly non-zero, so a
refutation is backed by a concrete instance.

>>> import sympy
>>> a, b = sympy.symbols("a b")
>>> difference(sympy.Matrix([[a * b, a + b]]), sympy.Matrix([[b * a, b + a]]))
[]
>>> difference(sympy.Matrix([[a * b]]), sympy.Matrix([[a + b]]))
[('[0, 0]', a*b - a - b)]
>>> witness([('[0, 0]', a * b - a - b)])
('[0, 0]', {a: 0, b: 1}, -1)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any


class NotSymbolic(TypeError):
    """A value that cannot be read as sympy data."""


def to_sympy(x: Any) -> Any:
    """``x`` as sympy data (an expression, a matrix, or a tuple of them).

    >>> import numpy as np
    >>> to_sympy(np.array([[1, 2]]))
    Matrix([[1, 2]])
    """
    import sympy

    from catdyn.category import Morphism

    if isinstance(x, (tuple, list)):
        return tuple(to_sympy(v) for v in x)
    if isinstance(x, Morphism):
        for attr in ("matrix", "data", "sym"):
            value = getattr(x, attr, None)
            if value is not None and not callable(value):
                return to_sympy(value)
        raise NotSymbolic(f"morphism {x.name} has no matrix to read symbolically")
    if isinstance(x, (sympy.Basic, sympy.MatrixBase)):
        return x
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        import numpy as np

        if np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.complexfloating):
            raise NotSymbolic("floating-point data is not exact; compare it with a tolerance")
        if x.dtype == object or np.issubdtype(x.dtype, np.integer) or x.dtype == bool:
            return sympy.Matrix(x.tolist()) if x.ndim == 2 else sympy.Matrix(list(x.tolist()))
    if isinstance(x, (int, sympy.Rational)):
        return sympy.Integer(x) if isinstance(x, int) else x
    raise NotSymbolic(f"{type(x).__name__} values cannot be read symbolically")


def is_zero(expr: Any) -> bool:
    """Whether an expression (or every entry of a matrix) simplifies to zero.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> is_zero(sympy.sin(x) ** 2 + sympy.cos(x) ** 2 - 1), is_zero(x)
    (True, False)
    """
    import sympy

    if isinstance(expr, sympy.MatrixBase):
        return all(is_zero(e) for e in expr)
    return _simplified(sympy.sympify(expr)) == 0


def _simplified(e: Any) -> Any:
    import sympy

    if e == 0:
        return e
    fast = sympy.expand(e)
    if fast == 0:
        return fast
    if fast.is_number:
        return sympy.nsimplify(fast) if fast.is_Float else fast
    if fast.is_polynomial():  # an expanded non-zero polynomial is non-zero
        return fast
    return sympy.simplify(e)


def _entries(x: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    import sympy

    if isinstance(x, tuple):
        for i, v in enumerate(x):
            yield from _entries(v, f"{prefix}[{i}]")
    elif isinstance(x, sympy.MatrixBase):
        for i in range(x.rows):
            for j in range(x.cols):
                yield f"{prefix}[{i}, {j}]", x[i, j]
    else:
        yield prefix or "value", x


def difference(lhs: Any, rhs: Any, simplify: bool = True) -> list[tuple[str, Any]]:
    """The entries of ``lhs − rhs`` that do not simplify to zero, as ``(position, entry)``
    (with ``simplify=False``, those that do not *expand* to zero: cheaper, and enough when a
    witness is then found).

    Raises :class:`NotSymbolic` when a side cannot be read as sympy data, and returns a
    single ``("shape", …)`` entry when the shapes differ.
    """
    import sympy

    left, right = to_sympy(lhs), to_sympy(rhs)
    if _shape(left) != _shape(right):
        return [("shape", sympy.Symbol(f"{_shape(left)}≠{_shape(right)}"))]
    out = []
    for (pos, a), (_, b) in zip(_entries(left), _entries(right)):
        d = sympy.sympify(a) - sympy.sympify(b)
        d = _simplified(d) if simplify else (d if d == 0 else sympy.expand(d))
        if d != 0:
            out.append((pos, d))
    return out


def _shape(x: Any) -> Any:
    import sympy

    if isinstance(x, tuple):
        return tuple(_shape(v) for v in x)
    if isinstance(x, sympy.MatrixBase):
        return x.shape
    return ()


def witness(nonzero: list[tuple[str, Any]], tries: int = 200) -> tuple[str, dict[Any, Any], Any] | None:
    """Rational values of the free symbols at which some listed entry is non-zero:
    ``(position, substitution, value)``, or ``None`` when none was found in ``tries``.
    Small values come first, so the witness is small."""
    import sympy

    values = [0, 1, -1, 2, sympy.Rational(1, 2), sympy.Rational(1, 7), sympy.Rational(-2, 5), 3, 11]
    for pos, expr in nonzero:
        syms = sorted(getattr(expr, "free_symbols", set()), key=str)
        if not syms:
            if expr != 0:
                return pos, {}, expr
            continue
        count = 0
        for combo in itertools.product(values, repeat=len(syms)):
            if count >= tries:
                break
            count += 1
            sub = dict(zip(syms, combo))
            try:
                value = expr.subs(sub)
                if not value.is_number:
                    continue
                approx = complex(value.evalf(30))
            except (ZeroDivisionError, ValueError, TypeError):
                continue
            if abs(approx) > 1e-12 and abs(approx) != float("inf"):
                return pos, sub, sympy.nsimplify(value) if value.is_Float else value
    return None


# --- from symbols back to concrete arguments ------------------------------------------------
def generic_symbols(x: Any) -> set[Any]:
    """The :class:`~catdyn.checker.trace.Generic` symbols in a law's arguments (sympy
    values, morphisms holding a ``matrix``, tuples and lists of them).

    >>> from catdyn.categories.mat import MatQ
    >>> V = MatQ.object("V", 1)
    >>> sorted(map(str, generic_symbols((MatQ.generic("f", V, V), 3))))
    ['f_0_0']
    """
    from catdyn.checker.trace import Generic

    if isinstance(x, (tuple, list)):
        return set().union(*(generic_symbols(v) for v in x)) if x else set()
    value = getattr(x, "matrix", x)
    symbols = getattr(value, "free_symbols", None)
    if not symbols or callable(symbols):
        return set()
    return {s for s in symbols if isinstance(s, Generic)}


def substitute(x: Any, values: dict[Any, Any]) -> Any:
    """The arguments with symbols replaced by values (morphisms rebuilt with the new matrix).

    >>> import sympy
    >>> from catdyn.checker.trace import Generic
    >>> a = Generic("a", rational=True)
    >>> substitute((a + 1, [a]), {a: sympy.Integer(2)})
    (3, [2])
    """
    import dataclasses

    import sympy

    if isinstance(x, tuple):
        return tuple(substitute(v, values) for v in x)
    if isinstance(x, list):
        return [substitute(v, values) for v in x]
    if isinstance(x, (sympy.Basic, sympy.MatrixBase)):
        return x.xreplace(values)
    matrix = getattr(x, "matrix", None)
    if dataclasses.is_dataclass(x) and isinstance(matrix, (sympy.Basic, sympy.MatrixBase)):
        return dataclasses.replace(x, matrix=matrix.xreplace(values))  # type: ignore[type-var]
    return x


def concrete_instances(args: Any, first: dict[Any, Any]) -> Iterator[tuple[dict[Any, Any], Any]]:
    """Concrete versions of symbolic arguments: the symbols of ``first`` at its values, every
    other symbol at 0, then 1, then small distinct values.

    >>> from catdyn.checker.trace import Generic
    >>> a, b = Generic("a", rational=True), Generic("b", rational=True)
    >>> [inst for _, inst in concrete_instances((a, b), {a: 5})]
    [(5, 0), (5, 1), (5, 2)]
    """
    import sympy

    rest = sorted(generic_symbols(args) - set(first), key=str)
    fillers = [
        {s: sympy.Integer(0) for s in rest},
        {s: sympy.Integer(1) for s in rest},
        {s: sympy.Integer(2 + k) for k, s in enumerate(rest)},
    ]
    for fill in fillers:
        values = {**fill, **first}
        yield values, substitute(args, values)
