"""The operations a spec's steps may be bound to, in one open registry.

An operation is a function ``fn(ctx, *inputs, **params) -> value``: ``inputs`` are the values
of the step's domain (one per factor of a product), ``params`` the step's parameters, and
``ctx`` an :class:`OpContext` giving the step's seed and device and collecting what the
operation *records* for the report — metrics, tables, series (curves), heat maps, law results
and claims. The value must be storable (see :mod:`catdyn.runner.store`). An operation declares
the kinds of stage it reads and writes; the compiler checks every step against them.

Register one with the :func:`operation` decorator — in catdyn, in a backend, or in a spec
file itself. Later modules (alignment, interpolation, landscapes, persistence, transfer)
register theirs the same way; :data:`PROVIDERS` lists modules imported on demand when a spec
names an operation not yet registered (third-party packages may also use the
``catdyn.operations`` entry-point group).

>>> @operation("demo_double", inputs=("array",), output="array")
... def demo_double(ctx, xs, factor=2):
...     ctx.metric("n", len(xs))
...     return [factor * x for x in xs]
>>> ctx = OpContext(seed=0, device="cpu")
>>> get("demo_double")(ctx, [1, 2])
[2, 4]
>>> ctx.records
[('metric', 'n', 2.0, None)]

Built in: ``random_normal`` and ``summarise`` (numpy), and ``check_equation`` (what a declared
equation compiles to). The runner core never imports torch: the torch backend's computations
are morphisms (:mod:`catdyn.morphisms`) published through the ``catdyn.morphisms`` entry
point, and the studies that still use operations register them in their own modules.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from catdyn.errors import SpecError, UnknownObjectError


@dataclass
class OpContext:
    """What an operation may read (``seed``, ``device``, ``threads``) and record.

    Records are ``(kind, name, value, data)``: ``metric`` (a number), ``table`` (a list of row
    dicts), ``series`` (curves against a shared x axis), ``heatmap`` (a matrix), ``figure``
    (data for a drawing function named by the operation), ``law`` (a law result), ``claim`` (claim, paper's figure, measured figure and interval, verdict).

    >>> ctx = OpContext(seed=1, device="cpu")
    >>> ctx.claim("c", paper="< 1", measured=0.5, interval=(0.4, 0.6), verdict="reproduced")
    >>> ctx.records[0][2]
    0.5
    """

    seed: int
    device: str = "cpu"
    threads: int | None = None
    step: str = ""
    records: list[tuple[str, str, float | None, Any]] = field(default_factory=list)
    on_progress: Callable[[int, int], None] | None = None

    def metric(self, name: str, value: float) -> None:
        """Record a scalar (NaN and ±inf are kept, shown as such)."""
        self.records.append(("metric", name, float(value), None))

    def table(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        """Record a table (rows of equal keys)."""
        self.records.append(("table", name, None, [dict(r) for r in rows]))

    def series(
        self,
        name: str,
        x: Sequence[float],
        lines: dict[str, Sequence[float]],
        *,
        xlabel: str = "",
        ylabel: str = "",
        logy: bool = False,
        highlight: Sequence[str] = (),
        marks: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Record curves sharing an x axis (``highlight`` names lines drawn as failed; ``marks``
        puts a ✗ at a point of a line, e.g. where a member diverged)."""
        self.records.append(
            (
                "series",
                name,
                None,
                {
                    "x": [float(v) for v in x],
                    "lines": {k: [float(v) for v in ys] for k, ys in lines.items()},
                    "xlabel": xlabel,
                    "ylabel": ylabel,
                    "logy": logy,
                    "highlight": list(highlight),
                    "marks": {k: [float(p[0]), float(p[1])] for k, p in (marks or {}).items()},
                },
            )
        )

    def heatmap(
        self,
        name: str,
        matrix: Sequence[Sequence[float]],
        *,
        xlabels: Sequence[str] = (),
        ylabels: Sequence[str] = (),
        label: str = "",
    ) -> None:
        """Record a matrix to draw as a heat map."""
        self.records.append(
            (
                "heatmap",
                name,
                None,
                {
                    "matrix": [[float(v) for v in row] for row in matrix],
                    "xlabels": list(xlabels),
                    "ylabels": list(ylabels),
                    "label": label,
                },
            )
        )

    def figure(self, name: str, drawer: str, data: dict[str, Any], *, caption: str = "") -> None:
        """Record the data of a figure that the report draws with ``drawer``: a function
        ``"catdyn.some.module:function"`` (inside catdyn, so a stored run names no foreign
        code) called as ``function(fig, data)`` on a fresh matplotlib figure. Records stay
        data — numbers that reproduce — and the drawing lives beside the science it shows
        (a persistence diagram in the topology package, a dendrogram beside the classes).

        >>> ctx = OpContext(seed=0)
        >>> ctx.figure("bars", "catdyn.runner.report:draw_bars", {"labels": ["a"], "values": [1.0]})
        >>> ctx.records[0][0], ctx.records[0][3]["drawer"]
        ('figure', 'catdyn.runner.report:draw_bars')
        """
        self.records.append(("figure", name, None, {"drawer": drawer, "data": data, "caption": caption}))

    def law(self, result: Any) -> None:
        """Record a :class:`~catdyn.checker.law.LawResult` (without its timing: records hold
        numbers that reproduce; the task's time is kept by the store)."""
        from dataclasses import asdict

        data = asdict(result)
        data.pop("seconds", None)
        self.records.append(("law", result.law, float(result.residual), data))

    def claim(
        self,
        claim: str,
        *,
        paper: str,
        measured: float | None,
        interval: tuple[float, float] | None = None,
        verdict: str,
        figure: str = "",
        detail: str = "",
    ) -> None:
        """Record a claim: the paper's figure, the measured one (with its interval) and a verdict
        (``reproduced``, ``not reproduced``, ``inconclusive``, ``held``, ``refuted``)."""
        self.records.append(
            (
                "claim",
                claim,
                None if measured is None else float(measured),
                {
                    "claim": claim,
                    "paper": paper,
                    "measured": measured,
                    "interval": None if interval is None else [float(interval[0]), float(interval[1])],
                    "verdict": verdict,
                    "figure": figure,
                    "detail": detail,
                },
            )
        )

    def progress(self, done: int, total: int) -> None:
        """Report progress within the task (shown as a bar on a terminal)."""
        if self.on_progress is not None:
            self.on_progress(done, total)


@dataclass(frozen=True)
class Operation:
    """A registered operation: its function, the kinds it reads and writes, and a version that
    enters every task key (bump it when the numbers an operation computes change).

    >>> get("summarise").inputs
    ('array',)
    """

    name: str
    fn: Callable[..., Any]
    inputs: tuple[str, ...] | None
    output: str
    version: str = "1"
    doc: str = ""

    @cached_property
    def code_hash(self) -> str:
        """SHA-256 of the function's source (so an edited operation recomputes its tasks)."""
        try:
            src = inspect.getsource(self.fn)
        except (OSError, TypeError):
            src = self.fn.__qualname__
        return hashlib.sha256(src.encode()).hexdigest()[:16]

    def __call__(self, ctx: OpContext, *inputs: Any, **params: Any) -> Any:
        return self.fn(ctx, *inputs, **params)


REGISTRY: dict[str, Operation] = {}
"""Every operation registered so far, by name."""

PROVIDERS: list[str] = []
"""Modules imported, in order, when a spec names an operation that is not registered yet."""


def operation(
    name: str, *, inputs: Sequence[str] | None = None, output: str = "any", version: str = "1"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(ctx, *inputs, **params)`` as operation ``name``. ``inputs`` are the kinds
    of its domain's factors (``None``: any number of any kind; ``"any"`` matches every kind).

    >>> @operation("demo_const", inputs=(), output="number")
    ... def demo_const(ctx, value=1.0):
    ...     return value
    >>> get("demo_const").output
    'number'
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        known = REGISTRY.get(name)
        if known is not None and (known.fn.__module__, known.fn.__qualname__) != (
            fn.__module__,
            fn.__qualname__,
        ):
            raise SpecError(
                f"operation {name} is registered twice: by {known.fn.__module__}.{known.fn.__qualname__} "
                f"and by {fn.__module__}.{fn.__qualname__}",
                "Give the new operation another name",
            )
        REGISTRY[name] = Operation(
            name, fn, None if inputs is None else tuple(inputs), output, version, inspect.getdoc(fn) or ""
        )
        return fn

    return register


def _unshared(tree: Any) -> Any:
    """``tree`` with every torch tensor that shares memory with an earlier one cloned (a value
    may hold the same labels twice; the store writes each tensor once, on its own).

    >>> _unshared({"a": [1, (2, "x")]})
    {'a': [1, (2, 'x')]}
    """
    seen: set[tuple[int, int]] = set()

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(walk(v) for v in x)
        if hasattr(x, "untyped_storage") and hasattr(x, "clone"):
            storage = x.untyped_storage()
            ident = (storage.data_ptr(), storage.nbytes())
            if ident in seen or not x.is_contiguous() or x.storage_offset() or x.numel() * x.element_size() != storage.nbytes():
                x = x.clone().contiguous()
                storage = x.untyped_storage()
                ident = (storage.data_ptr(), storage.nbytes())
            seen.add(ident)
        return x

    return walk(tree)


def morphism_operation(name: str) -> Operation:
    """The operation that runs the backend morphism class ``module:Qualname`` (a task of a
    diagram experiment): it rebuilds the morphism from its parameters, reads each input as
    its declared value type, runs it, and stores the output's tree.

    >>> op = morphism_operation("catdyn.morphisms:Identity")
    >>> op(OpContext(seed=0), {"rows": [{"a": 1}]}, type="catdyn.values:Table")
    {'rows': [{'a': 1}]}
    """
    from catdyn.morphisms import BackendMorphism
    from catdyn.values import load_type

    try:
        cls = load_type(name)
    except (ImportError, AttributeError) as exc:
        raise UnknownObjectError.missing(name, "the importable morphisms", [], "morphism") from exc
    if not (isinstance(cls, type) and issubclass(cls, BackendMorphism)):
        raise SpecError(f"{name} is not a backend morphism", "Tasks of a diagram name a BackendMorphism class")

    def run(ctx: OpContext, *inputs: Any, **params: Any) -> Any:
        m = cls(**params)
        types = list(m.domain())
        if m.variadic:
            types += [types[-1]] * (len(inputs) - len(types))
        typed = [t.from_tree(x) for t, x in zip(types, inputs)]
        out = m.run(ctx, *typed)
        if not isinstance(out, m.codomain()):
            raise SpecError(
                f"{m.name} returned a {type(out).__name__}, not the {m.codomain().kind()} it declares",
                f"Make {m.name}.run return a {m.codomain().kind()}",
            )
        return _unshared(out.to_tree())

    run.__qualname__ = run.__name__ = cls.__qualname__
    return Operation(name, run, None, cls.output.kind(), cls.version, inspect.getdoc(cls) or "")


def get(name: str) -> Operation:
    """The operation named ``name`` (importing :data:`PROVIDERS` and entry points if needed;
    a ``module:Qualname`` name is a backend morphism, see :func:`morphism_operation`)."""
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" in name:
        return morphism_operation(name)
    for module in PROVIDERS:
        importlib.import_module(module)
        if name in REGISTRY:
            return REGISTRY[name]
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="catdyn.operations"):
            ep.load()
    except Exception:  # a broken third-party plug-in must not hide the real error below
        pass
    if name in REGISTRY:
        return REGISTRY[name]
    raise UnknownObjectError.missing(name, "the operation registry", REGISTRY, "operation")


def kinds_match(declared: str, actual: str) -> bool:
    """Whether a stage of kind ``actual`` may feed an input declared ``declared``.

    >>> kinds_match("any", "params"), kinds_match("params", "rep")
    (True, False)
    """
    return declared == "any" or actual == "any" or declared == actual


# --- generic operations (numpy only) -------------------------------------------------------------
@operation("random_normal", inputs=(), output="array")
def random_normal(ctx: OpContext, n: int = 10, scale: float = 1.0) -> Any:
    """``n`` draws from N(0, scale²) with the step's seed (numpy's PCG64).

    >>> random_normal(OpContext(seed=3), n=2).shape
    (2,)
    """
    import numpy as np

    return np.random.default_rng(ctx.seed).normal(0.0, scale, size=int(n))


@operation("summarise", inputs=("array",), output="metrics")
def summarise(ctx: OpContext, xs: Any) -> dict[str, float]:
    """Mean, standard deviation and size of an array, recorded as metrics too.

    >>> import numpy as np
    >>> summarise(OpContext(seed=0), np.array([1.0, 3.0]))
    {'mean': 2.0, 'std': 1.0, 'n': 2}
    """
    import numpy as np

    a = np.asarray(xs, dtype=float)
    out = {"mean": float(a.mean()), "std": float(a.std()), "n": int(a.size)}
    for k, v in out.items():
        ctx.metric(k, v)
    return out


def _largest_difference(a: Any, b: Any, atol: float, rtol: float, where: str = "") -> tuple[float, str, bool]:
    """``(largest |a − b|, where it is, whether every entry is within atol + rtol·|b|)``;
    NaN in the same place on both sides counts as equal (a failed member's realisation is NaN
    on both sides), NaN against a number as infinitely far."""
    import numpy as np

    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return math.inf, f"{where or 'value'}: keys {list(a)} vs {list(b)}", False
        parts = [_largest_difference(a[k], b[k], atol, rtol, f"{where}.{k}") for k in a]
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return math.inf, f"{where or 'value'}: lengths {len(a)} vs {len(b)}", False
        parts = [_largest_difference(x, y, atol, rtol, f"{where}[{i}]") for i, (x, y) in enumerate(zip(a, b))]
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
        both_nan = np.isnan(x) & np.isnan(y)
        diff = np.where(both_nan, 0.0, np.abs(x - y))
        diff = np.where(np.isnan(diff), np.inf, diff)
        ok = bool(np.all(diff <= atol + rtol * np.where(both_nan, 0.0, np.abs(y))))
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        return float(diff[idx]), f"{where}{list(map(int, idx)) if x.ndim else ''}", ok
    if not parts:
        return 0.0, where, True
    worst = max(parts, key=lambda p: p[0])
    return worst[0], worst[1], all(p[2] for p in parts)


@operation("check_equation", inputs=None, output="verdict", version="1")
def check_equation(
    ctx: OpContext, lhs: Any, rhs: Any, *, name: str, statement: str, atol: float = 0.0, rtol: float = 0.0
) -> dict[str, Any]:
    """A declared equation of the experiment, checked on the two values the run computed
    (recorded as a law: ``held`` or ``refuted`` with the largest difference and where it is).

    >>> import numpy as np
    >>> ctx = OpContext(seed=0)
    >>> check_equation(ctx, {"x": np.ones(2)}, {"x": np.array([1.0, 1.5])}, name="e", statement="f = g")["status"]
    'refuted'
    """
    from catdyn.checker.law import Counterexample, LawResult

    residual, where, ok = _largest_difference(lhs, rhs, float(atol), float(rtol))
    counter = (
        None
        if ok
        else Counterexample(
            (("at", where or "value"),),
            "lhs",
            "rhs",
            residual,
            f"largest difference {residual:.3g} at {where or 'the value'}",
        )
    )
    result = LawResult(
        f"equation {name}: {statement}",
        "experiment",
        "held" if ok else "refuted",
        "none",
        "tolerance" if atol or rtol else "exact",
        1,
        residual,
        counter,
        subject=name,
        statement=statement,
    )
    ctx.law(result)
    return {"status": result.status, "residual": residual, "where": where, "statement": statement}
