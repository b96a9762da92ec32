"""Checking whole spec files, the exit code, and the stable JSON form of the results
(documented in ``docs/check-json.md``; ``SCHEMA`` names its version).

>>> import pathlib, tempfile
>>> spec = pathlib.Path(tempfile.mkdtemp()) / "ok.py"
>>> _ = spec.write_text(
...     "from catdyn.categories.finset import FinSet\\n"
...     "from catdyn import Diagram\\n"
...     "A = FinSet.object('A', 2)\\n"
...     "s = FinSet.function('s', A, A, [1, 0])\\n"
...     "d = Diagram('involution', FinSet, [s, FinSet.identity(A)], equations=[(['s', 's'], ['id_A'])])\\n"
... )
>>> reports = check_paths([spec])
>>> [(r.law, r.status, r.engine) for r in reports[0].results]
[('equation 1: s >> s = id_A', 'proved', 'exhaustive')]
>>> exit_code(reports), to_json(reports)["summary"]["proved"]
(0, 1)
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catdyn.checker.discovery import discover, spec_files
from catdyn.checker.law import CheckConfig, LawResult, check_law
from catdyn.errors import NothingToCheckError, SpecError

SCHEMA = "catdyn-check/1"
"""The name and version of the JSON document :func:`to_json` writes."""

EXIT_OK, EXIT_REFUTED, EXIT_INVALID = 0, 1, 2


@dataclass
class SpecReport:
    """The results of one spec file, or the reason it could not be checked.

    >>> SpecReport("x.py").status
    'ok'
    """

    path: str
    results: list[LawResult] = field(default_factory=list)
    invalid: SpecError | None = None
    skipped: str = ""

    @property
    def status(self) -> str:
        """``invalid``, ``skipped`` (nothing to check, in a directory), ``failed`` (a law
        refuted or in error) or ``ok``."""
        if self.invalid is not None:
            return "invalid"
        if self.skipped:
            return "skipped"
        return "ok" if all(r.ok for r in self.results) else "failed"


def check_spec(path: str | Path, config: CheckConfig | None = None, in_directory: bool = False) -> SpecReport:
    """Load one spec file and check every law of every checkable thing in it. A file met
    ``in_directory`` that binds nothing checkable is skipped rather than invalid."""
    cfg = config or CheckConfig()
    with _torch_threads_kept():
        try:
            found = discover(path)
        except NothingToCheckError as exc:
            if in_directory:
                return SpecReport(str(path), skipped=str(exc))
            return SpecReport(str(path), invalid=exc)
        except SpecError as exc:
            return SpecReport(str(path), invalid=exc)
        return SpecReport(str(path), [check_law(law, cfg) for c in found for law in c.laws])


@contextlib.contextmanager
def _torch_threads_kept() -> Iterator[None]:
    """A spec may set torch's thread count for its own laws; it must not leak into the next
    spec (or into the caller). Torch is not imported here unless a spec already did."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        torch = sys.modules.get("torch")
        if torch is not None and before is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)


def check_paths(paths: Iterable[str | Path], config: CheckConfig | None = None) -> list[SpecReport]:
    """Check every spec file the paths name (files, or directories of ``*.py``)."""
    out = []
    for p in paths:
        try:
            files = spec_files(p)
        except SpecError as exc:
            out.append(SpecReport(str(p), invalid=exc))
            continue
        if not files:
            out.append(
                SpecReport(str(p), invalid=SpecError(f"{p}: has no spec files (*.py)", "Give a spec file"))
            )
        directory = Path(p).is_dir()
        reports = [check_spec(f, config, in_directory=directory) for f in files]
        if reports and all(r.skipped for r in reports):
            out.append(
                SpecReport(
                    str(p),
                    invalid=SpecError(f"{p}: no spec in it binds anything checkable", "Give a spec file"),
                )
            )
        out.extend(reports)
    return out


def exit_code(reports: Sequence[SpecReport]) -> int:
    """2 if any spec is invalid, else 1 if any law is refuted or raised, else 0.

    >>> exit_code([SpecReport("a.py")])
    0
    """
    if any(r.invalid is not None for r in reports):
        return EXIT_INVALID
    if any(not res.ok for r in reports for res in r.results):
        return EXIT_REFUTED
    return EXIT_OK


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _pairs(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in pairs]


def result_json(r: LawResult) -> dict[str, Any]:
    """One law's result as a JSON object (see ``docs/check-json.md``).

    >>> from catdyn.checker.law import LawResult
    >>> sorted(result_json(LawResult("l", "functor", "held", "hypothesis")))[:4]
    ['comparison', 'counterexample', 'engine', 'error']
    """
    cx = r.counterexample
    err = r.error
    return {
        "subject": r.subject,
        "suite": r.suite,
        "law": r.law,
        "statement": r.statement,
        "where": r.where,
        "status": r.status,
        "engine": r.engine,
        "comparison": r.comparison,
        "examples": r.examples,
        "residual": _num(r.residual),
        "seconds": round(r.seconds, 6),
        "counterexample": None
        if cx is None
        else {
            "arguments": _pairs(cx.arguments),
            "lhs": cx.lhs,
            "rhs": cx.rhs,
            "residual": _num(cx.residual),
            "detail": cx.detail,
        },
        "error": None
        if err is None
        else {"type": err.type, "message": err.message, "arguments": _pairs(err.arguments)},
    }


def to_json(reports: Sequence[SpecReport], config: CheckConfig | None = None) -> dict[str, Any]:
    """The whole check as one JSON-ready document (schema ``catdyn-check/1``)."""
    from catdyn import __version__

    cfg = config or CheckConfig()
    counts = {"proved": 0, "held": 0, "refuted": 0, "error": 0}
    for rep in reports:
        for res in rep.results:
            counts[res.status] += 1
    specs = []
    for rep in reports:
        inv = rep.invalid
        specs.append(
            {
                "path": rep.path,
                "status": rep.status,
                "error": None
                if inv is None
                else {"type": type(inv).__name__, "message": str(inv), "where": inv.where},
                "skipped": rep.skipped or None,
                "laws": [result_json(r) for r in rep.results],
            }
        )
    return {
        "schema": SCHEMA,
        "catdyn_version": __version__,
        "config": {"examples": cfg.examples, "seed": cfg.seed, "engines": list(cfg.engines)},
        "exit_code": exit_code(reports),
        "summary": {
            **counts,
            "invalid_specs": sum(r.invalid is not None for r in reports),
            "skipped_specs": sum(bool(r.skipped) for r in reports),
        },
        "specs": specs,
    }
