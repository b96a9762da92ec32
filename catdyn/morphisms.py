"""Executable morphisms of a backend category: typed, validated, serialisable.

A :class:`BackendMorphism` is a pydantic model: its fields are its parameters, validated when
it is constructed; its class declares the value types it reads (``inputs``, the factors of
its domain) and writes (``output``); :meth:`~BackendMorphism.run` computes it. Its string
form is only its serialisation (:meth:`~BackendMorphism.serialise`): the qualified class name
and the canonical parameters, which is what a task key hashes.

At the level of types these are morphisms of one category, :data:`BACKEND` (objects: value
types and their products), so a :class:`~catdyn.limits.Cospan` of two of them is checked like
any other cospan. Backends make theirs discoverable through the ``catdyn.morphisms`` entry
point group (:func:`registered`), never by a side-effect import.

>>> from catdyn.values import Table
>>> class Count(BackendMorphism):
...     '''The number of rows of a table.'''
...     inputs = (Table,)
...     output = Table
...     column: str = "n"
...     def run(self, ctx, table):
...         return Table([{self.column: len(table.rows)}])
>>> f = Count(column="rows")
>>> f.name, f.dom.name, f.cod.name
('Count', 'Table', 'Table')
>>> f.serialise()["params"]
{'column': 'rows'}
>>> Count(column=3)
Traceback (most recent call last):
...
catdyn.errors.SpecError: Count got invalid parameters: column: Input should be a valid string (got 3). Fix the parameter; `catdyn morphisms` lists every morphism's parameters.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from catdyn.category import Category, Comparison
from catdyn.errors import CompositionError, SpecError
from catdyn.values import Value, load_type, type_name

ENTRY_POINT_GROUP = "catdyn.morphisms"
"""The entry point group through which backends publish their morphism modules."""


@dataclass(frozen=True)
class TypeObject:
    """An object of :data:`BACKEND`: a product of value types (``()`` is the point ``1``).

    >>> from catdyn.values import Dataset, Population
    >>> TypeObject((Population, Dataset)).name
    'Population × Dataset'
    """

    types: tuple[type, ...]

    @property
    def name(self) -> str:
        return " × ".join(t.kind() for t in self.types) or "1"

    @property
    def category(self) -> BackendCategory:
        return BACKEND


class BackendMorphism(BaseModel):
    """The base of every executable morphism (see the module docstring).

    Subclasses set ``inputs`` (value types of the domain's factors; empty: a global element
    ``1 → output``), ``output``, optionally ``variadic`` (the last input may repeat, at least
    once) and ``version`` (bump it when the numbers it computes change), declare parameters
    as pydantic fields, and implement ``run(ctx, *inputs) -> output``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: ClassVar[tuple[type[Value], ...]] = ()
    output: ClassVar[type[Value]] = Value
    variadic: ClassVar[bool] = False
    version: ClassVar[str] = "1"

    def __init__(self, **params: Any) -> None:
        try:
            super().__init__(**params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(all)'}: {e['msg']} (got {e.get('input')!r})"
                for e in exc.errors()
            )
            raise SpecError(
                f"{type(self).__name__} got invalid parameters: {problems}",
                "Fix the parameter; `catdyn morphisms` lists every morphism's parameters",
            ) from None

    # --- typing ----------------------------------------------------------------------------
    def domain(self) -> tuple[type[Value], ...]:
        """The value types this morphism reads (per instance: a projection's depend on it)."""
        return type(self).inputs

    def codomain(self) -> type[Value]:
        """The value type this morphism writes."""
        return type(self).output

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def dom(self) -> TypeObject:
        return TypeObject(self.domain())

    @property
    def cod(self) -> TypeObject:
        return TypeObject((self.codomain(),))

    @property
    def category(self) -> BackendCategory:
        return BACKEND

    def then(self, other: BackendMorphism) -> Composite:
        """``self >> other`` at the level of types: ``other`` must read exactly what ``self``
        writes (one input), else a :class:`~catdyn.errors.CompositionError` names both."""
        if other.domain() != (self.codomain(),):
            raise CompositionError.mismatch(self, self.dom, self.cod, other, other.dom, other.cod)
        return Composite(steps=(*_steps(self), *_steps(other)))

    def __rshift__(self, other: BackendMorphism) -> Composite:
        return self.then(other)

    # --- running and serialising --------------------------------------------------------------
    @abstractmethod
    def run(self, ctx: Any, *inputs: Value) -> Value:
        """Compute the morphism on typed inputs (``ctx``: seed, device, records). Abstract:
        a class without it cannot be instantiated (pydantic's model metaclass is an ABCMeta)."""

    def params(self) -> dict[str, Any]:
        """The validated parameters as plain JSON data."""
        return self.model_dump(mode="json")

    def serialise(self) -> dict[str, Any]:
        """The canonical serialisation: qualified class, version and parameters."""
        return {"morphism": type_name(type(self)), "version": self.version, "params": self.params()}

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{self.name}({args})"


