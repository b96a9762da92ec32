"""The experiment is the diagram: typed objects, executable morphisms, pullbacks, equations.

An :class:`Experiment` is a :class:`~catdyn.diagram.Diagram` in the category :data:`RUNS`.
Its objects are :class:`Node` s (a named point of a typed value space: each holds the value
the one arrow into it computes); its morphisms are :class:`Arrow` s (an executable
:class:`~catdyn.morphisms.BackendMorphism` wired from nodes to a node). Wiring is checked when
the arrow is added: a value of the wrong type is refused with a
:class:`~catdyn.errors.WiringError` naming both morphisms, both ends and both types.

:meth:`Experiment.pullback` adds the pullback of a cospan of backend morphisms: a solve task
whose apex and both projections are nodes later arrows read, and the square as an equation
(a check task). :meth:`Experiment.equation` declares that two nodes hold equal values.
Running the experiment evaluates the diagram (see :mod:`catdyn.runner.compiler`).

A spec binds an :class:`ExperimentFamily`: a function that builds the diagram from a preset's
values, decorated with :func:`experiment`; every preset is built when the spec loads.

>>> from catdyn.morphisms import BackendMorphism
>>> from catdyn.values import Table, Claims
>>> class Rows(BackendMorphism):
...     inputs, output = (), Table
...     n: int
...     def run(self, ctx):
...         return Table([{"i": i} for i in range(self.n)])
>>> class Verdict(BackendMorphism):
...     inputs, output = (Claims,), Claims
...     def run(self, ctx, claims):
...         return claims
>>> e = Experiment("demo")
>>> rows = e.add("Rows", Rows(n=3))
>>> e.add("Verdict", Verdict(), rows)
Traceback (most recent call last):
...
catdyn.errors.WiringError: ...: Verdict: Claims → Claims reads a Claims as its input 1, but it is wired to Rows, a Table made by Rows: 1 → Rows. ...
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catdyn.category import Category, Morphism, Object
from catdyn.diagram import Diagram
from catdyn.errors import NameClashError, SpecError, WiringError
from catdyn.limits import Cospan
from catdyn.morphisms import BackendMorphism, Composite, Project, Solver
from catdyn.values import Value, type_name

POINT = "1"
"""The name of the point (terminal object) global elements start from."""


def _caller() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    for frame in inspect.stack()[2:]:
        if os.path.dirname(os.path.abspath(frame.filename)) != here:
            return f"{frame.filename}:{frame.lineno}"
    return ""  # pragma: no cover


class Node(Object):
    """An object of an experiment: a named point of the value space of ``type``."""

    __slots__ = ("experiment", "name", "type")

    def __init__(self, name: str, type: type, experiment: str) -> None:
        self.name, self.type, self.experiment = name, type, experiment

    @property
    def category(self) -> Category:
        return RUNS

    def _key(self) -> Any:
        return (self.experiment, self.name, type_name(self.type))

    @property
    def kind(self) -> str:
        return self.type.kind() if isinstance(self.type, type) and issubclass(self.type, Value) else "×"

    def __repr__(self) -> str:
        return f"Node({self.name!r}: {self.kind})"


class Arrow(Morphism):
    """A backend morphism wired into an experiment: ``name: inputs → cod``."""

    __slots__ = ("cod", "inputs", "morphism", "name", "seed_from", "where")

    def __init__(self, name: str, morphism: BackendMorphism, inputs: tuple[Node, ...], cod: Node, where: str = "",
                 seed_from: str = "name") -> None:
        self.name, self.morphism, self.inputs, self.cod, self.where = name, morphism, inputs, cod, where
        self.seed_from = seed_from

    @property
    def dom(self) -> Node:  # type: ignore[override]
        if not self.inputs:
            return Node(POINT, type(None), self.cod.experiment)
        if len(self.inputs) == 1:
            return self.inputs[0]
        return Node(" × ".join(n.name for n in self.inputs), tuple, self.cod.experiment)

    @property
    def category(self) -> Category:
        return RUNS

    def _data_key(self) -> Any:
        return (self.name, str(self.morphism.serialise()), tuple(n.name for n in self.inputs))

    @property
    def signature(self) -> str:
        dom = " × ".join(n.name for n in self.inputs) or POINT
        shown = self.morphism.name if self.name.startswith("→ ") else self.name
        return f"{shown}: {dom} → {self.cod.name}"


class RunCategory(Category):
    """Nodes and wired morphisms of experiments; composing two arrows wires a composite."""

    name = "Runs"

    def identity(self, obj: Object) -> Morphism:
        from catdyn.morphisms import Identity

        return Arrow(f"id_{obj.name}", Identity(type=type_name(obj.type)), (obj,), obj)  # type: ignore[arg-type, attr-defined]

    def compose(self, f: Morphism, g: Morphism) -> Morphism:
        a, b = f, g
        steps = Composite(steps=(a.morphism, b.morphism))  # type: ignore[attr-defined]
        return Arrow(f"{a.name} >> {b.name}", steps, a.inputs, b.cod)  # type: ignore[attr-defined]


RUNS = RunCategory()
"""The category every experiment's diagram lives in."""


