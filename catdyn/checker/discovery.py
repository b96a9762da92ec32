"""Finding what a spec file promises: load it (it is Python, and runs as code), then collect
every checkable thing bound at its top level.

**The rule.** A spec's checkable things are the values bound at its top level by an
assignment (``F = Functor(...)``, ``laws: list[Law] = [...]``) — not by an import, and not
under a name that starts with ``_`` — that are one of:

==========================================  ===========================================
value                                       laws checked (:mod:`catdyn.checker.suites`)
==========================================  ===========================================
:class:`~catdyn.category.Category`          category suite (identities, associativity)
:class:`~catdyn.functor.Functor`            functor suite (identities, composition)
:class:`~catdyn.functor.NaturalTransformation`  naturality
:class:`~catdyn.diagram.Diagram`            each declared equation
:class:`~catdyn.limits.Pullback`            square commutes, cones factor, uniquely
:class:`~catdyn.limits.Cone`                the cone commutes
:class:`~catdyn.limits.Limit` (Colimit)     (co)cone commutes, (co)cones factor, uniquely
:class:`~catdyn.checker.law.Law`            that law
a list or tuple of ``Law``                  each law (e.g. ``functor_laws(F, objects=[A, B])``)
a list, tuple or dict of the above          each element's laws, its subject ``name[i]`` or
                                            ``name['key']`` (nested up to three levels)
==========================================  ===========================================

Assignments inside a module-level ``if``, ``try``, ``with``, ``for``, ``while`` or ``match``
count too (the value the name holds once the spec has run is checked, with the line of its
last binding); a name bound only in a branch that did not run is reported as not checked.

**Not checked, and said so.** Whatever discovery meets and does not check is listed with its
line (:class:`Skipped`; the report's "not checked" section): checkable values under a
private name (``_name``) or imported rather than bound, checkable values the spec's
namespace holds without an assignment discovery can read (``globals()[...] = …``), a
diagram that declares no equations, elements of a list or dict that are not checkable, a
name bound inside a loop (only its final value is checked), a name whose branch did not run.

So ``from catdyn.categories.finset import FinSet`` does not check FinSet's category laws,
but ``category = FinSet`` does; to restrict a suite to some objects (and let it enumerate
them), bind the suite's laws: ``laws = functor_laws(F, objects=[A, B])``. Things are checked
in the order they are bound. A directory means its ``*.py`` files (not those starting with
``_``, and not sub-directories), in name order.

A spec that cannot be loaded (syntax error, failed import, an exception such as a
composition type error while it runs) raises :class:`~catdyn.errors.SpecError` naming the
file and line; one that binds nothing checkable raises its subclass
:class:`~catdyn.errors.NothingToCheckError`, whose message lists what was not checked and
why. (``catdyn check`` skips such a file, e.g. a spec holding only experiments for
``catdyn run``, and exits 2 only when nothing at all was checked: the same rule whether the
file is named alone or met inside a directory.)

>>> import pathlib, tempfile
>>> spec = pathlib.Path(tempfile.mkdtemp()) / "tiny.py"
>>> _ = spec.write_text(
...     "from catdyn.categories.finset import FinSet\\n"
...     "from catdyn import Functor\\n"
...     "F = Functor.identity(FinSet)\\n"
... )
>>> [(c.name, c.line, [law.name for law in c.laws]) for c in discover(spec)]
[('F', 3, ['preserves identities', 'preserves composition'])]
>>> _ = spec.write_text("x = 1\\n")
>>> discover(spec)
Traceback (most recent call last):
...
catdyn.errors.NothingToCheckError: ...tiny.py: binds nothing checkable at its top level (names: x). ...
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from catdyn.checker.law import Law
from catdyn.checker.suites import laws_for
from catdyn.errors import CatdynError, NothingToCheckError, SpecError


@dataclass(frozen=True)
class Checkable:
    """One checkable thing of a spec: its top-level name, the line that binds it, the value
    and the laws it promises (each located at ``file:line``).

    >>> Checkable("F", 3, None, ()).name
    'F'
    """

    name: str
    line: int
    thing: Any
    laws: tuple[Law, ...]


@dataclass(frozen=True)
class Skipped:
    """Something discovery met and did not check: a name (or ``name[i]``), the line that
    binds it (0 when no assignment binds it) and why.

    >>> Skipped("_F", 4, "private name").shown
    '_F (line 4): private name'
    """

    name: str
    line: int
    reason: str

    @property
    def shown(self) -> str:
        return f"{self.name} (line {self.line}): {self.reason}" if self.line else f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class Discovery:
    """What a spec file promises (``found``) and what discovery left out (``skipped``)."""

    path: Path
    found: tuple[Checkable, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class _Binding:
    line: int
    context: str  # "" at the top level, else the compound statement around it ("if", "for"…)


def spec_files(path: str | Path) -> list[Path]:
    """The spec files a path names: itself, or a directory's ``*.py`` files.

    >>> spec_files("no/such/place")
    Traceback (most recent call last):
    ...
    catdyn.errors.SpecError: no/such/place: no such file or directory. Give a spec file (.py) or a directory of them.
    """
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.py") if not f.name.startswith("_"))
    if p.is_file():
        return [p]
    raise SpecError(f"{path}: no such file or directory", "Give a spec file (.py) or a directory of them")


_COMPOUND = {
    ast.If: "if",
    ast.Try: "try",
    ast.With: "with",
    ast.For: "for",
    ast.While: "while",
    ast.AsyncFor: "for",
    ast.AsyncWith: "with",
    ast.Match: "match",
}
if hasattr(ast, "TryStar"):  # Python ≥ 3.11
    _COMPOUND[ast.TryStar] = "try"


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for t in target.elts for n in _target_names(t)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _bindings(source: str) -> tuple[dict[str, _Binding], dict[str, int]]:
    """Names bound by assignment at module level (at the top, or inside a module-level
    ``if``/``try``/``with``/``for``/``while``/``match``; not inside functions or classes),
    with the line of their last binding, and names bound by imports (with their line)."""
    tree = ast.parse(source)
    assigned: dict[str, _Binding] = {}
    imported: dict[str, int] = {}

    def bind(name: str, line: int, context: str) -> None:
        assigned[name] = _Binding(line, context)
        imported.pop(name, None)

    def walk(body: list[ast.stmt], context: str) -> None:
        for node in body:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    for n in _target_names(t):
                        bind(n, node.lineno, context)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
                if not isinstance(node, ast.AnnAssign) or node.value is not None:
                    bind(node.target.id, node.lineno, context)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    n = (alias.asname or alias.name).split(".")[0]
                    imported[n] = node.lineno
                    assigned.pop(n, None)
            elif type(node) in _COMPOUND:
                kind = context or _COMPOUND[type(node)]
                if isinstance(node, (ast.For, ast.AsyncFor)):
                    for n in _target_names(node.target):
                        bind(n, node.lineno, "for")
                    kind = "for"
                if isinstance(node, (ast.While,)):
                    kind = "while"
                for field_name in ("body", "orelse", "finalbody"):
                    walk(getattr(node, field_name, []) or [], kind)
                for handler in getattr(node, "handlers", []) or []:
                    walk(handler.body, kind)
                for item in getattr(node, "items", []) or []:
                    if getattr(item, "optional_vars", None) is not None:
                        for n in _target_names(item.optional_vars):
                            bind(n, node.lineno, kind)
                for case in getattr(node, "cases", []) or []:
                    walk(case.body, kind)

    walk(tree.body, "")
    return assigned, imported


def _spec_line(exc: BaseException, path: Path) -> int | None:
    """The last line of ``path`` in the exception's traceback."""
    line = None
    target = str(path.resolve())
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            if str(Path(frame.filename).resolve()) == target:
                line = frame.lineno
        except (OSError, ValueError):  # pragma: no cover
            continue
    return line


