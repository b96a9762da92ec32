"""Compile an experiment into a task graph whose keys hash everything a result depends on.

Every step becomes one :class:`Task` (an ensemble of members sharing shapes is one step, so
one task). Its key is the SHA-256 of: the step's name and operation, the operation's version
and source hash, the resolved parameters, the step's seed (derived from the experiment's
seed and the step's name, or with ``seed_from="content"`` from its operation, parameters and
inputs' content), the device, the keys of the tasks it reads (in order) and the
catdyn version. Change any of them and the task, and everything downstream, is recomputed;
leave them and a rerun reuses the stored value.

>>> from catdyn.runner.experiment import Experiment, P
>>> exp = Experiment("demo", seed=0, presets={"smoke": {"n": 3}})
>>> xs, total = exp.stage("xs", "array"), exp.stage("total", "metrics")
>>> _ = exp.step("draw", None, xs, op="random_normal", n=P("n"))
>>> _ = exp.step("sum", xs, total, op="summarise")
>>> plan = compile_experiment(exp, "smoke")
>>> [t.step for t in plan.tasks]
['draw', 'sum']
>>> plan.tasks[1].inputs == (plan.tasks[0].key,)
True
>>> compile_experiment(exp, "smoke").tasks[1].key == plan.tasks[1].key
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from catdyn.errors import SpecError
from catdyn.runner import operations as ops
from catdyn.runner.experiment import canonical

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx


@dataclass(frozen=True)
class Task:
    """One unit of work: a step with its resolved parameters, seed, device and input keys.

    >>> Task("k", "draw", "random_normal", {}, 1, "cpu", (), "xs", "").short
    'k'
    """

    key: str
    step: str
    op: str
    params: Mapping[str, Any]
    seed: int
    device: str
    inputs: tuple[str, ...]
    stage: str
    where: str

    @property
    def short(self) -> str:
        return self.key[:12]


@dataclass(frozen=True)
class Plan:
    """The compiled experiment: tasks in a deterministic topological order, and the DAG.

    >>> Plan("e", "smoke", "cpu", ()).keys
    []
    """

    experiment: str
    preset: str
    device: str
    tasks: tuple[Task, ...]

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.tasks]

    def graph(self) -> nx.DiGraph:
        """The task graph: nodes are task keys (with the :class:`Task` under ``"task"``), an
        edge ``a → b`` when ``b`` reads ``a``'s value."""
        import networkx as nx

        g = nx.DiGraph(name=self.experiment)
        for t in self.tasks:
            g.add_node(t.key, task=t)
            for i in t.inputs:
                g.add_edge(i, t.key)
        return g

    def by_key(self) -> dict[str, Task]:
        return {t.key: t for t in self.tasks}


