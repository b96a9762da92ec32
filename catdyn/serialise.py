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

A document is untrusted input, so reading it is bounded in time and memory (each refusal is a
:class:`~catdyn.errors.SpecError` naming the field, raised before the expensive step):

* the document: at most :data:`MAX_DOCUMENT_CHARS` characters, nested at most
  :data:`MAX_NESTING` deep, integers of at most :data:`MAX_INTEGER_BITS` bits; sizes and
  dimensions are JSON integers (not ``"3"``, not ``true``) of at most :data:`MAX_SIZE`;
  names of objects and of morphisms are unique;
* a MatQ document: at most :data:`MAX_ENTRIES` entries, each at most
  :data:`MAX_ENTRY_CHARS` characters and :data:`MAX_EXPRESSION_DEPTH` deep; every
  intermediate result of an entry is bounded (:mod:`catdyn._expression_bounds`: terms once
  expanded, degree, coefficient bits) before sympy computes it; a division by zero is
  refused;
* the composites of its equations (built when the diagram is, and expanded when
  ``check_laws`` compares the two sides) are bounded the same way, and all of them together
  may take at most :data:`~catdyn._expression_bounds.MAX_WORK` products of monomials.

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

from catdyn._expression_bounds import MAX_WORK, Bound, composite_cost, difference_cost
from catdyn.category import Morphism, Object
from catdyn.diagram import Diagram
from catdyn.errors import CatdynError, NameClashError, SpecError, UnknownObjectError

FORMAT = "catdyn.diagram/1"


MAX_DOCUMENT_CHARS = 16_000_000
"""The longest JSON document :func:`diagram_from_json` reads, in characters."""
MAX_NESTING = 32
"""The deepest nesting of JSON arrays and objects in a document."""
MAX_SIZE = 10_000_000
"""The largest size of a FinSet object, block of a Perm object, or dimension of a MatQ object."""
MAX_ENTRIES = 100_000
"""The most matrix entries a MatQ document may hold, all morphisms together."""
MAX_ENTRY_CHARS = 2_000
"""The longest symbolic entry, in characters."""
MAX_EXPRESSION_DEPTH = 64
"""The deepest nesting of operations in a symbolic entry."""


class _Model(BaseModel):
    # strict: a size is a JSON integer, never "3" or true
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Size = Annotated[int, Field(ge=0, le=MAX_SIZE)]
Label = int | str | list[Any]


class EquationModel(_Model):
    lhs: list[str] = Field(min_length=1)
    rhs: list[str] = Field(min_length=1)


class FinSetObjectModel(_Model):
    name: str
    size: Size
    labels: list[Label] | None = None


class FinFunctionModel(_Model):
    name: str
    dom: str
    cod: str
    table: list[int]


class PermObjectModel(_Model):
    name: str
    sizes: list[Size]


class PermutationModel(_Model):
    name: str
    dom: str
    cod: str
    perms: list[list[int]]


class MatObjectModel(_Model):
    name: str
    dim: Size


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
"""The largest integer an entry (or the document) may write, in bits."""

_BINARY = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__"}


def parse_entry(text: str | int) -> Any:
    """A sympy number or polynomial expression from a string, without ``eval``.

    Every intermediate result is bounded before it is computed (see the module's docstring);
    what is refused raises :class:`ValueError`.

    >>> parse_entry("1/2 + a*b**2")
    a*b**2 + 1/2
    >>> parse_entry("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: unsupported syntax in "__import__('os')": Call
    >>> parse_entry("((2**64)**64)**64")
    Traceback (most recent call last):
    ...
    ValueError: '((2**64)**64)**64' is too large: an intermediate result would have a numerator with a coefficient of 8192 bits (the cap is 1024)
    """
    return _parse_bounded(text)[0]


