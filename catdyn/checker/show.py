"""Readable, bounded text for the values a law compares (morphisms, matrices, tensors, tuples).

Counterexamples show both sides of an equation; this module turns whatever a law's
sides return into one short line, never importing torch.

>>> from catdyn.categories.finset import FinSet
>>> A = FinSet.object("A", 3)
>>> describe(FinSet.function("s", A, A, [1, 2, 0]))
's: A → A [0↦1, 1↦2, 2↦0]'
>>> describe((1, [2, 3]))
'(1, [2, 3])'
>>> from catdyn.limits import Cone, Cospan
>>> i = FinSet.identity(A)
>>> describe(Cone(Cospan(i, i), i, i))
'cone from A: id_A: A → A [0↦0, 1↦1, 2↦2]; id_A: A → A [0↦0, 1↦1, 2↦2]'
"""

from __future__ import annotations

from typing import Any

_LIMIT = 400


def _clip(text: str, limit: int = _LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


GENERATED_NAMES = frozenset({"f", "g", "h", "k", "σ"})
"""Names the categories' strategies give every morphism they draw: in a counterexample the
argument's own name is shown instead (``g: S1 → S2 [0↦1]``, not ``g = f: S1 → S2 …``)."""


def _morphism(m: Any, label: str | None = None) -> str:
    head = f"{label or m.name}: {m.dom.name} → {m.cod.name}"
    table = getattr(m, "table", None)
    if table is not None and hasattr(m.dom, "elements"):
        dom_el, cod_el = m.dom.elements, m.cod.elements
        pairs = [f"{dom_el[i]!s}↦{cod_el[int(j)]!s}" for i, j in enumerate(table[:24])]
        more = ", …" if len(table) > 24 else ""
        return f"{head} [{', '.join(pairs)}{more}]"
    perms = getattr(m, "perms", None)
    if perms is not None:
        return f"{head} {[list(map(int, p)) for p in perms]}"
    matrix = getattr(m, "matrix", None)
    if matrix is not None and not callable(matrix):
        return f"{head} {_value(matrix)}"
    return head + _fields(m)


def _fields(m: Any) -> str:
    """The data of a morphism of any other category: its dataclass fields besides the name
    and ends (e.g. a unit map's ``sources`` and ``fractions``), each shown briefly."""
    import dataclasses

    if not dataclasses.is_dataclass(m):
        return ""
    shown = []
    for f in dataclasses.fields(m):
        if f.name in ("name", "dom", "cod") or f.name.startswith("_"):
            continue
        value = getattr(m, f.name, None)
        if isinstance(value, tuple) and all(hasattr(v, "tolist") for v in value):
            text = str([v.tolist() for v in value])
        else:
            text = _value(value)
        shown.append(f"{f.name}={_clip(text, 160)}")
    return (" " + ", ".join(shown)) if shown else ""


def _value(x: Any) -> str:
    from catdyn.category import Morphism, Object

    if isinstance(x, Morphism):
        return _morphism(x)
    if isinstance(x, Object):
        return x.name
    if hasattr(x, "cospan") and isinstance(getattr(x, "left", None), Morphism):  # a cone
        return f"cone from {x.left.dom.name}: {_morphism(x.left)}; {_morphism(x.right)}"
    if isinstance(x, tuple):
        inner = ", ".join(_value(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(_value(v) for v in x) + "]"
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, without importing torch
        x = x.detach().cpu().numpy()
    if hasattr(x, "tolist") and hasattr(x, "shape") and not hasattr(x, "free_symbols"):
        return str(x.tolist()) if x.shape == () else f"array{tuple(x.shape)} {x.tolist()!s}"
    if hasattr(x, "tolist") and hasattr(x, "free_symbols"):  # a sympy matrix
        return f"Matrix({x.tolist()!s})"
    return str(x)


def describe(x: Any, limit: int = _LIMIT) -> str:
    """One line describing ``x``, at most ``limit`` characters."""
    return _clip(_value(x), limit)


def describe_argument(name: str, x: Any, limit: int = _LIMIT) -> str:
    """One line for a law's argument ``name``: a drawn morphism is labelled by the argument's
    name instead of the placeholder its strategy gave it.

    >>> from catdyn.categories.finset import FinSet
    >>> A, B = FinSet.object("S1", 1), FinSet.object("S2", 2)
    >>> describe_argument("g", FinSet.function("f", A, B, [1]))
    'g: S1 → S2 [0↦1]'
    """
    from catdyn.category import Morphism

    if isinstance(x, Morphism) and x.name in GENERATED_NAMES and name.isidentifier():
        return _clip(_morphism(x, label=name), limit)
    return describe(x, limit)