def step_seed(seed: int, step: str) -> int:
    """The seed of a step: derived from the experiment's seed and the step's name (31 bits).

    >>> step_seed(0, "train") == step_seed(0, "train") != step_seed(1, "train")
    True
    """
    return int(hashlib.sha256(f"{seed}/{step}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """SHA-256 of catdyn's own Python sources (the DSL, runner, categories and backends).

    A task's key includes it, so a stored result is reused only by the code that computed it:
    an operation hashes its own source, but the backend functions it calls can change too.
    (Any edit to catdyn's code therefore recomputes; edits to a spec's comments do not.)

    >>> len(source_fingerprint())
    16
    """
    import catdyn
    import catdyn.backends
    import catdyn.categories

    digest = hashlib.sha256()
    for package in (catdyn, catdyn.categories, catdyn.backends):
        for root in sorted(package.__path__):
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                # subpackages mapped elsewhere (catdyn.categories under catdyn/) are walked on their own
                for name in sorted(f for f in filenames if f.endswith(".py")):
                    path = os.path.join(dirpath, name)
                    digest.update(f"{package.__name__}:{os.path.relpath(path, root)}".encode())
                    with open(path, "rb") as fh:
                        digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()[:16]


def task_key(payload: Mapping[str, Any]) -> str:
    """SHA-256 of a canonical JSON payload.

    >>> task_key({"a": 1}) == task_key({"a": 1})
    True
    """
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_call(op: ops.Operation, step: Any, params: Mapping[str, Any], experiment: str) -> None:
    """The step's parameters must fit the operation's signature (checked before anything runs)."""
    import inspect

    try:
        sig = inspect.signature(op.fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    try:
        sig.bind(None, *([None] * len(step.dom)), **params)
    except TypeError as exc:
        accepted = [
            p.name
            for p in list(sig.parameters.values())[1:]
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ][len(step.dom) :]
        raise SpecError(
            f"step {step.signature} of experiment {experiment} cannot call operation {op.name}: {exc}",
            f"{op.name} takes the parameters {', '.join(accepted) or '(none)'}",
        ).at(step.where) from None


def compile_experiment(exp: Any, preset: str = "smoke", device: str = "cpu") -> Plan:
    """Resolve presets, check every step against its operation, and key the tasks. A diagram
    experiment (:class:`~catdyn.experiments.ExperimentFamily`, the current form) compiles
    through :func:`compile_diagram`; a stage/step :class:`Experiment` (the older form, kept
    until every spec is ported) through the rest of this function."""
    if hasattr(exp, "build"):
        return compile_diagram(exp.build(preset), preset, device)
    if not exp.steps:
        raise SpecError(f"experiment {exp.name} has no steps", "Add steps with exp.step(...)").at(exp.where)
    by_stage = {s.cod.name: s for s in exp.steps}  # the step that produces each stage
    keys: dict[str, str] = {}
    contents: dict[str, str] = {}  # what each step computes, without names: for seed_from="content"
    tasks = []
    for name in _steps_in_order(exp, by_stage):
        task = _step_task(exp, exp._steps[name], preset, device, by_stage, keys, contents)
        keys[name] = task.key
        tasks.append(task)
    tasks.extend(_stage_equation_task(exp, eq, by_stage, keys, device) for eq in exp.equations)
    return Plan(exp.name, preset, device, tuple(tasks))


def _steps_in_order(exp: Any, by_stage: dict[str, Any]) -> list[str]:
    """The steps' names in a deterministic topological order (ties broken by declaration
    order); a step reading a stage no step produces is a :class:`SpecError`."""
    import networkx as nx

    order = {s.name: i for i, s in enumerate(exp.steps)}
    dag = nx.DiGraph()
    dag.add_nodes_from(order)
    for s in exp.steps:
        for d in s.dom:
            if d.name not in by_stage:
                raise SpecError(
                    f"step {s.name} of experiment {exp.name} reads stage {d.name}, which no step produces",
                    f"Add a step into {d.name} (a step with dom=None starts from the point 1)",
                ).at(s.where)
            dag.add_edge(by_stage[d.name].name, s.name)
    if not nx.is_directed_acyclic_graph(dag):  # pragma: no cover - ruled out by the DSL
        raise SpecError(f"experiment {exp.name} has a cycle", "Make every step lead to a new stage")
    return list(nx.lexicographical_topological_sort(dag, key=lambda n: order[n]))


def _check_kinds(op: ops.Operation, s: Any, experiment: str) -> None:
    """The operation must read as many stages as the step's domain has, of the kinds they
    are, and write the kind of the step's codomain."""
    if op.inputs is not None:
        if len(op.inputs) != len(s.dom):
            raise SpecError(
                f"step {s.signature} of experiment {experiment} is bound to operation {op.name}, which reads "
                f"{len(op.inputs)} stage(s) ({', '.join(op.inputs) or 'none: it starts from the point 1'}) "
                f"but the step's domain has {len(s.dom)}",
                f"Give the step a domain of kinds ({', '.join(op.inputs)})",
            ).at(s.where)
        for declared, stage in zip(op.inputs, s.dom):
            if not ops.kinds_match(declared, stage.kind):
                raise SpecError(
                    f"step {s.signature}: operation {op.name} reads a {declared} where stage {stage.name} "
                    f"is a {stage.kind}",
                    "Compose only steps whose kinds meet, or fix the stage's kind",
                ).at(s.where)
    if not ops.kinds_match(op.output, s.cod.kind):
        raise SpecError(
            f"step {s.signature}: operation {op.name} produces a {op.output} but stage {s.cod.name} is a "
            f"{s.cod.kind}",
            f"Make {s.cod.name} a stage of kind {op.output}",
        ).at(s.where)


def _step_task(
    exp: Any,
    s: Any,
    preset: str,
    device: str,
    by_stage: dict[str, Any],
    keys: dict[str, str],
    contents: dict[str, str],
) -> Task:
    """The task of one step, whose inputs are already in ``keys`` (and ``contents``, to which
    this step's content hash is added)."""
    from catdyn import __version__

    op = ops.get(s.op)
    _check_kinds(op, s, exp.name)
    params = exp.resolve_params(s, preset)
    _check_call(op, s, params, exp.name)
    contents[s.name] = task_key(
        {"op": op.name, "params": canonical(params), "inputs": [contents[by_stage[d.name].name] for d in s.dom]}
    )
    seed = step_seed(exp.seed, s.name if s.seed_from == "name" else f"content:{contents[s.name]}")
    inputs = tuple(keys[by_stage[d.name].name] for d in s.dom)
    payload = {
        "catdyn": __version__,
        "catdyn_source": source_fingerprint(),
        "experiment": exp.name,
        "step": s.name,
        "op": op.name,
        "op_version": op.version,
        "op_code": op.code_hash,
        "params": canonical(params, f"{s.name}.params"),
        "seed": seed,
        "device": device,
        "inputs": list(inputs),
        "stage": [s.cod.name, s.cod.kind],
    }
    return Task(task_key(payload), s.name, op.name, params, seed, device, inputs, s.cod.name, s.where)


def _stage_equation_task(exp: Any, eq: Any, by_stage: dict[str, Any], keys: dict[str, str], device: str) -> Task:
    """The check task of an equation between two stages of a stage/step experiment."""
    from catdyn import __version__

    for side in (eq.lhs, eq.rhs):
        if side.name not in by_stage:
            raise SpecError(
                f"equation {eq.name} of experiment {exp.name} reads stage {side.name}, which no step produces",
                f"Add a step into {side.name}",
            ).at(eq.where)
    op = ops.get("check_equation")
    params = {"name": eq.name, "statement": eq.statement, "atol": eq.atol, "rtol": eq.rtol}
    inputs = (keys[by_stage[eq.lhs.name].name], keys[by_stage[eq.rhs.name].name])
    payload = {
        "catdyn": __version__,
        "catdyn_source": source_fingerprint(),
        "experiment": exp.name,
        "equation": eq.name,
        "op": op.name,
        "op_version": op.version,
        "op_code": op.code_hash,
        "params": canonical(params),
        "device": device,
        "inputs": list(inputs),
    }
    return Task(
        task_key(payload), f"= {eq.name}", op.name, params, step_seed(exp.seed, eq.name), device, inputs, "", eq.where
    )


# --- the current form: an experiment is a diagram of backend morphisms -------------------------
def _equation_task(eq: Any, keys: dict[str, str], seed: int, device: str) -> Task:
    """The check task of a declared equation (or of a pullback's square)."""
    from catdyn import __version__

    op = ops.get("check_equation")
    statement = f"{eq.lhs.name} = {eq.rhs.name}"
    params = {"name": eq.name, "statement": statement, "atol": eq.atol, "rtol": eq.rtol}
    inputs = (keys[eq.lhs.name], keys[eq.rhs.name])
    payload = {
        "catdyn": __version__,
        "catdyn_source": source_fingerprint(),
        "equation": eq.name,
        "op": op.name,
        "op_version": op.version,
        "params": canonical(params),
        "device": device,
        "inputs": list(inputs),
    }
    return Task(task_key(payload), f"= {eq.name}", op.name, params, step_seed(seed, eq.name), device, inputs, "",
                eq.where)


def compile_diagram(exp: Any, preset: str = "smoke", device: str = "cpu") -> Plan:
    """Evaluate an :class:`~catdyn.experiments.Experiment` as tasks: one per arrow, keyed by the
    morphism's serialisation (qualified class, version, validated parameters), the arrow's seed,
    the device, the keys of the tasks it reads and catdyn's source; one check task per equation.

    >>> from catdyn.experiments import Experiment
    >>> from catdyn.morphisms import BackendMorphism
    >>> from catdyn.values import Table
    >>> class Rows(BackendMorphism):
    ...     inputs, output = (), Table
    ...     n: int
    ...     def run(self, ctx):
    ...         return Table([{"i": i} for i in range(self.n)])
    >>> e = Experiment("demo")
    >>> a, b = e.add("A", Rows(n=2)), e.add("B", Rows(n=2), name="again")
    >>> _ = e.equation("same", a, b)
    >>> plan = compile_diagram(e)
    >>> [t.step for t in plan.tasks], plan.tasks[0].op.endswith(":Rows")
    (['Rows', 'again', '= same'], True)
    """
    from catdyn import __version__

    arrows = exp.arrows
    if not arrows:
        raise SpecError(f"experiment {exp.name} has no morphisms", "Add some with e.add(...)").at(exp.where)
    keys: dict[str, str] = {}  # node name -> key of the task that computes it
    tasks = []
    for a in arrows:  # e.add wires only existing nodes, so declaration order is topological
        seed = step_seed(exp.seed, a.name)
        inputs = tuple(keys[n.name] for n in a.inputs)
        serial = a.morphism.serialise()
        payload = {
            "catdyn": __version__,
            "catdyn_source": source_fingerprint(),
            "morphism": canonical(serial, f"{a.name}"),
            "seed": seed,
            "device": device,
            "inputs": list(inputs),
        }
        key = task_key(payload)
        keys[a.cod.name] = key
        tasks.append(
            Task(key, exp.label(a), serial["morphism"], serial["params"], seed, device, inputs, a.cod.name, a.where)
        )
    tasks += [_equation_task(eq, keys, exp.seed, device) for eq in exp.equalities]
    return Plan(exp.name, preset, device, tuple(tasks))
