"""Evaluate one task: rebuild its morphism from the serialisation the task holds, read each
input as the value type the morphism declares, run it, and return the output's tree (what the
store keeps).

A task names its morphism by qualified class (``module:Qualname``) and validated parameters:
that string form is only the morphism's serialisation in the store and in the task key. A
morphism defined in a spec file is found after the spec is loaded (``spec_path``), so a Ray
worker that never imported the spec finds it too.

>>> from catdyn.runner.context import TaskContext
>>> evaluate("catdyn.morphisms:Identity", TaskContext(seed=0), ({"rows": [{"a": 1}]},),
...          {"type": "catdyn.values:Table"})
{'rows': [{'a': 1}]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from catdyn.errors import SpecError, UnknownObjectError
from catdyn.runner.context import TaskContext


def morphism_class(name: str, spec_path: str | None = None) -> type:
    """The :class:`~catdyn.morphisms.BackendMorphism` class serialised as ``name``, loading the
    spec at ``spec_path`` first when the class is not importable yet (one defined in a spec).

    >>> morphism_class("catdyn.morphisms:Project").__name__
    'Project'
    >>> morphism_class("random_normal")
    Traceback (most recent call last):
    ...
    catdyn.errors.UnknownObjectError: unknown morphism random_normal: ...
    """
    from catdyn.morphisms import BackendMorphism
    from catdyn.values import load_type

    def load() -> Any:
        return load_type(name) if ":" in name else None

    try:
        cls = load()
    except (ImportError, AttributeError):
        cls = None
    if cls is None and spec_path:
        from catdyn.runner.spec import load_spec

        load_spec(spec_path)
        try:
            cls = load()
        except (ImportError, AttributeError):
            cls = None
    if cls is None:
        raise UnknownObjectError.unknown_morphism(name)
    if not (isinstance(cls, type) and issubclass(cls, BackendMorphism)):
        raise SpecError(f"{name} is not a backend morphism", "A task names a BackendMorphism class")
    return cls


def evaluate(
    name: str,
    ctx: TaskContext,
    inputs: Sequence[Any],
    params: Mapping[str, Any],
    spec_path: str | None = None,
) -> Any:
    """Run the morphism ``name`` with ``params`` on the stored ``inputs`` (trees) and return its
    output's tree; an output of another type than the morphism declares is a
    :class:`~catdyn.errors.SpecError`."""
    m = morphism_class(name, spec_path)(**params)
    types = list(m.domain())
    if m.variadic:
        types += [types[-1]] * (len(inputs) - len(types))
    typed = [t.from_tree(x) for t, x in zip(types, inputs)]
    out = m.run(ctx, *typed)
    if not isinstance(out, m.codomain()):
        raise SpecError(
            f"{m.name} returned a {type(out).__name__}, not the {m.codomain().kind()} it declares",
            f"Make {m.name}.run return a {m.codomain().kind()}",
        )
    return _unshared(out.to_tree())


def _unshared(tree: Any) -> Any:
    """``tree`` with every torch tensor that shares memory with an earlier one cloned (a value
    may hold the same labels twice; the store writes each tensor once, on its own).

    >>> _unshared({"a": [1, (2, "x")]})
    {'a': [1, (2, 'x')]}
    """
    seen: set[tuple[int, int]] = set()

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(walk(v) for v in x)
        if hasattr(x, "untyped_storage") and hasattr(x, "clone"):
            storage = x.untyped_storage()
            ident = (storage.data_ptr(), storage.nbytes())
            if ident in seen or not x.is_contiguous() or x.storage_offset() or x.numel() * x.element_size() != storage.nbytes():
                x = x.clone().contiguous()
                storage = x.untyped_storage()
                ident = (storage.data_ptr(), storage.nbytes())
            seen.add(ident)
        return x

    return walk(tree)