def _parse_bounded(text: str | int) -> tuple[Any, Bound]:
    """:func:`parse_entry`, with the bound of the result."""
    import sympy

    if isinstance(text, int):
        if abs(text).bit_length() > MAX_INTEGER_BITS:
            raise ValueError(f"integer entry has more than {MAX_INTEGER_BITS} bits")
        return sympy.Integer(text), Bound.integer(text)
    if len(text) > MAX_ENTRY_CHARS:
        raise ValueError(f"entry of {len(text)} characters is longer than {MAX_ENTRY_CHARS}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"entry {text[:40]!r}… is nested too deeply") from None
    return _Walk(text).value(tree.body, 1)


class _Walk:
    """The evaluation of one entry's syntax tree, bounding each node before computing it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, node: ast.AST, depth: int) -> tuple[Any, Bound]:
        import sympy

        if depth > MAX_EXPRESSION_DEPTH:
            raise ValueError(f"{self.text[:40]!r} is nested more than {MAX_EXPRESSION_DEPTH} deep")
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if abs(node.value).bit_length() > MAX_INTEGER_BITS:
                raise ValueError(f"integer in {self.text!r} has more than {MAX_INTEGER_BITS} bits")
            return sympy.Integer(node.value), Bound.integer(node.value)
        if isinstance(node, ast.Name) and node.id.isidentifier() and not node.id.startswith("_"):
            return sympy.Symbol(node.id), Bound.symbol()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value, bound = self.value(node.operand, depth + 1)
            return (-value if isinstance(node.op, ast.USub) else value), bound
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            (left, lb), (right, rb) = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if isinstance(node.op, ast.Div):
                bound = self.checked(lb.divide(rb))
                if sympy.expand(right) == 0:  # bounded: right is within the caps
                    raise ValueError(f"division by zero in {self.text!r}")
            else:
                bound = self.checked(lb.times(rb) if isinstance(node.op, ast.Mult) else lb.plus(rb))
            return getattr(left, _BINARY[type(node.op)])(right), bound
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, int)
            and not isinstance(node.right.value, bool)
        ):
            if not 0 <= node.right.value <= MAX_EXPONENT:
                raise ValueError(f"exponent {node.right.value} in {self.text!r} is outside 0 … {MAX_EXPONENT}")
            base, bound = self.value(node.left, depth + 1)
            bound = self.checked(bound.power(node.right.value))  # before the power is computed
            return base**node.right.value, bound
        raise ValueError(f"unsupported syntax in {self.text!r}: {type(node).__name__}")

    def checked(self, bound: Bound) -> Bound:
        reason = bound.over_cap()
        if reason is not None:
            raise ValueError(f"{self.text!r} is too large: an intermediate result would have {reason}")
        return bound


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


def _builders(
    kind: str, matrices: dict[str, list[list[Any]]]
) -> tuple[Any, Callable[[Any], Object], Callable[[Any, Object, Object], Morphism]]:
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

    return MatQ, lambda o: MatQ.object(o.name, o.dim), lambda m, d, c: MatQ.matrix(m.name, d, c, matrices[m.name])


def _refused(source: str, where: str, problem: object) -> SpecError:
    return SpecError(f"{source}: field {where}: {problem}", "Fix that field; catdyn read nothing from this document")


def _read_json(text: str, source: str) -> Any:
    """The parsed document, within the caps on length, nesting and integers."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise SpecError(
            f"{source}: the document has {len(text)} characters, more than the {MAX_DOCUMENT_CHARS} catdyn reads",
            "Split the diagram; catdyn read nothing from this document",
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "Fix the syntax; catdyn read nothing from this document",
        ) from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits; nesting too deep
        problem = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
        raise SpecError(f"{source}: not a JSON document catdyn reads ({problem})",
                        "Fix it; catdyn read nothing from this document") from None
    _check_nesting(raw, source)
    return raw


