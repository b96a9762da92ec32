"""The experiment DSL: a diagram whose morphisms are bound to executable operations.

An :class:`Experiment` has **stages** (objects: a data set, trained parameters, a
representation, a table of accuracies; each typed by a *kind*) and **steps** (morphisms
between them, each bound to a registered operation from :mod:`catdyn.runner.operations`
and its parameters). A step with no domain starts at the point ``1`` of the diagram (it is a
global element: loading data, drawing a seed); a step whose domain is several stages starts
at their product (its operation receives one value per factor, in order).

Running the experiment evaluates, for every stage, the composite of the steps that lead to
it from ``1``: each stage is produced by exactly one step, so its value is well defined. The
parameters of a step may be :class:`P` references into the experiment's **presets**
(``smoke``: small, minutes on a CPU; ``full``: the real experiment).

>>> exp = Experiment("demo", seed=0, presets={"smoke": {"n": 3}, "full": {"n": 1000}})
>>> xs = exp.stage("xs", "array")
>>> total = exp.stage("total", "metrics")
>>> _ = exp.step("draw", None, xs, op="random_normal", n=P("n"))
>>> _ = exp.step("sum", xs, total, op="summarise")
>>> [s.name for s in exp.steps]
['draw', 'sum']
>>> exp.resolve_params(exp.steps[0], "smoke")
{'n': 3}
>>> sorted(exp.graph().edges())
[('1', 'xs'), ('xs', 'total')]
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from catdyn.errors import CatdynError, SpecError, UnknownObjectError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

POINT = "1"
"""The name of the point (terminal object) that steps with no domain start from."""


@dataclass(frozen=True, init=False)
class P:
    """A reference to a preset parameter, resolved when the experiment is compiled.

    >>> P("steps", default=10)
    P('steps', default=10)
    """

    name: str
    default: Any = None
    required: bool = True

    def __init__(self, name: str, default: Any = ...) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "default", None if default is ... else default)
        object.__setattr__(self, "required", default is ...)

    def __repr__(self) -> str:
        return f"P({self.name!r}" + ("" if self.required else f", default={self.default!r}") + ")"


@dataclass(frozen=True)
class Stage:
    """An object of an experiment: a named stage whose values have one ``kind``.

    >>> Stage("Trained", "params", "demo")
    Stage('Trained': params)
    """

    name: str
    kind: str
    experiment: str

    def __repr__(self) -> str:
        return f"Stage({self.name!r}: {self.kind})"


@dataclass(frozen=True)
class Step:
    """A morphism of an experiment bound to an operation: ``dom`` (a tuple of stages, empty for
    the point) to ``cod``, computed by operation ``op`` with ``params``. ``where`` is the line of
    the spec that declared it.

    >>> s = Stage("X", "array", "e")
    >>> Step("draw", (), s, "random_normal", {"n": 3}).signature
    'draw: 1 → X'
    """

    name: str
    dom: tuple[Stage, ...]
    cod: Stage
    op: str
    params: Mapping[str, Any] = field(default_factory=dict)
    where: str = ""
    seed_from: str = "name"

    @property
    def signature(self) -> str:
        dom = " × ".join(s.name for s in self.dom) or POINT
        return f"{self.name}: {dom} → {self.cod.name}"


@dataclass(frozen=True)
class Equality:
    """A declared equation between two stages (see :meth:`Experiment.equation`).

    >>> e = Experiment("e"); x, y = e.stage("x", "array"), e.stage("y", "array")
    >>> _ = e.step("f", None, x, op="random_normal"); _ = e.step("g", None, y, op="random_normal")
    >>> e.equation("eq", "x", "y", atol=1e-9).atol
    1e-09
    """

    name: str
    lhs: Stage
    rhs: Stage
    atol: float
    rtol: float
    where: str
    experiment: Experiment = field(repr=False, compare=False)

    @property
    def statement(self) -> str:
        """Both sides as paths of steps from the point (``f >> g = h >> k``)."""

        def side(stage: Stage) -> str:
            return " >> ".join(s.name for s in self.experiment.path_to(stage)) or stage.name

        return f"{side(self.lhs)} = {side(self.rhs)}"


def _caller() -> str:
    """``file:line`` of the spec line that called into the DSL."""
    here = os.path.dirname(os.path.abspath(__file__))
    for frame in inspect.stack()[2:]:
        if os.path.dirname(os.path.abspath(frame.filename)) != here:
            return f"{frame.filename}:{frame.lineno}"
    return ""  # pragma: no cover


class Experiment:
    """A diagram of stages and steps with presets and a seed (see the module docstring).

    ``claims`` optionally lists the paper's claims the experiment measures, as free text for
    the report; the measured figures come from the operations' ``claim`` records.
    """

    def __init__(
        self,
        name: str,
        *,
        seed: int = 0,
        presets: Mapping[str, Mapping[str, Any]] | None = None,
        description: str = "",
    ) -> None:
        self.name = name
        self.seed = int(seed)
        self.presets: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (presets or {"smoke": {}}).items()}
        self.description = description
        self._stages: dict[str, Stage] = {}
        self._steps: dict[str, Step] = {}
        self._producer: dict[str, str] = {}
        self._equations: dict[str, Equality] = {}
        self.where = _caller()

    # -- building ---------------------------------------------------------------------------
    def stage(self, name: str, kind: str = "any") -> Stage:
        """Add (or return the existing) stage ``name`` of ``kind``."""
        if name == POINT:
            raise SpecError(
                f"experiment {self.name}: a stage may not be named {POINT!r}",
                f"{POINT!r} is the point every step with no domain starts from; choose another name",
            ).at(_caller())
        known = self._stages.get(name)
        if known is not None:
            if known.kind != kind:
                raise SpecError(
                    f"experiment {self.name} already has a stage {name} of kind {known.kind}, not {kind}",
                    "Give each stage one kind, or a new name",
                ).at(_caller())
            return known
        s = Stage(name, kind, self.name)
        self._stages[name] = s
        return s

    def step(
        self,
        name: str,
        dom: Stage | str | Sequence[Stage | str] | None,
        cod: Stage | str,
        /,
        op: str,
        seed_from: str = "name",
        **params: Any,
    ) -> Step:
        """Add a step ``name: dom → cod`` computed by operation ``op`` with ``params``.

        ``dom`` is ``None`` (the point), one stage or a sequence of stages (their product);
        stages may be given by name. ``name``, ``dom`` and ``cod`` are positional, so an
        operation may take parameters of those names.

        **Seeds.** By default a step's seed is derived from the experiment's seed and the
        step's *name*, so two steps with the same operation, parameters and inputs but
        different names draw different random numbers (an equation between their stages is
        then refuted by the sampling noise). ``seed_from="content"`` derives the seed from
        what the step computes instead — its operation, resolved parameters and the content
        of its inputs, not its name — so identical steps get identical seeds:

        >>> e = Experiment("e")
        >>> a, b = e.stage("a", "array"), e.stage("b", "array")
        >>> _ = e.step("draw_a", None, a, op="random_normal", n=2, seed_from="content")
        >>> e.steps[0].seed_from
        'content'
        """
        where = _caller()
        if name in self._steps:
            raise SpecError(
                f"experiment {self.name} has two steps named {name}", "Give each step its own name"
            ).at(where)
        if dom is None:
            factors: tuple[Stage, ...] = ()
        elif isinstance(dom, (Stage, str)):
            factors = (self._resolve(dom, where),)
        else:
            factors = tuple(self._resolve(d, where) for d in dom)
        target = self._resolve(cod, where)
        if target.name in self._producer:
            raise SpecError(
                f"experiment {self.name}: stage {target.name} is already produced by step "
                f"{self._producer[target.name]}, so step {name} cannot produce it too",
                "Each stage has exactly one step into it; add a new stage for the second result",
            ).at(where)
        if target in factors:
            raise SpecError(
                f"experiment {self.name}: step {name} starts and ends at stage {target.name}",
                "An experiment is acyclic; write the result into a new stage",
            ).at(where)
        if seed_from not in ("name", "content"):
            raise SpecError(
                f"step {name} of experiment {self.name}: seed_from={seed_from!r}",
                'A step takes its seed from its "name" (the default) or its "content"',
            ).at(where)
        s = Step(name, factors, target, op, dict(params), where, seed_from)
        self._steps[name] = s
        self._producer[target.name] = name
        return s

    def equation(
        self, name: str, lhs: Stage | str, rhs: Stage | str, *, atol: float = 0.0, rtol: float = 0.0
    ) -> Equality:
        """Declare that two stages hold equal values: the composites of the paths from the
        point ``1`` to ``lhs`` and to ``rhs`` agree (a commuting diagram, checked on the values
        the run computes, within ``atol + rtol·|rhs|`` entrywise). The check is a task of its
        own; a refuted equation makes the run fail (exit 1).

        >>> e = Experiment("e"); x, y = e.stage("x", "array"), e.stage("y", "array")
        >>> _ = e.step("f", None, x, op="random_normal", n=2)
        >>> _ = e.step("g", None, y, op="random_normal", n=2)
        >>> e.equation("same draw", x, y).statement
        'f = g'
        """
        where = _caller()
        if name in self._equations:
            raise SpecError(
                f"experiment {self.name} has two equations named {name}", "Give each equation its own name"
            ).at(where)
        left, right = self._resolve(lhs, where), self._resolve(rhs, where)
        if left == right:
            raise SpecError(
                f"equation {name} of experiment {self.name} equates stage {left.name} with itself",
                "Equate two different stages (the ends of two parallel paths)",
            ).at(where)
        if left.kind != right.kind:
            raise SpecError(
                f"equation {name} of experiment {self.name} equates {left.name} (a {left.kind}) with "
                f"{right.name} (a {right.kind})",
                "Only stages of the same kind can hold equal values",
            ).at(where)
        eq = Equality(name, left, right, float(atol), float(rtol), where, self)
        self._equations[name] = eq
        return eq

    def path_to(self, stage: Stage) -> list[Step]:
        """The steps from the point ``1`` to ``stage``, following each step's first factor.

        >>> e = Experiment("e"); x, m = e.stage("x", "array"), e.stage("m", "metrics")
        >>> _ = e.step("draw", None, x, op="random_normal"); _ = e.step("sum", x, m, op="summarise")
        >>> [s.name for s in e.path_to(m)]
        ['draw', 'sum']
        """
        out: list[Step] = []
        at: Stage | None = stage
        while at is not None:
            step = self.producer(at)
            if step is None:
                break
            out.append(step)
            at = step.dom[0] if step.dom else None
        return out[::-1]

    def _resolve(self, s: Stage | str, where: str) -> Stage:
        if isinstance(s, Stage):
            if s.experiment != self.name or self._stages.get(s.name) != s:
                raise UnknownObjectError.missing(s.name, f"experiment {self.name}", self._stages, "stage").at(
                    where
                )
            return s
        if s not in self._stages:
            raise UnknownObjectError.missing(s, f"experiment {self.name}", self._stages, "stage").at(where)
        return self._stages[s]

    # -- reading ----------------------------------------------------------------------------
    @property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(self._stages.values())

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps.values())

    @property
    def equations(self) -> tuple[Equality, ...]:
        return tuple(self._equations.values())

    def producer(self, stage: Stage) -> Step | None:
        """The step into ``stage`` (``None`` if none was declared)."""
        name = self._producer.get(stage.name)
        return None if name is None else self._steps[name]

    def graph(self) -> nx.MultiDiGraph:
        """The diagram as a networkx multigraph: nodes are the point ``1`` and the stages; a
        step from a product has one edge per factor (keyed ``step`` or ``step[i]``)."""
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name)
        g.add_node(POINT, kind="point")
        for s in self._stages.values():
            g.add_node(s.name, kind=s.kind)
        for st in self._steps.values():
            if not st.dom:
                g.add_edge(POINT, st.cod.name, key=st.name, step=st.name, op=st.op)
            for i, d in enumerate(st.dom):
                key = st.name if len(st.dom) == 1 else f"{st.name}[{i}]"
                g.add_edge(d.name, st.cod.name, key=key, step=st.name, op=st.op)
        return g

    def resolve_params(self, step: Step, preset: str) -> dict[str, Any]:
        """The step's parameters with every :class:`P` replaced by the preset's value."""
        if preset not in self.presets:
            raise SpecError(
                f"experiment {self.name} has no preset {preset!r} (it declares: {', '.join(sorted(self.presets))})",
                "Choose one of those with --preset, or add it to the experiment's presets",
            ).at(self.where)
        values = self.presets[preset]

        def sub(x: Any) -> Any:
            if isinstance(x, P):
                if x.name in values:
                    return values[x.name]
                if not x.required:
                    return x.default
                raise SpecError(
                    f"step {step.name} of experiment {self.name} uses P({x.name!r}) but preset {preset!r} "
                    f"does not set {x.name}",
                    f"Add {x.name} to the {preset!r} preset or give P a default",
                ).at(step.where)
            if isinstance(x, dict):
                return {k: sub(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return type(x)(sub(v) for v in x)
            return x

        return {k: sub(v) for k, v in step.params.items()}

    def describe(self) -> dict[str, Any]:
        """The experiment's structure as JSON data (stored with each run, used by the report).

        >>> e = Experiment("e"); x = e.stage("x", "array")
        >>> _ = e.step("draw", None, x, op="random_normal", n=2)
        >>> e.describe()["steps"][0]["dom"]
        []
        """
        return {
            "name": self.name,
            "seed": self.seed,
            "description": self.description,
            "presets": sorted(self.presets),
            "stages": [{"name": s.name, "kind": s.kind} for s in self._stages.values()],
            "steps": [
                {
                    "name": s.name,
                    "dom": [d.name for d in s.dom],
                    "cod": s.cod.name,
                    "op": s.op,
                    "where": s.where,
                }
                for s in self._steps.values()
            ],
            "equations": [
                {
                    "name": e.name,
                    "lhs": e.lhs.name,
                    "rhs": e.rhs.name,
                    "statement": e.statement,
                    "where": e.where,
                }
                for e in self._equations.values()
            ],
        }

    def __repr__(self) -> str:
        return f"Experiment({self.name!r}: {len(self._stages)} stages, {len(self._steps)} steps)"


# --- canonical parameters (what a task key hashes) -------------------------------------------
def canonical(x: Any, where: str = "params") -> Any:
    """A JSON-able, order-independent form of step parameters, for hashing.

    >>> canonical({"b": (1, 2.5), "a": None})
    {'a': None, 'b': [1, 2.5]}
    """
    import numpy as np

    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else repr(x)
    if isinstance(x, np.generic):
        return canonical(x.item(), where)
    if isinstance(x, np.ndarray):
        return {
            "__ndarray__": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
            "shape": list(x.shape),
            "dtype": str(x.dtype),
        }
    if isinstance(x, Mapping):
        return {str(k): canonical(v, f"{where}.{k}") for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, (list, tuple)):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(x)]
    if is_dataclass(x) and not isinstance(x, type):
        return {
            "__type__": f"{type(x).__module__}.{type(x).__qualname__}",
            **{f.name: canonical(getattr(x, f.name), f"{where}.{f.name}") for f in fields(x)},
        }
    raise SpecError(
        f"parameter {where} is a {type(x).__name__}, which catdyn cannot hash into a task key",
        "Give step parameters as numbers, strings, lists, dicts, numpy arrays or dataclasses",
    )


# --- loading specs -----------------------------------------------------------------------------
def load_spec(path: str) -> types.ModuleType:
    """Import a spec file as a module (a spec is Python and runs as code).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.py")
    >>> _ = open(p, "w").write("from catdyn.runner import Experiment\\nexp = Experiment('e')\\n")
    >>> [e.name for e in experiments(load_spec(p))]
    ['e']
    """
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise SpecError(f"spec {path} does not exist or is not a file", "Give the path of a spec's .py file")
    digest = hashlib.sha256(path.encode()).hexdigest()[:12]
    name = f"catdyn_spec_{os.path.splitext(os.path.basename(path))[0]}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise SpecError(f"cannot import spec {path}", "A spec is a Python file ending in .py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except CatdynError:
        del sys.modules[name]
        raise
    except SyntaxError as exc:
        del sys.modules[name]
        raise SpecError(f"spec {path} has a syntax error: {exc.msg}", "Fix the line shown").at(
            f"{exc.filename}:{exc.lineno}"
        ) from exc
    except Exception as exc:
        del sys.modules[name]
        tb = exc.__traceback__
        line = ""
        while tb is not None:
            if os.path.abspath(tb.tb_frame.f_code.co_filename) == path:
                line = f"{path}:{tb.tb_lineno}"
            tb = tb.tb_next
        raise SpecError(
            f"spec {path} raised {type(exc).__name__} while loading: {exc}",
            "Fix the spec; --debug shows the traceback",
        ).at(line or path) from exc
    return module


def experiments(module: types.ModuleType) -> list[Any]:
    """Every experiment bound at the top level of a spec module, in definition order: diagram
    experiments (:class:`~catdyn.experiments.ExperimentFamily`, the current form) and
    stage/step :class:`Experiment` s (the older form)."""
    from catdyn.experiments import ExperimentFamily

    seen: list[Any] = []
    for value in vars(module).values():
        if isinstance(value, (Experiment, ExperimentFamily)) and all(value is not s for s in seen):
            seen.append(value)
    return seen


def file_hash(path: str) -> str:
    """SHA-256 of a file's bytes.

    >>> len(file_hash(__file__))
    64
    """
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
