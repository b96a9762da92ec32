"""Typed value spaces: the objects of an experiment's diagram, each with exactly one schema.

A :class:`Value` is a frozen dataclass. Its fields are its schema: two morphisms that read or
write a ``Population`` agree on what a population holds, because there is one class. A value
is validated when it is built (:meth:`Value.check`), and converts to and from the plain tree
the store keeps (:meth:`Value.to_tree`, :meth:`Value.from_tree`; arrays stay arrays, nested
values become trees). Backends define their own value types the same way; a value module
imports neither torch nor numpy at import time, so a diagram's types compile without them.

>>> t = Table(rows=[{"method": "finetune", "acc": 0.9}])
>>> Table.from_tree(t.to_tree()) == t
True
>>> Table(rows=[{"a": 1}, {"b": 2}])
Traceback (most recent call last):
...
catdyn.errors.SchemaError: a Table was built with rows whose keys differ: row 1 has ['b'], row 0 has ['a']. Give every row the same keys.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from catdyn.errors import SchemaError


def type_name(cls: type) -> str:
    """The qualified name a value or morphism type is serialised under.

    >>> type_name(Table)
    'catdyn.values:Table'
    """
    return f"{cls.__module__}:{cls.__qualname__}"


def load_type(name: str) -> type:
    """The class serialised as ``module:Qualname`` (imports the module).

    >>> load_type("catdyn.values:Table") is Table
    True
    """
    import importlib

    module, _, qual = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


@dataclasses.dataclass(frozen=True)
class Value:
    """The base of every value type. Subclasses are frozen dataclasses whose fields are the
    schema; :meth:`check` validates them and raises a :class:`~catdyn.errors.SchemaError`."""

    doc: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Validate the fields (subclasses override; the default accepts everything)."""

    @classmethod
    def kind(cls) -> str:
        """The short name the diagram and the report show.

        >>> Population.kind()
        'Population'
        """
        return cls.__name__

    def to_tree(self) -> dict[str, Any]:
        """The fields as a plain dict (nested values as their trees), for the store."""
        return {f.name: _tree(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_tree(cls, tree: Mapping[str, Any]) -> Value:
        """Rebuild a value from :meth:`to_tree`'s output; a missing or unknown field is a
        :class:`~catdyn.errors.SchemaError` naming it."""
        if isinstance(tree, Value):
            tree = tree.to_tree()
        if not isinstance(tree, Mapping):
            raise SchemaError.not_a_tree(cls.kind(), type(tree).__name__)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(tree) - names)
        if unknown:
            raise SchemaError.unknown_fields(cls.kind(), unknown, sorted(names))
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name not in tree:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise SchemaError.missing_field(cls.kind(), f.name)
                continue
            hint = hints.get(f.name)
            sub = tree[f.name]
            if isinstance(hint, type) and issubclass(hint, Value) and not isinstance(sub, Value):
                sub = hint.from_tree(sub)
            kwargs[f.name] = sub
        return cls(**kwargs)


def _tree(x: Any) -> Any:
    return x.to_tree() if isinstance(x, Value) else x


def require(kind: str, ok: bool, problem: str, hint: str) -> None:
    """Raise a :class:`~catdyn.errors.SchemaError` ("a KIND was built with PROBLEM") unless ``ok``.

    >>> require("Table", True, "", "")
    """
    if not ok:
        raise SchemaError(f"a {kind} was built with {problem}", hint)


# --- generic value types (backend-neutral: arrays are numpy or torch, never imported here) ------
@dataclasses.dataclass(frozen=True)
class Table(Value):
    """Rows of equal keys (a table of results)."""

    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def check(self) -> None:
        for i, r in enumerate(self.rows):
            if list(r) != list(self.rows[0]) and set(r) != set(self.rows[0]):
                raise SchemaError(
                    f"a Table was built with rows whose keys differ: row {i} has {sorted(r)}, row 0 has "
                    f"{sorted(self.rows[0])}",
                    "Give every row the same keys",
                )


@dataclasses.dataclass(frozen=True)
class Claims(Value):
    """Claims with the paper's figure, the measured one, its interval and one verdict each
    (the verdicts of :data:`VERDICTS`).

    >>> Claims([{"claim": "c", "verdict": "maybe"}])
    Traceback (most recent call last):
    ...
    catdyn.errors.SchemaError: a Claims was built with claim 0 ('c') with verdict 'maybe'. Use one of: reproduced, not reproduced, contradicted, inconclusive, not measured, held, refuted, proved, error.
    """

    claims: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def check(self) -> None:
        for i, c in enumerate(self.claims):
            require(
                "Claims",
                c.get("verdict") in VERDICTS,
                f"claim {i} ({c.get('claim')!r}) with verdict {c.get('verdict')!r}",
                f"Use one of: {', '.join(VERDICTS)}",
            )


VERDICTS = ("reproduced", "not reproduced", "contradicted", "inconclusive", "not measured", "held", "refuted", "proved",
            "error")
"""The verdicts a claim may carry."""


@dataclasses.dataclass(frozen=True)
class Dataset(Value):
    """A labelled data set with a train and a test split (arrays of inputs and labels)."""

    name: str
    n_classes: int
    train_x: Any
    train_y: Any
    test_x: Any
    test_y: Any

    def check(self) -> None:
        require("Dataset", int(self.n_classes) >= 1, f"{self.n_classes} classes", "A data set has a class")
        for split in ("train", "test"):
            x, y = getattr(self, f"{split}_x"), getattr(self, f"{split}_y")
            require(
                "Dataset",
                len(x) == len(y),
                f"{len(x)} {split} inputs but {len(y)} labels",
                "Give one label per input",
            )


@dataclasses.dataclass(frozen=True)
class Population(Value):
    """Trained networks of one architecture: the product of K parameter spaces, one point each.

    ``arch`` is the architecture's config (``{"type": "mlp", "widths": [...]}``); ``params``
    maps each parameter's name to a stacked array ``(K, ...)``; ``status`` is ``ok`` or
    ``failed`` per member; ``seeds`` the member seeds; ``meta`` free per-member facts (the
    learning rate, the label budget, what a tuning kept). What training kept beside the final
    point, each optional and each stacked over the members so that every morphism reads the
    same thing:

    - ``losses`` ``(T, K)``: member k's mini-batch loss at step t (NaN after it failed);
    - ``failed_at`` ``(K,)``: the step whose loss was not finite, −1 for a member that never failed;
    - ``route``: how the ensemble was trained (the engine's route, e.g. ``fast``);
    - ``checkpoints``: ``{str(step): {name: (K, ...)}}``, the parameters after ``step`` steps, with
      the names of ``params``;
    - ``trajectory`` ``(K, T, P)``: each member's flattened parameters at T points of training.

    >>> Population({"type": "mlp"}, {"w": [[1.0], [2.0]]}, ["ok", "ok"], [0, 1], failed_at=[-1])
    Traceback (most recent call last):
    ...
    catdyn.errors.SchemaError: a Population was built with failed_at over 1 members, not 2. Give one entry per member (the first axis).
    >>> Population({"type": "mlp"}, {"w": [[1.0]]}, ["ok"], [0], checkpoints={"5": {"v": [[0.0]]}})
    Traceback (most recent call last):
    ...
    catdyn.errors.SchemaError: a Population was built with checkpoint 5 holding parameters ['v'], not those of params (['w']). A checkpoint holds every parameter of the population, stacked over the members.
    """

    arch: dict[str, Any]
    params: dict[str, Any]
    status: list[str]
    seeds: list[int]
    meta: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    losses: Any = None
    failed_at: Any = None
    route: str = ""
    checkpoints: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    trajectory: Any = None

    def check(self) -> None:
        k = len(self.status)
        require("Population", len(self.seeds) == k, f"{len(self.seeds)} seeds for {k} members", "One seed per member")
        require("Population", not self.meta or len(self.meta) == k, f"{len(self.meta)} meta rows for {k} members",
                 "One meta row per member")
        for name, t in self.params.items():
            require("Population", len(t) == k, f"parameter {name} stacked over {len(t)} members, not {k}",
                     "Stack every parameter over the members (first axis)")
        for name in ("failed_at", "trajectory"):
            value = getattr(self, name)
            require("Population", value is None or len(value) == k, f"{name} over {_length(value)} members, not {k}",
                     "Give one entry per member (the first axis)")
        shape = getattr(self.losses, "shape", None)
        if self.losses is not None:
            shape = tuple(shape) if shape is not None else (len(self.losses), len(self.losses[0]) if len(self.losses) else 0)
            require("Population", len(shape) == 2 and shape[1] == k,
                     f"losses of shape {shape} for {k} members", "Losses are (steps, members)")
        for step, ps in self.checkpoints.items():
            require("Population", str(step).isdigit(), f"a checkpoint named {step!r}",
                     "Name a checkpoint by its step, a non-negative integer, as a string")
            require("Population", set(ps) == set(self.params),
                     f"checkpoint {step} holding parameters {sorted(ps)}, not those of params ({sorted(self.params)})",
                     "A checkpoint holds every parameter of the population, stacked over the members")
            for name, t in ps.items():
                require("Population", len(t) == k, f"checkpoint {step}'s {name} over {len(t)} members, not {k}",
                         "Stack every parameter over the members (first axis)")

    @classmethod
    def from_tree(cls, tree: Mapping[str, Any]) -> Value:
        """As :meth:`Value.from_tree`; a tree an older catdyn stored, with a free ``extras``
        dict (``losses``, ``failed_at``, ``path``, ``checkpoints``, ``trajectory``), is read
        into the typed fields, and any other key of it is a :class:`~catdyn.errors.SchemaError`."""
        if isinstance(tree, Mapping) and "extras" in tree:
            extras = dict(tree["extras"] or {})
            if "path" in extras:
                extras["route"] = extras.pop("path")
            tree = {**{k: v for k, v in tree.items() if k != "extras"}, **extras}
        return super().from_tree(tree)

    @property
    def size(self) -> int:
        """The number of members."""
        return len(self.status)


def _length(x: Any) -> int:
    return len(x) if x is not None else 0


@dataclasses.dataclass(frozen=True)
class RepresentationTable(Value):
    """The realisation of a population: each member's activations of ``layer`` on a probe set,
    stacked ``(K, n_probe, width)`` (failed members: NaN rows)."""

    layer: str
    probe: str
    features: Any
    status: list[str]

    def check(self) -> None:
        require("RepresentationTable", len(self.features) == len(self.status),
                 f"{len(self.features)} feature blocks for {len(self.status)} members", "One block per member")


@dataclasses.dataclass(frozen=True)
class BarrierMatrix(Value):
    """Loss barriers between every pair of a population's members (square, symmetric), under
    a named definition (``mean-endpoint``, ``line-endpoint``, ``sublevel``, ``relative``), measured
    at ``points`` points of each path. ``members`` are the population rows of the matrix's rows
    (default: all, in order), ``size`` the population's size (0: the matrix's side), ``measure``
    what the barrier is of (``loss (train)``), ``own`` each member's own value of the measure
    (empty: not given; under ``sublevel`` a member whose own value exceeds c is in no class)."""

    matrix: Any
    definition: str
    points: int
    members: list[int] = dataclasses.field(default_factory=list)
    size: int = 0
    measure: str = "loss (train)"
    own: list[float] = dataclasses.field(default_factory=list)

    def check(self) -> None:
        shape = getattr(self.matrix, "shape", None) or (len(self.matrix), len(self.matrix[0]) if len(self.matrix) else 0)
        require("BarrierMatrix", len(shape) == 2 and shape[0] == shape[1], f"a matrix of shape {tuple(shape)}",
                 "A barrier matrix is square: one row and column per member")
        require("BarrierMatrix", not self.members or len(self.members) == shape[0],
                 f"{len(self.members)} member rows for a side of {shape[0]}", "Name one population row per side")
        require("BarrierMatrix", self.size == 0 or all(0 <= m < self.size for m in self.members),
                 f"member rows {self.members} in a population of {self.size}", "Rows lie in the population")


@dataclasses.dataclass(frozen=True)
class Partition(Value):
    """A partition of a population's members into classes (``labels[i]`` is member i's class;
    ``None``: in no class), with the criterion and level that made it."""

    labels: list[int | None]
    criterion: str
    level: float


@dataclasses.dataclass(frozen=True)
class Landscapes(Value):
    """Loss on a grid through each member's minimum along filter-normalised directions:
    ``grids`` stacked ``(K, n, n)``, ``span`` the half-width in direction units."""

    grids: Any
    span: float
    directions_seed: int


@dataclasses.dataclass(frozen=True)
class LandscapeHalves(Value):
    """Each member's loss on one plane's grid (as in :class:`Landscapes`) on each of two
    disjoint halves A and B of the samples its landscape is taken on: ``a`` and ``b`` stacked
    ``(K, n, n)`` (a failed member: NaN), ``sizes`` the sample counts ``[|A|, |B|]`` per member,
    ``span`` and ``directions_seed`` as in :class:`Landscapes`, ``models`` each member's identity
    (a row of names), ``batch_norm`` how batch norm was evaluated (``none``, ``stored`` or
    ``recompute``). The loss is a mean over samples, so, unless batch norm recomputes its
    statistics over the evaluation batch, the landscape on A ∪ B is (|A|·a + |B|·b)/(|A| + |B|).

    >>> LandscapeHalves([[[0.0]]], [[[1.0]]], [[2, 2]], 1.0, 0, [{"model": "m"}, {"model": "n"}])
    Traceback (most recent call last):
    ...
    catdyn.errors.SchemaError: a LandscapeHalves was built with 2 model rows for 1 members. Give one size pair, one model row and one grid of a and of b per member.
    """

    a: Any
    b: Any
    sizes: list[list[int]]
    span: float
    directions_seed: int
    models: list[dict[str, Any]]
    batch_norm: str = "none"

    def check(self) -> None:
        k, hint = len(self.a), "Give one size pair, one model row and one grid of a and of b per member"
        for name, n in (("grids in b", len(self.b)), ("size pairs", len(self.sizes)), ("model rows", len(self.models))):
            require("LandscapeHalves", n == k, f"{n} {name} for {k} members", hint)
        shape_a, shape_b = _shape(self.a), _shape(self.b)
        require("LandscapeHalves", shape_a == shape_b, f"halves of shapes {shape_a} and {shape_b}",
                 "Both halves are grids of the same plane: one shape")
        require("LandscapeHalves", all(len(s) == 2 and min(s) >= 1 for s in self.sizes),
                 f"sizes {self.sizes}", "Give each member's [|A|, |B|], both at least 1")
        require("LandscapeHalves", self.batch_norm in ("none", "stored", "recompute"),
                 f"batch_norm {self.batch_norm!r}", "Use none, stored or recompute")


def _shape(x: Any) -> tuple[int, ...]:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return tuple(int(n) for n in shape)
    return (len(x), *_shape(x[0])) if isinstance(x, (list, tuple)) and len(x) else ((0,) if isinstance(x, (list, tuple)) else ())


@dataclasses.dataclass(frozen=True)
class PersistenceDiagrams(Value):
    """Sublevel-set persistence of each landscape: per member, per dimension, (birth, death)
    pairs (the essential class's death stored as ``None``, never as inf in a sum)."""

    diagrams: list[dict[str, list[list[float | None]]]]
    construction: str = "vertex"