def load_spec(path: str | Path) -> ModuleType:
    """Run a spec file as a fresh module and return it; raise :class:`SpecError` (with
    ``file:line``, and the original exception as ``__cause__``) if it cannot be loaded."""
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{p}: cannot be read ({exc})", "Give a readable UTF-8 Python file") from exc
    try:
        compile(source, str(p), "exec")
    except SyntaxError as exc:
        raise SpecError(
            f"syntax error: {exc.msg}", "Fix the Python syntax of the spec", where=f"{p}:{exc.lineno or 1}"
        ) from exc
    digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:10]
    name = f"catdyn_spec_{p.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise SpecError(f"{p}: cannot be loaded as a Python module", "Give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        sys.modules.pop(name, None)
        line = _spec_line(exc, p)
        raise SpecError(
            f"cannot import: {exc}",
            "Install the missing package or fix the import (a spec may import catdyn and its categories)",
            where=f"{p}:{line or 1}",
        ) from exc
    except CatdynError as exc:
        sys.modules.pop(name, None)
        line = _spec_line(exc, p)
        raise SpecError(f"{type(exc).__name__}: {exc}", "", where=f"{p}:{line or 1}") from exc
    except Exception as exc:
        sys.modules.pop(name, None)
        line = _spec_line(exc, p)
        raise SpecError(
            f"running the spec raised {type(exc).__name__}: {exc}",
            "A spec runs as Python; fix the statement at that line",
            where=f"{p}:{line or 1}",
        ) from exc
    return module


def discover(path: str | Path) -> list[Checkable]:
    """Load one spec file and list its checkable things (see the module docstring); raise
    :class:`~catdyn.errors.NothingToCheckError` when there are none."""
    return list(discover_all(path).found)