def _check_nesting(raw: Any, source: str) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` and integers over :data:`MAX_INTEGER_BITS`
    bits (iteratively: the check itself must not recurse)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(raw, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_NESTING:
            raise SpecError.validation(source, loc[:MAX_NESTING], f"nested more than {MAX_NESTING} deep")
        if isinstance(value, dict):
            stack.extend((v, (*loc, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INTEGER_BITS:
            raise SpecError.validation(source, loc, f"integer of more than {MAX_INTEGER_BITS} bits")


def _validated(raw: Any, source: str) -> Any:
    try:
        return DiagramDocument.model_validate({"diagram": raw}).diagram
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])[1:]  # drop the wrapper's "diagram"
        if len(loc) > 1 and loc[0] in ("FinSet", "Perm", "MatQ"):
            loc = loc[1:]  # and the discriminator's tag
        if not loc and str(first["type"]).startswith("union_tag"):
            loc = ("category",)
        raise SpecError.validation(source, loc, first["msg"]) from None


def _check_unique_names(doc: Any, source: str) -> None:
    for kind, items in (("object", doc.objects), ("morphism", doc.morphisms)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.name in seen:
                first = f"{kind}s.{seen[item.name]}"
                raise _refused(source, f"{kind}s.{i}", NameClashError(
                    f"{kind} name {item.name!r} is used twice in diagram {doc.name} (first by {first})",
                    f"Give each {kind} its own name"))
            seen[item.name] = i


def _parse_matrices(doc: Any, source: str) -> dict[str, tuple[list[list[Any]], Bound]]:
    """Each MatQ morphism's entries, parsed within the caps, with the widest bound of its entries."""
    total = sum(len(row) for m in doc.morphisms for row in m.entries)
    if total > MAX_ENTRIES:
        raise _refused(source, "morphisms", f"{total} matrix entries in all, more than the cap of {MAX_ENTRIES}")
    out = {}
    for i, m in enumerate(doc.morphisms):
        rows, widest = [], Bound.integer(0)
        for r, row in enumerate(m.entries):
            rows.append([])
            for c, entry in enumerate(row):
                try:
                    value, bound = _parse_bounded(entry)
                except ValueError as exc:
                    raise _refused(source, f"morphisms.{i}.entries.{r}.{c}", exc) from None
                rows[-1].append(value)
                widest = widest.widest(bound)
        out[m.name] = (rows, widest)
    return out


def _check_equation_costs(doc: Any, source: str, matrices: dict[str, tuple[list[list[Any]], Bound]]) -> None:
    """Refuse equations whose composites, or the comparison of their sides, would pass a cap
    (computed from the entries' bounds, before anything is composed)."""
    dims = {o.name: o.dim for o in doc.objects}
    shapes = {m.name: (dims.get(m.cod, 0), dims.get(m.dom, 0), matrices[m.name][1]) for m in doc.morphisms}
    work = 0
    for i, e in enumerate(doc.equations):
        if any(name not in shapes for name in (*e.lhs, *e.rhs)):
            continue  # an unknown morphism: the diagram names it when it is built
        try:
            lhs, lwork = composite_cost([shapes[n] for n in e.lhs], MAX_WORK - work)
            rhs, rwork = composite_cost([shapes[n] for n in e.rhs], MAX_WORK - work - lwork)
            rows, cols = shapes[e.lhs[-1]][0], shapes[e.lhs[0]][1]
            work += lwork + rwork + difference_cost(rows, cols, lhs, rhs)
            if work > MAX_WORK:
                raise ValueError(f"comparing its sides takes more than {MAX_WORK} products of monomials (the cap)")
            reason = lhs.plus(rhs).over_cap()
            if reason is not None:
                raise ValueError(f"the difference of its sides would have {reason}")
        except ValueError as exc:
            raise _refused(source, f"equations.{i}", f"{exc}, with the equations before it") from None


def diagram_from_json(text: str, source: str = "<string>") -> Diagram:
    """Read a diagram from its JSON document; every field is validated first, within the caps
    of the module's docstring."""
    doc = _validated(_read_json(text, source), source)
    _check_unique_names(doc, source)
    matrices: dict[str, list[list[Any]]] = {}
    if doc.category == "MatQ":
        parsed = _parse_matrices(doc, source)
        _check_equation_costs(doc, source, parsed)
        matrices = {name: rows for name, (rows, _) in parsed.items()}
    category, make_object, make_morphism = _builders(doc.category, matrices)
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
    except (CatdynError, ValueError, OverflowError) as exc:
        raise _refused(source, where, exc) from None


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