@dataclass(frozen=True)
class Equality:
    """Two nodes declared to hold equal values (within ``atol + rtol·|rhs|``); ``face`` names
    the square it closes when it comes from a pullback."""

    name: str
    lhs: Node
    rhs: Node
    atol: float
    rtol: float
    where: str
    face: tuple[str, ...] = ()


@dataclass(frozen=True)
class SolvedPullback:
    """What :meth:`Experiment.pullback` adds: the apex node, both projections' nodes and the
    square's equation."""

    apex: Node
    left: Node
    right: Node
    cospan: Cospan
    square: Equality


class Experiment(Diagram):
    """A diagram of typed nodes and executable arrows (see the module docstring)."""

    def __init__(self, name: str, *, seed: int = 0, description: str = "", preset: str = "") -> None:
        super().__init__(name, RUNS)
        self.seed, self.description, self.preset = int(seed), description, preset
        self._producer: dict[str, Arrow] = {}
        self._equalities: dict[str, Equality] = {}
        self.where = _caller()

    # --- building ------------------------------------------------------------------------------
    def add(self, node: str, morphism: BackendMorphism, *inputs: Node, name: str | None = None,
            seed_from: str = "name") -> Node:
        """Wire ``morphism`` from ``inputs`` to a new node ``node`` (of its output type) and
        return the node. The arrow is named ``name`` (default: the morphism's name, followed
        by the node's when another arrow of the experiment has the same morphism name; see
        :meth:`label`).

        The arrow's seed comes from the experiment's seed and the arrow's name, so two arrows
        computing the same thing draw different numbers; ``seed_from="content"`` derives it from
        what the arrow computes instead (its morphism, parameters and inputs' content), so
        identical arrows draw identical numbers (see :mod:`catdyn.runner.compiler`)."""
        where = _caller()
        if seed_from not in ("name", "content"):
            raise SpecError(f"the arrow into {node} of experiment {self.name} has seed_from={seed_from!r}",
                            'An arrow takes its seed from its "name" (the default) or its "content"').at(where)
        if not isinstance(morphism, BackendMorphism):
            raise SpecError(f"{morphism!r} wired into {node} is not a backend morphism",
                            "Construct one of the classes `catdyn morphisms` lists").at(where)
        label = name or f"→ {node}"
        self._check_inputs(name or morphism.name, morphism, inputs, where)
        if node == POINT or node in self._producer:
            raise NameClashError(
                f"experiment {self.name} already has a node {node}", "Give each node its own name"
            ).at(where)
        if label in self._morphisms:
            raise NameClashError(f"experiment {self.name} already has an arrow {label}", "Pass name=...").at(where)
        out = Node(node, morphism.codomain(), self.name)
        arrow = Arrow(label, morphism, tuple(inputs), out, where, seed_from)
        self._add_object(out)
        self._morphisms[label] = arrow
        self._producer[node] = arrow
        return out

    def _check_inputs(self, label: str, m: BackendMorphism, inputs: Sequence[Node], where: str) -> None:
        expected = list(m.domain())
        if m.variadic and len(inputs) >= len(expected):
            expected += [expected[-1]] * (len(inputs) - len(expected))
        for x in inputs:
            if not isinstance(x, Node) or self._producer.get(x.name) is None or x.experiment != self.name:
                raise WiringError.not_a_node(label, x, self.name).at(where)
        if len(expected) != len(inputs):
            raise WiringError.arity(label, [t.kind() for t in expected], [x.kind for x in inputs]).at(where)
        for i, (want, x) in enumerate(zip(expected, inputs)):
            if not (isinstance(x.type, type) and issubclass(x.type, want)):
                producer = self._producer[x.name]
                consumer = f"{label}: {' × '.join(t.kind() for t in expected) or POINT} → {m.codomain().kind()}"
                raise WiringError.wrong_type(
                    producer.signature, x.name, x.kind, consumer, f"input {i + 1}", want.kind()
                ).at(where)

    def pullback(
        self,
        name: str,
        cospan: Cospan,
        *,
        at: tuple[Node, Node],
        solve: Solver,
        using: Sequence[Node] = (),
        atol: float = 0.0,
        rtol: float = 0.0,
    ) -> SolvedPullback:
        """The pullback of ``cospan`` (two backend morphisms into one value type) at the points
        ``at`` of their first factors, taken in the fibre over the shared factors ``using``
        (both legs read them). Adds: the solve task (``solve``, told the legs) into the apex
        node ``name``; the projections ``π_left``, ``π_right`` into ``name.left`` and
        ``name.right``; both legs applied to the projections; and the square as an equation
        within ``atol``/``rtol``. Returns the nodes (:class:`SolvedPullback`)."""
        where = _caller()
        f, g = cospan.left, cospan.right
        if not (isinstance(f, BackendMorphism) and isinstance(g, BackendMorphism)):
            raise SpecError(f"the cospan of pullback {name} is not made of backend morphisms",
                            "Build it as Cospan(f, g) from morphisms `catdyn morphisms` lists").at(where)
        shared = [n.type for n in using]
        for leg in (f, g):
            if list(leg.domain()[1:]) != shared:
                raise WiringError.arity(f"{leg.name} (a leg of pullback {name})",
                                        [t.kind() for t in leg.domain()],
                                        [t.kind() for t in (leg.domain()[0], *shared)]).at(where)
        if not isinstance(solve, Solver):
            raise SpecError(f"pullback {name} is solved by {solve!r}, which is not a Solver",
                            "Give a Solver morphism of the backend (e.g. FibreSolve)").at(where)
        solver = solve.model_copy(update={"legs": (f.serialise(), g.serialise())})
        apex = self.add(name, solver, at[0], at[1], *using, name=f"solve {name}")
        left = self.add(f"{name}.left", Project(apex=type_name(apex.type), side="left"), apex, name=f"π_left {name}")
        right = self.add(f"{name}.right", Project(apex=type_name(apex.type), side="right"), apex,
                         name=f"π_right {name}")
        fl = self.add(f"{f.name}({name}.left)", f, left, *using, name=f"{f.name} ∘ π_left {name}")
        gr = self.add(f"{g.name}({name}.right)", g, right, *using, name=f"{g.name} ∘ π_right {name}")
        face = (apex.name, left.name, fl.name, gr.name, right.name)
        eq = self._equation(f"{name}: the square commutes", fl, gr, atol, rtol, where, face)
        return SolvedPullback(apex, left, right, cospan, eq)

    def equation(self, name: str, lhs: Node, rhs: Node, *, atol: float = 0.0, rtol: float = 0.0) -> Equality:
        """Declare that ``lhs`` and ``rhs`` hold equal values (a check task; refuted fails the run)."""
        return self._equation(name, lhs, rhs, atol, rtol, _caller())

    def _equation(self, name: str, lhs: Node, rhs: Node, atol: float, rtol: float, where: str,
                  face: tuple[str, ...] = ()) -> Equality:
        if name in self._equalities:
            raise NameClashError(f"experiment {self.name} has two equations named {name}", "Rename one").at(where)
        for side in (lhs, rhs):
            if not isinstance(side, Node) or side.name not in self._producer:
                raise WiringError.not_a_node(f"equation {name}", side, self.name).at(where)
        if lhs.name == rhs.name:
            raise SpecError(f"equation {name} of experiment {self.name} equates node {lhs.name} with itself",
                            "Equate two different nodes (the ends of two parallel paths)").at(where)
        if lhs.type is not rhs.type:
            raise WiringError.wrong_type(self._producer[rhs.name].signature, rhs.name, rhs.kind,
                                         f"equation {name}", "right-hand side", lhs.kind).at(where)
        eq = Equality(name, lhs, rhs, float(atol), float(rtol), where, face)
        self._equalities[name] = eq
        return eq

    # --- reading -------------------------------------------------------------------------------
    @property
    def arrows(self) -> tuple[Arrow, ...]:
        return tuple(self._morphisms.values())  # type: ignore[arg-type]

    @property
    def equalities(self) -> tuple[Equality, ...]:
        return tuple(self._equalities.values())

    def label(self, arrow: Arrow) -> str:
        """How the diagram, the tasks and the report name ``arrow``: its given name, else its
        morphism's name, with the node it makes when that name is not unique here."""
        if not arrow.name.startswith("→ "):
            return arrow.name
        same = sum(
            a.name.startswith("→ ") and a.morphism.name == arrow.morphism.name  # type: ignore[attr-defined]
            for a in self._morphisms.values()
        )
        return arrow.morphism.name if same == 1 else f"{arrow.morphism.name} → {arrow.cod.name}"

    def producer(self, node: Node | str) -> Arrow:
        """The arrow into ``node``."""
        return self._producer[node if isinstance(node, str) else node.name]

    def describe(self) -> dict[str, Any]:
        """The diagram as JSON data (stored with each run; the report draws it)."""
        return {
            "name": self.name,
            "seed": self.seed,
            "description": self.description,
            "preset": self.preset,
            "form": "diagram",
            "stages": [{"name": n, "kind": a.cod.kind} for n, a in self._producer.items()],
            "steps": [
                {"name": self.label(a), "dom": [n.name for n in a.inputs], "cod": a.cod.name, "op": a.morphism.name,
                 "morphism": str(a.morphism) if len(str(a.morphism)) < 200 else a.morphism.name, "where": a.where}
                for a in self.arrows
            ],
            "equations": [
                {"name": e.name, "lhs": e.lhs.name, "rhs": e.rhs.name, "statement": f"{e.lhs.name} = {e.rhs.name}",
                 "face": list(e.face), "where": e.where}
                for e in self._equalities.values()
            ],
        }

    def __repr__(self) -> str:
        return f"Experiment({self.name!r}: {len(self._producer)} nodes, {len(self._morphisms)} arrows)"


