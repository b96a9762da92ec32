"""A declared equation, checked: the morphism every equation of an experiment compiles to.

:meth:`~catdyn.experiments.Experiment.equation` (and each pullback's square) declares that two
nodes of one value type hold equal values. The compiler makes that a task of
:class:`CheckEquation`, which reads both values, compares their trees entrywise within
``atol + rtol·|rhs|`` and records the result as a law (``held``, or ``refuted`` with the
largest difference and where it is); a refuted equation fails the run.

>>> from catdyn.runner.context import TaskContext
>>> from catdyn.values import Table
>>> check = CheckEquation(type="catdyn.values:Table", equation="e", statement="a = b")
>>> check.run(TaskContext(seed=0), Table([{"x": 1.0}]), Table([{"x": 1.5}])).status
'refuted'
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from catdyn.morphisms import BackendMorphism
from catdyn.values import Value, load_type


@dataclasses.dataclass(frozen=True)
class EquationCheck(Value):
    """The verdict of one declared equation: ``held`` or ``refuted``, the largest difference
    between the two sides and where it is."""

    status: str
    residual: float
    where: str
    statement: str


class CheckEquation(BackendMorphism):
    """``T × T → EquationCheck``: whether two values of the value type ``type`` (its qualified
    name) are equal within ``atol + rtol·|rhs|``, recorded as the law ``equation EQUATION: STATEMENT``."""

    output = EquationCheck
    type: str
    equation: str
    statement: str
    atol: float = 0.0
    rtol: float = 0.0

    def domain(self) -> tuple[type[Value], ...]:
        t = load_type(self.type)
        return (t, t)

    def run(self, ctx: Any, lhs: Value, rhs: Value) -> EquationCheck:
        from catdyn.checker.law import Counterexample, LawResult

        residual, where, ok = largest_difference(lhs.to_tree(), rhs.to_tree(), self.atol, self.rtol)
        shown = where or "the value"
        counter = None if ok else Counterexample(
            (("at", where or "value"),), "lhs", "rhs", residual, f"largest difference {residual:.3g} at {shown}"
        )
        result = LawResult(
            f"equation {self.equation}: {self.statement}", "experiment", "held" if ok else "refuted", "none",
            "tolerance" if self.atol or self.rtol else "exact", 1, residual, counter,
            subject=self.equation, statement=self.statement,
        )
        ctx.law(result)
        return EquationCheck(result.status, residual, where, self.statement)


def largest_difference(a: Any, b: Any, atol: float, rtol: float, where: str = "") -> tuple[float, str, bool]:
    """``(largest |a − b|, where it is, whether every entry is within atol + rtol·|b|)`` over two
    values' trees (dicts, lists, arrays, tensors, strings);
    NaN in the same place on both sides counts as equal (a failed member's realisation is NaN
    on both sides), and so do equal infinities; NaN against a number is infinitely far. Dicts
    compare by key, whatever their order.

    >>> import numpy as np
    >>> largest_difference({"x": np.ones(2)}, {"x": np.array([1.0, 1.5])}, 0.0, 0.0)
    (0.5, '.x[1]', False)
    >>> largest_difference({"a": 1.0, "b": np.inf}, {"b": np.inf, "a": 1.0}, 0.0, 0.0)
    (0.0, '.a', True)
    """
    import numpy as np

    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return math.inf, f"{where or 'value'}: keys {list(a)} vs {list(b)}", False
        parts = [largest_difference(a[k], b[k], atol, rtol, f"{where}.{k}") for k in sorted(a, key=str)]
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return math.inf, f"{where or 'value'}: lengths {len(a)} vs {len(b)}", False
        parts = [largest_difference(x, y, atol, rtol, f"{where}[{i}]") for i, (x, y) in enumerate(zip(a, b))]
    elif isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        same = a == b
        return (0.0 if same else math.inf), where, same
    else:
        x = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float64)
        y = np.asarray(b.detach().cpu() if hasattr(b, "detach") else b, dtype=np.float64)
        if x.shape != y.shape:
            return math.inf, f"{where or 'value'}: shapes {x.shape} vs {y.shape}", False
        if x.size == 0:
            return 0.0, where, True
        same = (x == y) | (np.isnan(x) & np.isnan(y))  # equal infinities and NaN beside NaN
        with np.errstate(invalid="ignore"):
            diff = np.where(same, 0.0, np.abs(x - y))
        diff = np.where(np.isnan(diff), np.inf, diff)
        ok = bool(np.all(same | (diff <= atol + rtol * np.where(np.isfinite(y), np.abs(y), 0.0))))
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        return float(diff[idx]), f"{where}{list(map(int, idx)) if x.ndim else ''}", ok
    if not parts:
        return 0.0, where, True
    worst = max(parts, key=lambda p: p[0])
    return worst[0], worst[1], all(p[2] for p in parts)