def discover_all(path: str | Path) -> Discovery:
    """Load one spec file: its checkable things, and what discovery did not check (see the
    module docstring). Raises :class:`~catdyn.errors.NothingToCheckError` (listing what was
    not checked, and why) when nothing is checkable."""
    p = Path(path)
    module = load_spec(p)
    assigned, imported = _bindings(p.read_text(encoding="utf-8"))
    found: list[Checkable] = []
    skipped: list[Skipped] = []
    for name, binding in sorted(assigned.items(), key=lambda kv: kv[1].line):
        if not hasattr(module, name):
            if binding.context and not name.startswith("_"):
                skipped.append(Skipped(name, binding.line, f"bound inside {binding.context} whose branch did not run"))
            continue
        thing = getattr(module, name)
        if name.startswith("_"):
            if _checkable(thing):
                skipped.append(Skipped(name, binding.line, "private name (starts with _): rename it to check it"))
            continue
        where = f"{p}:{binding.line}"
        items, left_out = _expand(name, thing, binding.line)
        skipped.extend(left_out)
        for subject, value in items:
            try:
                laws = laws_for(value, subject)
            except CatdynError as exc:
                raise SpecError(f"{subject} cannot be checked: {exc}", "", where=where) from exc
            if laws is None:
                continue
            if not laws:
                skipped.append(Skipped(subject, binding.line, _why_no_laws(value)))
                continue
            found.append(Checkable(subject, binding.line, value, tuple(law.at(law.where or where) for law in laws)))
            if binding.context in ("for", "while"):
                skipped.append(
                    Skipped(subject, binding.line, f"bound inside a {binding.context} loop: only its final value was checked")
                )
    skipped.extend(_unseen(module, assigned, imported))
    if not found:
        raise _nothing(p, [n for n in assigned if not n.startswith("_")], skipped)
    return Discovery(p, tuple(found), tuple(skipped))


def _checkable(thing: Any) -> bool:
    """Whether ``thing`` is of a checkable kind (without building its laws, which can cost:
    a pullback's cone source enumerates its commuting pairs)."""
    from catdyn.category import Category
    from catdyn.diagram import Diagram
    from catdyn.functor import Functor, NaturalTransformation
    from catdyn.limits import Cone, Pullback

    if isinstance(thing, (Law, Category, Functor, NaturalTransformation, Diagram, Pullback, Cone)):
        return True
    if isinstance(thing, (list, tuple, dict)):
        return bool(thing) and isinstance(thing, (list, tuple)) and all(isinstance(x, Law) for x in thing)
    try:  # a kind the suites learnt since (laws_for is the authority)
        return laws_for(thing) is not None
    except CatdynError:
        return True


def _why_no_laws(thing: Any) -> str:
    from catdyn.diagram import Diagram

    if isinstance(thing, Diagram):
        return "a diagram that declares no equations: nothing to check (declare equations=[(path, path), …])"
    return "promises no laws"


def _expand(name: str, thing: Any, line: int, depth: int = 0) -> tuple[list[tuple[str, Any]], list[Skipped]]:
    """``(subject, value)`` pairs to check for a binding: the value itself, or the elements
    of a list, tuple or dict of checkable things (a list of laws stays one thing)."""
    if _checked_as_one(thing) or depth >= 3:
        return [(name, thing)], []
    if isinstance(thing, dict):
        elements = [(f"{name}[{k!r}]", v) for k, v in thing.items()]
    elif isinstance(thing, (list, tuple)):
        elements = [(f"{name}[{i}]", v) for i, v in enumerate(thing)]
    else:
        return [(name, thing)], []
    items: list[tuple[str, Any]] = []
    skipped: list[Skipped] = []
    for subject, value in elements:
        inner, left = _expand(subject, value, line, depth + 1)
        checkable = [(s, v) for s, v in inner if _checkable(v)]
        items.extend(checkable)
        skipped.extend(left)
        if not checkable and not left:
            skipped.append(Skipped(subject, line, f"a {type(value).__name__}, not a checkable thing"))
    if not items:  # a plain container (e.g. a list of numbers): not a checkable binding at all
        return [], []
    return items, skipped


def _checked_as_one(thing: Any) -> bool:
    """Whether ``thing`` is checked as one (a checkable value, or a list or tuple of laws)."""
    if isinstance(thing, (list, tuple, dict)):
        return bool(thing) and isinstance(thing, (list, tuple)) and all(isinstance(x, Law) for x in thing)
    return True


def _unseen(module: ModuleType, assigned: dict[str, _Binding], imported: dict[str, int]) -> list[Skipped]:
    """Checkable values of the module that no assignment discovery reads binds."""
    out = []
    for name, value in vars(module).items():
        if name.startswith("_") or name in assigned or not _checkable(value):
            continue
        if name in imported:
            out.append(Skipped(name, imported[name], "imported, not bound in this spec: bind it to a name to check it"))
        else:
            out.append(Skipped(name, 0, "bound without an assignment discovery reads (globals(), exec…)"))
    return out


def _nothing(path: Path, names: list[str], skipped: list[Skipped]) -> NothingToCheckError:
    error = NothingToCheckError.in_spec(path, names)
    if skipped:
        listed = "; ".join(s.shown for s in skipped[:8]) + ("; …" if len(skipped) > 8 else "")
        error = NothingToCheckError(f"{error.what}; not checked: {listed}", error.hint, where=error.where)
    error.skipped = list(skipped)  # type: ignore[attr-defined]
    return error
