"""Diagrams of finite and symbolic categories to and from JSON (pydantic models).

The document says which category it lives in (``FinSet``, ``Perm`` or ``MatQ``), then lists
objects, morphisms (by the names of their ends) and equations (pairs of paths of morphism
names). Reading validates every field; a malformed document raises a
:class:`~catdyn.errors.SpecError` whose message names the offending field (for example
``morphisms.1.table``), and nothing is built from it.

MatQ entries are strings: integers, fractions and polynomial expressions in named symbols
(``"1/2"``, ``"a*b - 3"``). They are read by a small parser that accepts only numbers,
names, ``+ - * /`` and integer powers — never Python's ``eval``, so a JSON document cannot
run code.

>>> from catdyn.categories.finset import FinSet
>>> A, B = FinSet.object("A", ["x", "y"]), FinSet.object("B", 1)
>>> d = Diagram("d", FinSet, [FinSet.function("f", A, B, [0, 0])])
>>> text = diagram_to_json(d)
>>> diagram_from_json(text).morphism("f") == d.morphism("f")
True
>>> diagram_from_json('{"format": "catdyn.diagram/1", "category": "FinSet", "name": "e", '
...                   '"objects": [{"name": "A", "size": -1}]}')
Traceback (most recent call last):
...
catdyn.errors.SpecError: <string>: field objects.0.size: Input should be greater than or equal to 0. Fix that field; catdyn read nothing from this document.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catdyn.category import Morphism, Object
from catdyn.diagram import Diagram
from catdyn.errors import CatdynError, SpecError, UnknownObjectError

FORMAT = "catdyn.diagram/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Label = int | str | list[Any]


class EquationModel(_Model):
    lhs: list[str] = Field(min_length=1)
    rhs: list[str] = Field(min_length=1)


class FinSetObjectModel(_Model):
    name: str
    size: int = Field(ge=0)
    labels: list[Label] | None = None


class FinFunctionModel(_Model):
    name: str
    dom: str
    cod: str
    table: list[int]


class PermObjectModel(_Model):
    name: str
    sizes: list[Annotated[int, Field(ge=0)]]


class PermutationModel(_Model):
    name: str
    dom: str
    cod: str
    perms: list[list[int]]


class MatObjectModel(_Model):
    name: str
    dim: int = Field(ge=0)


class MatrixModel(_Model):
    name: str
    dom: str
    cod: str
    entries: list[list[str | int]]


class _DiagramBase(_Model):
    format: Literal["catdyn.diagram/1"]
    name: str
    equations: list[EquationModel] = []


class FinSetDiagramModel(_DiagramBase):
    category: Literal["FinSet"]
    objects: list[FinSetObjectModel] = []
    morphisms: list[FinFunctionModel] = []


class PermDiagramModel(_DiagramBase):
    category: Literal["Perm"]
    objects: list[PermObjectModel] = []
    morphisms: list[PermutationModel] = []


class MatQDiagramModel(_DiagramBase):
    category: Literal["MatQ"]
    objects: list[MatObjectModel] = []
    morphisms: list[MatrixModel] = []


class DiagramDocument(_Model):
    """The whole JSON document; ``category`` selects the model of its objects and morphisms."""

    diagram: Annotated[FinSetDiagramModel | PermDiagramModel | MatQDiagramModel, Field(discriminator="category")]


# --- safe parsing of symbolic entries ------------------------------------------------------

MAX_EXPONENT = 64
"""The largest power an entry may write (a document must not be able to stall the reader)."""
MAX_INTEGER_BITS = 256
"""The largest integer literal an entry may write, in bits."""

_BINARY = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__"}


def parse_entry(text: str | int) -> Any:
    """A sympy number or polynomial expression from a string, without ``eval``.

    >>> parse_entry("1/2 + a*b**2")
    a*b**2 + 1/2
    >>> parse_entry("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: unsupported syntax in "__import__('os')": Call
    """
    import sympy

    if isinstance(text, int):
        return sympy.Integer(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse {text!r}: {exc.msg}") from None

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if abs(node.value).bit_length() > MAX_INTEGER_BITS:
                raise ValueError(f"integer in {text!r} has more than {MAX_INTEGER_BITS} bits")
            return sympy.Integer(node.value)
        if isinstance(node, ast.Name) and node.id.isidentifier() and not node.id.startswith("_"):
            return sympy.Symbol(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return getattr(walk(node.left), _BINARY[type(node.op)])(walk(node.right))
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, int)
        ):
            if not 0 <= node.right.value <= MAX_EXPONENT:
                raise ValueError(f"exponent {node.right.value} in {text!r} is outside 0 … {MAX_EXPONENT}")
            return walk(node.left) ** node.right.value
        raise ValueError(f"unsupported syntax in {text!r}: {type(node).__name__}")

    return walk(tree)


# --- per-category conversion ---------------------------------------------------------------


def _tupled(x: Any) -> Any:
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


def _listed(x: Any) -> Any:
    return [_listed(v) for v in x] if isinstance(x, tuple) else x


def _category_name(diagram: Diagram) -> str:
    from catdyn.categories.finset import FinSet
    from catdyn.categories.perm import Perm

    if diagram.category is FinSet:
        return "FinSet"
    if diagram.category is Perm:
        return "Perm"
    if getattr(diagram.category, "name", "") == "MatQ":
        return "MatQ"
    raise SpecError(
        f"diagram {diagram.name} lives in {diagram.category.name}, which has no JSON form",
        "Only diagrams of FinSet, Perm and MatQ are stored as JSON",
    )


def _dump_object(kind: str, obj: Any) -> dict[str, Any]:
    if kind == "FinSet":
        out: dict[str, Any] = {"name": obj.name, "size": obj.size}
        if obj.labels is not None:
            out["labels"] = _listed(obj.labels)
        return out
    if kind == "Perm":
        return {"name": obj.name, "sizes": list(obj.sizes)}
    return {"name": obj.name, "dim": obj.dim}


def _dump_morphism(kind: str, m: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": m.name, "dom": m.dom.name, "cod": m.cod.name}
    if kind == "FinSet":
        out["table"] = m.table.tolist()
    elif kind == "Perm":
        out["perms"] = [p.tolist() for p in m.perms]
    else:
        out["entries"] = [[str(m.matrix[i, j]) for j in range(m.matrix.shape[1])] for i in range(m.matrix.shape[0])]
    return out


def diagram_to_json(diagram: Diagram, indent: int | None = 2) -> str:
    """The JSON document of a diagram of FinSet, Perm or MatQ."""
    kind = _category_name(diagram)
    doc = {
        "format": FORMAT,
        "category": kind,
        "name": diagram.name,
        "objects": [_dump_object(kind, o) for o in diagram.objects],
        "morphisms": [_dump_morphism(kind, m) for m in diagram.morphisms],
        "equations": [{"lhs": [m.name for m in e.lhs], "rhs": [m.name for m in e.rhs]} for e in diagram.equations],
    }
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def _builders(kind: str) -> tuple[Any, Callable[[Any], Object], Callable[[Any, Object, Object], Morphism]]:
    if kind == "FinSet":
        from catdyn.categories.finset import FinSet, FinSetObject

        def fin_obj(o: FinSetObjectModel) -> Object:
            labels = None if o.labels is None else tuple(_tupled(v) for v in o.labels)
            return FinSetObject(o.name, o.size, labels)

        return FinSet, fin_obj, lambda m, d, c: FinSet.function(m.name, d, c, m.table)
    if kind == "Perm":
        from catdyn.categories.perm import Perm, Permutation, SymmetryGroup

        return (
            Perm,
            lambda o: SymmetryGroup(o.name, tuple(o.sizes)),
            lambda m, d, c: Permutation(m.name, d, c, tuple(m.perms)),
        )
    from catdyn.categories.mat import MatQ

    def matrix(m: MatrixModel, d: Object, c: Object) -> Morphism:
        rows = [[parse_entry(e) for e in row] for row in m.entries]
        return MatQ.matrix(m.name, d, c, rows)

    return MatQ, lambda o: MatQ.object(o.name, o.dim), matrix


def diagram_from_json(text: str, source: str = "<string>") -> Diagram:
    """Read a diagram from its JSON document; every field is validated first."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "Fix the syntax; catdyn read nothing from this document",
        ) from None
    try:
        doc = DiagramDocument.model_validate({"diagram": raw}).diagram
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])[1:]  # drop the wrapper's "diagram"
        if len(loc) > 1 and loc[0] in ("FinSet", "Perm", "MatQ"):
            loc = loc[1:]  # and the discriminator's tag
        if not loc and str(first["type"]).startswith("union_tag"):
            loc = ("category",)
        raise SpecError.validation(source, loc, first["msg"]) from None
    category, make_object, make_morphism = _builders(doc.category)
    objects: dict[str, Object] = {}
    where = ""
    try:
        for i, o in enumerate(doc.objects):
            where = f"objects.{i}"
            objects[o.name] = make_object(o)
        morphisms: list[Morphism] = []
        for i, m in enumerate(doc.morphisms):
            where = f"morphisms.{i}"
            for end in (m.dom, m.cod):
                if end not in objects:
                    raise UnknownObjectError.missing(end, doc.name, objects.values())
            morphisms.append(make_morphism(m, objects[m.dom], objects[m.cod]))
        where = "equations"
        return Diagram(
            doc.name,
            category,
            morphisms,
            objects=objects.values(),
            equations=[(e.lhs, e.rhs) for e in doc.equations],
        )
    except (CatdynError, ValueError) as exc:
        raise SpecError(f"{source}: field {where}: {exc}", "Fix that field; catdyn read nothing from this document") from None


def equal_diagrams(a: Diagram, b: Diagram) -> bool:
    """Whether two diagrams have the same name, objects, morphisms (with names) and equations.

    >>> from catdyn.categories.finset import FinSet
    >>> d = Diagram("d", FinSet, objects=[FinSet.object("A", 1)])
    >>> equal_diagrams(d, diagram_from_json(diagram_to_json(d)))
    True
    """

    def names(ms: Sequence[Morphism]) -> list[tuple[str, Morphism]]:
        return [(m.name, m) for m in ms]

    return (
        a.name == b.name
        and a.category is b.category
        and a.objects == b.objects
        and names(a.morphisms) == names(b.morphisms)
        and [(names(e.lhs), names(e.rhs)) for e in a.equations] == [(names(e.lhs), names(e.rhs)) for e in b.equations]
    )
