"""Loading a spec: a spec is a Python module, imported from its file (it runs as code), whose
top-level experiments ``catdyn run`` finds.

>>> len(file_hash(__file__))
64
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import types
from typing import Any

from catdyn.errors import CatdynError, SpecError


def load_spec(path: str) -> types.ModuleType:
    """Import a spec file as a module (a spec is Python and runs as code).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.py")
    >>> _ = open(p, "w").write("from catdyn import experiment\\n@experiment()\\ndef e(e, p): pass\\n")
    >>> [e.name for e in experiments(load_spec(p))]
    ['e']
    """
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise SpecError(f"spec {path} does not exist or is not a file", "Give the path of a spec's .py file")
    digest = hashlib.sha256(path.encode()).hexdigest()[:12]
    name = f"catdyn_spec_{os.path.splitext(os.path.basename(path))[0]}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise SpecError(f"cannot import spec {path}", "A spec is a Python file ending in .py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except CatdynError:
        del sys.modules[name]
        raise
    except SyntaxError as exc:
        del sys.modules[name]
        raise SpecError(f"spec {path} has a syntax error: {exc.msg}", "Fix the line shown").at(
            f"{exc.filename}:{exc.lineno}"
        ) from exc
    except Exception as exc:
        del sys.modules[name]
        tb = exc.__traceback__
        line = ""
        while tb is not None:
            if os.path.abspath(tb.tb_frame.f_code.co_filename) == path:
                line = f"{path}:{tb.tb_lineno}"
            tb = tb.tb_next
        raise SpecError(
            f"spec {path} raised {type(exc).__name__} while loading: {exc}",
            "Fix the spec; --debug shows the traceback",
        ).at(line or path) from exc
    return module


def experiments(module: types.ModuleType) -> list[Any]:
    """Every experiment bound at the top level of a spec module, in definition order: each
    :class:`~catdyn.experiments.ExperimentFamily` (what ``@experiment`` makes) and each
    :class:`~catdyn.experiments.Experiment` diagram bound as it is."""
    from catdyn.experiments import Experiment, ExperimentFamily

    seen: list[Any] = []
    for value in vars(module).values():
        if isinstance(value, (Experiment, ExperimentFamily)) and all(value is not s for s in seen):
            seen.append(value)
    return seen


def file_hash(path: str) -> str:
    """SHA-256 of a file's bytes.

    >>> len(file_hash(__file__))
    64
    """
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
