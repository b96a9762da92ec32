"""The ``catdyn`` command line: ``check`` (this module) and ``run``, ``runs``, ``verify``,
``report`` (:mod:`catdyn.runner.commands`).

``catdyn draw SPEC [--out FILE] [--check]`` draws every diagram a spec binds
(:mod:`catdyn.draw`).

``catdyn check SPEC_OR_DIR… [--json] [--examples N] [--seed S] [--max-size N] [--max-dim N]
[--timeout T] [--debug]`` checks every law a spec promises, printing each verdict as soon as
it is found, and exits

- 0 when all are proved or held,
- 1 when any is refuted or ended in error (an exception, or ``--timeout`` seconds passed),
- 2 when a spec is invalid (it cannot be loaded, or nothing at all was checkable: one
  paragraph naming file and line; the traceback only with ``--debug``),
- 130 when interrupted (Ctrl-C): what was checked so far is printed first.

``--json`` prints one document in the schema of ``docs/check-json.md`` on standard output and
nothing else (a spec's own prints go to standard error). Output cut short by its reader
(``catdyn check … | head``) ends the check quietly.

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
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from catdyn import __version__

_MARK = {"proved": "✓ proved", "held": "✓ held", "refuted": "✗ refuted", "error": "! error"}
_ANSI = {"proved": "32", "held": "32", "refuted": "1;31", "error": "1;33"}


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
    check.add_argument(
        "--max-size",
        type=_natural,
        default=8,
        metavar="N",
        help="largest finite set, cone and permutation factor sampling draws (default 8; 0 … N drawn)",
    )
    check.add_argument(
        "--max-dim", type=_natural, default=4, metavar="N", help="largest vector-space dimension drawn (default 4)"
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="T",
        help="stop a law after T seconds (verdict: error); default no limit",
    )
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


def _natural(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


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
    from catdyn.checker.report import EXIT_INTERRUPTED, check_paths, exit_code, to_json

    config = CheckConfig(
        examples=args.examples, seed=args.seed, max_size=args.max_size, max_dim=args.max_dim, timeout=args.timeout
    )
    stdout = sys.stdout
    printer = _Printer(stdout, quiet=args.json)
    reports: list[Any] = []
    interrupted = False
    try:
        with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
            check_paths(args.paths, config, on_spec=printer.spec_done, on_result=printer.result, reports=reports)
    except KeyboardInterrupt:
        interrupted = True
        if printer.partial is not None:  # the spec in progress: the laws decided so far
            reports.append(printer.partial)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        _quiet_stdout()
        return exit_code(reports)
    code = EXIT_INTERRUPTED if interrupted else exit_code(reports)
    try:
        if args.json:
            stdout.write(json.dumps(to_json(reports, config, interrupted), indent=2, ensure_ascii=False) + "\n")
            stdout.flush()
        else:
            printer.summary(reports, interrupted)
    except BrokenPipeError:
        _quiet_stdout()
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


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's final flush
    does not print a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout is not a real file
        pass


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


def _facts(res: Any) -> str:
    """Engine, examples, residual and what was drawn, in one line."""
    parts = [res.engine, f"{res.examples} example(s)"]
    if res.comparison == "tolerance" or res.status == "refuted":
        parts.append(f"residual {res.residual:.3g}")
    parts += [f"{k} {v}" for k, v in res.drawn]
    parts.append(f"{res.seconds:.2f} s")
    parts.append(res.where.rsplit("/", 1)[-1])
    return " · ".join(parts)


class _Printer:
    """Streams the text report: each law's verdict as it is found, then per spec what was
    not checked, then the summary."""

    def __init__(self, out: Any, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet  # --json: keep track of results, print nothing
        self.colour = bool(getattr(out, "isatty", lambda: False)())
        self.current: str | None = None
        self.partial: Any = None

    def emit(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def _status(self, status: str) -> str:
        mark = _MARK[status]
        return f"\x1b[{_ANSI[status]}m{mark}\x1b[0m" if self.colour else mark

    def result(self, path: str, res: Any) -> None:
        from catdyn.checker.report import SpecReport

        if self.current != path:
            self.current = path
            self.partial = SpecReport(path)
            self.emit(path)
        self.partial.results.append(res)
        self.emit(f"  {self._status(res.status)}: {res.subject} — {res.law}  [{_facts(res)}]")
        if not res.ok:
            if res.statement:
                self.emit(f"      law: {res.statement}")
            for line in _lines(res):
                self.emit("      " + line)
        for note in res.notes:
            self.emit(f"      note: {note}")

    def spec_done(self, rep: Any) -> None:
        self.partial = None
        if rep.invalid is not None:
            self.emit(f"invalid spec: {rep.invalid}")
        if rep.not_checked and not rep.skipped and rep.invalid is None:
            if self.current != rep.path:
                self.emit(rep.path)
            self.emit("  not checked:")
            for s in rep.not_checked:
                self.emit(f"    {s.shown}")
        self.current = None

    def summary(self, reports: Sequence[Any], interrupted: bool) -> None:
        from catdyn.checker.report import exit_code

        for rep in reports:  # specs with nothing checkable: skipped, or invalid when nothing at all was
            if rep.skipped:
                self.emit(f"skipped: {rep.skipped}")
            elif rep.invalid is not None and rep.empty is not None and rep.invalid is rep.empty:
                self.emit(f"invalid spec: {rep.invalid}")
        counts = {"proved": 0, "held": 0, "refuted": 0, "error": 0}
        for rep in reports:
            for res in rep.results:
                counts[res.status] += 1
        invalid = sum(rep.invalid is not None for rep in reports)
        skipped = sum(bool(rep.skipped) for rep in reports)
        unseen = sum(len(rep.not_checked) for rep in reports)
        text = ", ".join(f"{v} {k}" for k, v in counts.items())
        if invalid:
            text += f", {invalid} invalid spec(s)"
        if skipped:
            text += f", {skipped} spec(s) with nothing to check skipped"
        if unseen:
            text += f", {unseen} thing(s) not checked (listed above)"
        if interrupted:
            text += f"; interrupted (exit 130; would have been {exit_code(reports)} so far)"
        self.emit(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