def _steps(m: BackendMorphism) -> tuple[BackendMorphism, ...]:
    return m.steps if isinstance(m, Composite) else (m,)


def from_serialisation(data: dict[str, Any]) -> BackendMorphism:
    """Rebuild a morphism from :meth:`BackendMorphism.serialise` (what a worker receives).

    >>> p = Project(apex="catdyn.morphisms:Composite", side="left")
    >>> from_serialisation(p.serialise()) == p
    True
    """
    cls = load_type(data["morphism"])
    if not (isinstance(cls, type) and issubclass(cls, BackendMorphism)):
        raise SpecError(f"{data['morphism']} is not a morphism", "Serialise morphisms with serialise()")
    if inspect.isabstract(cls):
        raise SpecError(f"{data['morphism']} is abstract: it has no run()", "Name a morphism that implements run")
    return cls(**data.get("params", {}))


class BackendCategory(Category):
    """The category of value types and executable morphisms (composition is syntactic: a
    composite runs its steps in order; equality compares serialisations)."""

    name = "Backend"

    def identity(self, obj: Any) -> BackendMorphism:
        (t,) = obj.types
        return Identity(type=type_name(t))

    def compose(self, f: Any, g: Any) -> BackendMorphism:
        return f.then(g)

    def compare(self, f: Any, g: Any) -> Comparison:
        same = f.serialise() == g.serialise()
        return Comparison(same, 0.0 if same else 1.0, exact=True)


BACKEND = BackendCategory()
"""The one backend category every executable morphism lives in (at the level of types)."""


# --- core morphisms (no backend needed) ---------------------------------------------------------
class Identity(BackendMorphism):
    """The identity of a value type (given by its qualified name)."""

    type: str

    def domain(self) -> tuple[type[Value], ...]:
        return (load_type(self.type),)

    def codomain(self) -> type[Value]:
        return load_type(self.type)

    def run(self, ctx: Any, value: Value) -> Value:
        return value


class Composite(BackendMorphism):
    """Steps run one after the other (what ``f >> g`` builds)."""

    steps: tuple[Any, ...]

    @field_validator("steps")
    @classmethod
    def _morphisms(cls, steps: tuple[Any, ...]) -> tuple[Any, ...]:
        """Steps given serialised (as a task stores them) are rebuilt."""
        return tuple(from_serialisation(s) if isinstance(s, dict) else s for s in steps)

    def domain(self) -> tuple[type[Value], ...]:
        return self.steps[0].domain()

    def codomain(self) -> type[Value]:
        return self.steps[-1].codomain()

    def params(self) -> dict[str, Any]:
        return {"steps": [s.serialise() for s in self.steps]}

    def run(self, ctx: Any, *inputs: Value) -> Value:
        out = self.steps[0].run(ctx, *inputs)
        for s in self.steps[1:]:
            out = s.run(ctx, out)
        return out


