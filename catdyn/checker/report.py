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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catdyn.checker.discovery import Skipped, discover_all, spec_files
from catdyn.checker.law import CheckConfig, LawResult, check_law
from catdyn.errors import NothingToCheckError, SpecError

SCHEMA = "catdyn-check/1"
"""The name and version of the JSON document :func:`to_json` writes."""

EXIT_OK, EXIT_REFUTED, EXIT_INVALID = 0, 1, 2
EXIT_INTERRUPTED = 130
"""``catdyn check`` stopped by Ctrl-C (SIGINT): what was checked is printed, then this code."""


@dataclass
class SpecReport:
    """The results of one spec file, or the reason it could not be checked, and what its
    discovery did not check (``not_checked``).

    >>> SpecReport("x.py").status
    'ok'
    """

    path: str
    results: list[LawResult] = field(default_factory=list)
    invalid: SpecError | None = None
    skipped: str = ""
    not_checked: list[Skipped] = field(default_factory=list)
    empty: SpecError | None = field(default=None, repr=False)  # why it was skipped, as an error

    @property
    def status(self) -> str:
        """``invalid``, ``skipped`` (nothing to check, while other specs of the same command
        had laws), ``failed`` (a law refuted or in error) or ``ok``."""
        if self.invalid is not None:
            return "invalid"
        if self.skipped:
            return "skipped"
        return "ok" if all(r.ok for r in self.results) else "failed"


OnResult = Callable[[str, LawResult], None]
"""Called with the spec's path and each law's result as soon as it is decided."""


def check_spec(
    path: str | Path,
    config: CheckConfig | None = None,
    in_directory: bool = False,
    on_result: OnResult | None = None,
) -> SpecReport:
    """Load one spec file and check every law of every checkable thing in it, calling
    ``on_result`` after each law. A file that binds nothing checkable is ``skipped`` (its
    message says what was not checked); :func:`check_paths` turns it into an invalid spec
    when nothing at all was checked. (``in_directory`` is kept for callers of the old
    signature and no longer changes anything: a file named alone and a file met inside a
    directory follow one rule.)"""
    cfg = config or CheckConfig()
    del in_directory
    with _torch_threads_kept():
        try:
            found = discover_all(path)
        except NothingToCheckError as exc:
            return SpecReport(str(path), skipped=str(exc), not_checked=list(getattr(exc, "skipped", [])), empty=exc)
        except SpecError as exc:
            return SpecReport(str(path), invalid=exc)
        report = SpecReport(str(path), not_checked=list(found.skipped))
        for c in found.found:
            for law in c.laws:
                result = check_law(law, cfg)
                report.results.append(result)
                if on_result is not None:
                    on_result(str(path), result)
        return report


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


def check_paths(
    paths: Iterable[str | Path],
    config: CheckConfig | None = None,
    on_spec: Callable[[SpecReport], None] | None = None,
    on_result: OnResult | None = None,
    reports: list[SpecReport] | None = None,
) -> list[SpecReport]:
    """Check every spec file the paths name (files, or directories of ``*.py``).

    A file that binds nothing checkable is skipped when other files of the same command
    have laws, and is an invalid spec (exit 2) when nothing at all was checked — whether
    it was named alone or met inside a directory. ``on_spec`` is called with each spec's
    report when it is done, ``on_result`` with each law's result; ``reports`` (if given)
    is filled as specs finish, so an interrupted check keeps what was done."""
    out = reports if reports is not None else []
    for p in paths:
        try:
            files = spec_files(p)
        except SpecError as exc:
            _finish(out, SpecReport(str(p), invalid=exc), on_spec)
            continue
        if not files:
            _finish(
                out,
                SpecReport(str(p), invalid=SpecError(f"{p}: has no spec files (*.py)", "Give a spec file")),
                on_spec,
            )
        for f in files:
            _finish(out, check_spec(f, config, on_result=on_result), on_spec)
    if out and not any(r.results for r in out) and not any(r.invalid for r in out):
        for r in out:  # nothing at all was checked: each empty spec is an invalid one
            r.invalid, r.skipped = r.empty or NothingToCheckError(r.skipped.rstrip(".")), ""
    return out


def _finish(out: list[SpecReport], report: SpecReport, on_spec: Callable[[SpecReport], None] | None) -> None:
    out.append(report)
    if on_spec is not None:
        on_spec(report)


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
    >>> sorted(result_json(LawResult("l", "functor", "held", "hypothesis")))[:5]
    ['comparison', 'counterexample', 'drawn', 'engine', 'error']
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
        "drawn": {k: v for k, v in r.drawn},
        "notes": list(r.notes),
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


def to_json(
    reports: Sequence[SpecReport], config: CheckConfig | None = None, interrupted: bool = False
) -> dict[str, Any]:
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
                "not_checked": [{"name": n.name, "line": n.line, "reason": n.reason} for n in rep.not_checked],
            }
        )
    return {
        "schema": SCHEMA,
        "catdyn_version": __version__,
        "config": {
            "examples": cfg.examples,
            "seed": cfg.seed,
            "engines": list(cfg.engines),
            "max_size": cfg.max_size,
            "max_dim": cfg.max_dim,
            "timeout": cfg.timeout,
        },
        "exit_code": EXIT_INTERRUPTED if interrupted else exit_code(reports),
        "interrupted": interrupted,
        "summary": {
            **counts,
            "invalid_specs": sum(r.invalid is not None for r in reports),
            "skipped_specs": sum(bool(r.skipped) for r in reports),
            "not_checked": sum(len(r.not_checked) for r in reports),
        },
        "specs": specs,
    }
