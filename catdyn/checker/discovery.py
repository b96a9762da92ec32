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
==========================================  ===========================================

So ``from catdyn.categories.finset import FinSet`` does not check FinSet's category laws,
but ``category = FinSet`` does; to restrict a suite to some objects (and let it enumerate
them), bind the suite's laws: ``laws = functor_laws(F, objects=[A, B])``. Things are checked
in the order they are bound. A directory means its ``*.py`` files (not those starting with
``_``, and not sub-directories), in name order.

A spec that cannot be loaded (syntax error, failed import, an exception such as a
composition type error while it runs) raises :class:`~catdyn.errors.SpecError` naming the
file and line; one that binds nothing checkable raises its subclass
:class:`~catdyn.errors.NothingToCheckError` (an invalid spec when named on its own; inside a
directory the file is skipped, e.g. a spec that only holds experiments for ``catdyn run``).

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


def _bindings(source: str) -> tuple[dict[str, int], set[str]]:
    """Top-level names bound by assignment (with the line of their last binding) and names
    bound by imports."""
    tree = ast.parse(source)
    assigned: dict[str, int] = {}
    imported: set[str] = set()

    def names(target: ast.AST) -> list[str]:
        if isinstance(target, ast.Name):
            return [target.id]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [n for t in target.elts for n in names(t)]
        return []

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                for n in names(t):
                    assigned[n] = node.lineno
                    imported.discard(n)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            if not isinstance(node, ast.AnnAssign) or node.value is not None:
                assigned[node.target.id] = node.lineno
                imported.discard(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                n = (alias.asname or alias.name).split(".")[0]
                imported.add(n)
                assigned.pop(n, None)
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
    """Load one spec file and list its checkable things (see the module docstring)."""
    p = Path(path)
    module = load_spec(p)
    assigned, _ = _bindings(p.read_text(encoding="utf-8"))
    found = []
    for name, line in sorted(assigned.items(), key=lambda kv: kv[1]):
        if name.startswith("_") or not hasattr(module, name):
            continue
        thing = getattr(module, name)
        try:
            laws = laws_for(thing, name)
        except CatdynError as exc:
            raise SpecError(f"{name} cannot be checked: {exc}", "", where=f"{p}:{line}") from exc
        if laws is None:
            continue
        where = f"{p}:{line}"
        found.append(Checkable(name, line, thing, tuple(law.at(law.where or where) for law in laws)))
    if not found:
        raise NothingToCheckError.in_spec(p, [n for n in assigned if not n.startswith("_")])
    return found