def apex_sides(apex: type) -> dict[str, type]:
    """The types of an apex value's ``left`` and ``right`` fields (the projections' ends).

    >>> @dataclasses.dataclass(frozen=True)
    ... class Pair(Value):
    ...     left: Value
    ...     right: Value
    >>> apex_sides(Pair)["right"].kind()
    'Value'
    """
    hints = typing.get_type_hints(apex)
    names = {f.name for f in dataclasses.fields(apex)}
    if not {"left", "right"} <= names:
        raise SpecError(
            f"{apex.__name__} is used as the apex of a pullback but has no fields left and right",
            "An apex value holds the point's two projections as fields left and right",
        )
    return {"left": hints["left"], "right": hints["right"]}


class Project(BackendMorphism):
    """A projection of a pullback's apex: its ``left`` or ``right`` component."""

    apex: str
    side: Literal["left", "right"]

    def domain(self) -> tuple[type[Value], ...]:
        return (load_type(self.apex),)

    def codomain(self) -> type[Value]:
        return apex_sides(load_type(self.apex))[self.side]

    @property
    def name(self) -> str:
        return f"π_{self.side}"

    def run(self, ctx: Any, apex: Value) -> Value:
        return getattr(apex, self.side)


class Solver(BackendMorphism):
    """A morphism that computes a point of a pullback: it reads the points at both legs'
    first factors (and any shared factors), and writes an apex value with ``left`` and
    ``right``. The compiler fills ``legs`` with the cospan's two morphisms (serialised), so
    the solve task's key covers them and :meth:`leg_morphisms` gives them back."""

    legs: tuple[dict[str, Any], ...] = ()

    def leg_morphisms(self) -> tuple[BackendMorphism, BackendMorphism]:
        """The cospan's legs this solve task was compiled for."""
        if len(self.legs) != 2:
            raise SpecError(f"{self.name} was run without its cospan's legs", "Use it through e.pullback(...)")
        left, right = (from_serialisation(d) for d in self.legs)
        return left, right


# --- discovery -------------------------------------------------------------------------------------
def _defined_in(module: Any) -> Iterable[type[BackendMorphism]]:
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, BackendMorphism)
            and value.__module__ == module.__name__
            and value is not BackendMorphism
            and "run" in value.__dict__
        ):
            yield value


def registered() -> dict[str, type[BackendMorphism]]:
    """Every published morphism by qualified name: catdyn's own, then each module named in the
    ``catdyn.morphisms`` entry point group (loaded here, on demand). A module that fails to
    import is reported as a :class:`~catdyn.errors.SpecError` naming the entry point.

    >>> "catdyn.morphisms:Project" in registered()
    True
    """
    import sys
    from importlib.metadata import entry_points

    found = {type_name(c): c for c in _defined_in(sys.modules[__name__])}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            module = ep.load()
        except Exception as exc:
            raise SpecError(
                f"the morphism module {ep.value} (entry point {ep.name} of {ENTRY_POINT_GROUP}) failed to "
                f"import: {type(exc).__name__}: {exc}",
                "Install the backend's extra (pip install 'catdyn[torch]') or fix the module",
            ) from exc
        found.update({type_name(c): c for c in _defined_in(module)})
    return found


def describe(cls: type[BackendMorphism]) -> dict[str, Any]:
    """What `catdyn morphisms` prints for one morphism: name, domain, codomain, parameters.

    >>> describe(Project)["parameters"][1]
    {'name': 'side', 'type': "Literal['left', 'right']", 'default': None, 'required': True}
    """
    params = []
    for name, f in cls.model_fields.items():
        shown = getattr(f.annotation, "__name__", None) if isinstance(f.annotation, type) else None
        shown = shown or str(f.annotation).replace("typing.", "")
        params.append({"name": name, "type": shown, "default": None if f.is_required() else f.default,
                       "required": f.is_required()})
    dom = " × ".join(t.kind() for t in cls.inputs) or "1"
    cod = cls.output.kind()
    if cls.variadic:
        dom += " × …"
    if "domain" in cls.__dict__:
        dom = cod = "(set by its parameters)"
    doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    return {"name": cls.__name__, "qualified": type_name(cls), "dom": dom, "cod": cod,
            "parameters": params, "doc": doc}
