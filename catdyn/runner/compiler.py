"""Compile an experiment (a diagram of typed backend morphisms) into a task graph whose keys
hash everything a result depends on.

Every arrow becomes one :class:`Task` (a population of members sharing shapes is one arrow,
so one task). Its key is the SHA-256 of: the morphism's serialisation (qualified class,
version, validated parameters), the arrow's seed, the device, the keys of the tasks it reads
(in order), catdyn's version and the fingerprint of its sources. Every declared equation
(and every pullback's square) becomes a check task of
:class:`~catdyn.runner.equations.CheckEquation`. Change any of them and the task, and
everything downstream, is recomputed; leave them and a rerun reuses the stored value.

**Seeds.** An arrow's seed is derived from the experiment's seed and the arrow's label, so two
arrows with the same morphism, parameters and inputs draw different numbers; with
``e.add(..., seed_from="content")`` it is derived from what the arrow computes instead (its
morphism's serialisation and the content of its inputs, not its name), so identical arrows draw
identical numbers.

>>> from catdyn.experiments import Experiment
>>> from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
>>> e = Experiment("demo")
>>> xs = e.add("xs", NormalDraws(n=3))
>>> total = e.add("total", Summarise(), xs)
>>> plan = compile_experiment(e)
>>> [t.arrow for t in plan.tasks]
['NormalDraws', 'Summarise']
>>> plan.tasks[1].inputs == (plan.tasks[0].key,)
True
>>> compile_experiment(e).tasks[1].key == plan.tasks[1].key
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from catdyn.errors import SpecError
from catdyn.values import type_name

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx


@dataclass(frozen=True)
class Task:
    """One unit of work: an arrow's morphism (``morphism``: its qualified class; ``params``: its
    validated parameters), its seed, device and input keys, the node it computes and the line of
    the spec that wired it.

    >>> Task("k", "draw", "m:Draw", {}, 1, "cpu", (), "xs", "").short
    'k'
    """

    key: str
    arrow: str
    morphism: str
    params: Mapping[str, Any]
    seed: int
    device: str
    inputs: tuple[str, ...]
    node: str
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


def arrow_seed(seed: int, label: str) -> int:
    """The seed of an arrow: derived from the experiment's seed and the arrow's label (31 bits).

    >>> arrow_seed(0, "train") == arrow_seed(0, "train") != arrow_seed(1, "train")
    True
    """
    return int(hashlib.sha256(f"{seed}/{label}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """SHA-256 of catdyn's own Python sources (the DSL, runner, categories and backends).

    A task's key includes it, so a stored result is reused only by the code that computed it:
    a morphism's parameters do not say which code computes it, and the backend functions it
    calls can change too.
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


def canonical(x: Any, where: str = "params") -> Any:
    """A JSON-able, order-independent form of a morphism's parameters, for hashing.

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
        "Give a morphism's parameters as numbers, strings, lists, dicts, numpy arrays or dataclasses",
    )


def compile_experiment(exp: Any, preset: str = "smoke", device: str = "cpu") -> Plan:
    """Compile ``exp``: an :class:`~catdyn.experiments.ExperimentFamily` (what ``@experiment``
    makes) as it builds for ``preset`` (an unknown preset is a :class:`SpecError` naming the
    known ones), or a built :class:`~catdyn.experiments.Experiment`; see :func:`compile_diagram`."""
    if hasattr(exp, "build"):
        return compile_diagram(exp.build(preset), preset, device)
    return compile_diagram(exp, preset, device)


def _content(a: Any, contents: dict[str, str]) -> str:
    """What arrow ``a`` computes, without names: its morphism and its inputs' contents."""
    return task_key({"morphism": canonical(a.morphism.serialise()), "inputs": [contents[n.name] for n in a.inputs]})


def _equation_task(eq: Any, keys: dict[str, str], seed: int, device: str) -> Task:
    """The check task of a declared equation (or of a pullback's square)."""
    from catdyn import __version__
    from catdyn.runner.equations import CheckEquation

    check = CheckEquation(type=type_name(eq.lhs.type), equation=eq.name, statement=f"{eq.lhs.name} = {eq.rhs.name}",
                          atol=eq.atol, rtol=eq.rtol)
    serial = check.serialise()
    inputs = (keys[eq.lhs.name], keys[eq.rhs.name])
    payload = {
        "catdyn": __version__,
        "catdyn_source": source_fingerprint(),
        "equation": eq.name,
        "morphism": canonical(serial),
        "device": device,
        "inputs": list(inputs),
    }
    return Task(task_key(payload), f"= {eq.name}", serial["morphism"], serial["params"], arrow_seed(seed, eq.name),
                device, inputs, "", eq.where)


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
    >>> [t.arrow for t in plan.tasks], plan.tasks[0].morphism.endswith(":Rows")
    (['Rows', 'again', '= same'], True)
    """
    from catdyn import __version__

    arrows = exp.arrows
    if not arrows:
        raise SpecError(f"experiment {exp.name} has no morphisms", "Add some with e.add(...)").at(exp.where)
    keys: dict[str, str] = {}  # node name -> key of the task that computes it
    contents: dict[str, str] = {}  # node name -> what computes it, without names (for seed_from="content")
    tasks = []
    for a in arrows:  # e.add wires only existing nodes, so declaration order is topological
        content = _content(a, contents)
        label = a.name if a.seed_from == "name" else f"content:{content}"
        seed = arrow_seed(exp.seed, label)
        # a name-seeded arrow's value depends on its seed too: later content seeds must see it
        contents[a.cod.name] = content if a.seed_from == "content" else task_key({"content": content, "seed": seed})
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