class PresetValues(dict):  # type: ignore[type-arg]
    """A preset's values as a builder reads them: a dict whose missing key is a
    :class:`~catdyn.errors.SpecError` naming the key, the preset and the spec line that read it.

    >>> p = PresetValues({"n": 3}, "demo", "smoke")
    >>> p["n"]
    3
    >>> p["steps"]
    Traceback (most recent call last):
    ...
    catdyn.errors.SpecError: ...experiment demo reads p['steps'], but preset 'smoke' does not set steps. ...
    """

    def __init__(self, values: Mapping[str, Any], experiment: str, preset: str) -> None:
        super().__init__(values)
        self.experiment, self.preset = experiment, preset

    def __missing__(self, key: str) -> Any:
        raise SpecError(
            f"experiment {self.experiment} reads p[{key!r}], but preset {self.preset!r} does not set {key}",
            f"Add {key} to the {self.preset!r} preset, or read it with p.get({key!r}, default)",
        ).at(_caller())


@dataclass
class ExperimentFamily:
    """An experiment per preset: ``build(e, p)`` wires experiment ``e`` from the preset's
    values ``p``. Every preset is built when the family is made (a miswired spec fails as
    it loads).

    >>> fam = ExperimentFamily("empty", lambda e, p: None, presets={"smoke": {}})
    >>> fam.build("smoke")
    Experiment('empty': 0 nodes, 0 arrows)
    """

    name: str
    builder: Callable[[Experiment, Mapping[str, Any]], Any]
    seed: int = 0
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: {"smoke": {}})
    description: str = ""
    where: str = ""

    def __post_init__(self) -> None:
        self.where = self.where or _caller()
        self._built = {p: self._build(p) for p in self.presets}

    def _build(self, preset: str) -> Experiment:
        e = Experiment(self.name, seed=self.seed, description=self.description, preset=preset)
        e.where = self.where
        self.builder(e, PresetValues(self.presets[preset], self.name, preset))
        return e

    def build(self, preset: str) -> Experiment:
        """The diagram of ``preset`` (an unknown preset is a :class:`~catdyn.errors.SpecError`)."""
        if preset not in self._built:
            raise SpecError(
                f"experiment {self.name} has no preset {preset!r} (it declares: {', '.join(sorted(self.presets))})",
                "Choose one of those with --preset, or add it to the experiment's presets",
            ).at(self.where)
        return self._built[preset]


def experiment(
    *, name: str | None = None, seed: int = 0, presets: Mapping[str, Mapping[str, Any]] | None = None
) -> Callable[[Callable[[Experiment, Mapping[str, Any]], Any]], ExperimentFamily]:
    """Decorate ``build(e, p)`` to make an :class:`ExperimentFamily` (its docstring is the
    experiment's description; its name, with ``_`` as ``-``, the experiment's name).

    >>> @experiment(presets={"smoke": {"n": 2}})
    ... def tiny(e, p):
    ...     '''Nothing yet.'''
    >>> tiny.name, tiny.build("smoke").description
    ('tiny', 'Nothing yet.')
    """

    def wrap(fn: Callable[[Experiment, Mapping[str, Any]], Any]) -> ExperimentFamily:
        return ExperimentFamily(
            name or fn.__name__.replace("_", "-"), fn, seed, dict(presets or {"smoke": {}}),
            inspect.getdoc(fn) or "", _caller(),
        )

    return wrap
