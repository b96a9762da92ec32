"""The ``catdyn`` command line: ``check`` (this module) and ``run``, ``runs``, ``verify``,
``report`` (:mod:`catdyn.runner.commands`).

``catdyn draw SPEC [--out FILE] [--check]`` draws every diagram a spec binds
(:mod:`catdyn.draw`).

``catdyn check SPEC_OR_DIR [--json] [--examples N] [--seed S] [--debug]`` checks every law a
spec promises and exits 0 when all are proved or held, 1 when any is refuted (or raised an
error while being checked), 2 when a spec is invalid (it cannot be loaded, or binds nothing
checkable: one paragraph naming file and line; the traceback only with ``--debug``).
``--json`` prints one document in the schema of ``docs/check-json.md``.

>>> main(["--version"])
catdyn 0.1.0
0
>>> main(["check", "no/such/spec.py"])
invalid spec: no/such/spec.py: no such file or directory. Give a spec file (.py) or a directory of them.
0 proved, 0 held, 0 refuted, 0 error, 1 invalid spec(s)
2
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from catdyn import __version__

_MARK = {"proved": "✓ proved", "held": "✓ held", "refuted": "✗ refuted", "error": "! error"}
_STYLE = {"proved": "green", "held": "green", "refuted": "bold red", "error": "bold yellow"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="catdyn",
        description="State structural claims about learning as category theory, check their "
        "laws, and run them as experiments.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="prove or test the laws a spec promises",
        description="Check every law of every checkable thing bound at the top level of the spec(s). "
        "Exit 0: all proved or held; 1: a law refuted or raised; 2: a spec is invalid. "
        "Specs are Python and run as code.",
    )
    check.add_argument("paths", nargs="+", metavar="SPEC_OR_DIR", help="spec files, or directories of them")
    check.add_argument("--json", action="store_true", help="print JSON (schema catdyn-check/1)")
    check.add_argument(
        "--examples", type=_positive, default=100, metavar="N", help="examples per sampled law"
    )
    check.add_argument("--seed", type=int, default=None, metavar="S", help="make sampling deterministic")
    check.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors")
    from catdyn.draw import add_draw_command
    from catdyn.runner.commands import add_commands

    add_draw_command(sub)
    add_commands(sub)
    listing = sub.add_parser(
        "morphisms",
        help="list every registered morphism: its domain, codomain and parameters",
        description="List catdyn's morphisms and every backend's (entry point group catdyn.morphisms).",
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"catdyn {__version__}")
        return 0
    if args.command == "check":
        return _check(args)
    if args.command == "draw":
        from catdyn.draw import run_draw

        return run_draw(args)
    if args.command == "morphisms":
        return _morphisms(args)
    from catdyn.runner.commands import COMMANDS, dispatch

    if args.command in COMMANDS:
        return dispatch(args)
    parser.print_help()
    return 0


def _check(args: argparse.Namespace) -> int:
    from catdyn.checker.law import CheckConfig
    from catdyn.checker.report import check_paths, exit_code, to_json

    config = CheckConfig(examples=args.examples, seed=args.seed)
    reports = check_paths(args.paths, config)
    code = exit_code(reports)
    if args.json:
        print(json.dumps(to_json(reports, config), indent=2, ensure_ascii=False))
    else:
        _print_reports(reports, debug=args.debug)
    if args.debug:
        for rep in reports:
            if rep.invalid is not None and rep.invalid.__cause__ is not None:
                traceback.print_exception(rep.invalid.__cause__, file=sys.stderr)
            for res in rep.results:
                if res.error is not None and res.error.traceback:
                    print(res.error.traceback, file=sys.stderr)
    return code


def _morphisms(args: argparse.Namespace) -> int:
    """``catdyn morphisms``: one block per registered morphism (exit 2 when a backend's module
    fails to import).

    >>> import contextlib, io
    >>> out = io.StringIO()
    >>> with contextlib.redirect_stdout(out):
    ...     code = main(["morphisms"])
    >>> code, "Project: (set by its parameters)" in out.getvalue()
    (0, True)
    """
    from catdyn.errors import CatdynError
    from catdyn.morphisms import describe, registered

    try:
        found = [describe(c) for c in registered().values()]
    except CatdynError as exc:
        print(f"catdyn: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False, default=repr))
        return 0
    for m in found:
        print(f"{m['name']}: {m['dom']} → {m['cod']}    ({m['qualified']})")
        if m["doc"]:
            print(f"    {m['doc']}")
        for p in m["parameters"]:
            default = "required" if p["required"] else f"default {p['default']!r}"
            print(f"    {p['name']}: {p['type']} ({default})")
    return 0


def _lines(res: Any) -> list[str]:
    """The explanation under a failing law: counterexample or error."""
    out = []
    if res.counterexample is not None:
        cx = res.counterexample
        out.append(
            "counterexample: " + ", ".join(f"{n} = {v}" for n, v in cx.arguments) if cx.arguments else ""
        )
        out.append(f"  expected (rhs): {cx.rhs}")
        out.append(f"  received (lhs): {cx.lhs}")
        if cx.detail:
            out.append(f"  {cx.detail}")
    if res.error is not None:
        err = res.error
        out.append(f"{err.type}: {err.message}")
        if err.arguments:
            out.append("  at " + ", ".join(f"{n} = {v}" for n, v in err.arguments))
    return [line for line in out if line]


def _cells(res: Any) -> list[str]:
    residual = f"{res.residual:.3g}" if res.comparison == "tolerance" or res.status == "refuted" else "0"
    return [
        _MARK[res.status],
        res.subject,
        res.law,
        res.engine,
        str(res.examples),
        residual,
        res.where.rsplit("/", 1)[-1],
    ]


def _print_reports(reports: Sequence[Any], debug: bool = False) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # pragma: no cover - rich is optional
        _print_plain(reports)
        return
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # piped or captured: wide enough that cells do not fold
        console = Console(highlight=False, soft_wrap=True, width=200)
    for rep in reports:
        if rep.invalid is not None:
            console.print(Text.assemble(("invalid spec", "bold red"), f": {rep.invalid}"))
            continue
        if rep.skipped:
            console.print(Text.assemble(("skipped", "dim"), f": {rep.skipped}"))
            continue
        table = Table(title=rep.path, title_justify="left", show_lines=False)
        for col in ("status", "subject", "law", "engine", "examples", "residual", "where"):
            table.add_column(col, overflow="fold")
        for res in rep.results:
            cells = _cells(res)
            table.add_row(Text(cells[0], style=_STYLE[res.status]), *(Text(c) for c in cells[1:]))
        console.print(table)
        for res in rep.results:
            if not res.ok:
                console.print(
                    Text.assemble(
                        (res.status, _STYLE[res.status]), f": {res.subject} — {res.law} ({res.where})"
                    )
                )
                if res.statement:
                    console.print(f"  law: {res.statement}", markup=False)
                for line in _lines(res):
                    console.print("  " + line, markup=False)
    _summary(reports, console.print)


def _print_plain(reports: Sequence[Any]) -> None:
    for rep in reports:
        if rep.invalid is not None:
            print(f"invalid spec: {rep.invalid}")
            continue
        if rep.skipped:
            print(f"skipped: {rep.skipped}")
            continue
        print(rep.path)
        for res in rep.results:
            print("  " + "  ".join(_cells(res)))
            if not res.ok:
                if res.statement:
                    print(f"    law: {res.statement}")
                for line in _lines(res):
                    print("    " + line)
    _summary(reports, print)


def _summary(reports: Sequence[Any], emit: Any) -> None:
    counts = {"proved": 0, "held": 0, "refuted": 0, "error": 0}
    for rep in reports:
        for res in rep.results:
            counts[res.status] += 1
    invalid = sum(rep.invalid is not None for rep in reports)
    skipped = sum(bool(rep.skipped) for rep in reports)
    text = ", ".join(f"{v} {k}" for k, v in counts.items())
    if invalid:
        text += f", {invalid} invalid spec(s)"
    if skipped:
        text += f", {skipped} spec(s) with nothing to check skipped"
    emit(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
