"""The runner's commands: ``catdyn run``, ``catdyn runs``, ``catdyn verify``, ``catdyn report``.

``catdyn.cli`` registers them with :func:`add_commands` and calls :func:`dispatch`; :func:`main`
runs them on their own (for tests and ``python -m catdyn.runner.commands``).

Exit codes:

* ``0`` — everything asked for was done: every task finished (computed or reused) and no
  law checked during the run was refuted; ``verify`` found the store intact. A paper's claim
  measured as *not reproduced* is a result, not a failure: it is in the report, exit 0.
* ``1`` — the run finished but some task failed (its morphism raised; everything downstream
  is blocked) or a law checked in the run was refuted or errored; ``verify`` found damage.
* ``2`` — bad input, nothing run: an unknown preset, an empty or unwritable ``--out``, a spec
  with no experiment or that does not load, an unknown run, a Ray ``--address`` where nothing
  answers, a stored value the run would reuse that is missing or inconsistent (``--repair``
  recomputes it); or the store failed under the command (a damaged database, a full disk:
  what was committed stays). One paragraph on stderr; ``--debug`` adds the traceback.

>>> import tempfile
>>> main(["runs", "--out", tempfile.mkdtemp()])
no runs in this store yet
0
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from catdyn.errors import CatdynError, RunError, StoreFailureError
from catdyn.runner.store import store_failure

DEFAULT_OUT = "catdyn-runs"
"""Where runs are stored when ``--out`` is not given (relative to the working directory)."""


def _out(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors"
    )
    p.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"the store folder (default: ./{DEFAULT_OUT})"
    )


def add_commands(subparsers: Any) -> None:
    """Register ``run``, ``runs``, ``verify`` and ``report`` on an argparse subparsers object.

    >>> parser = argparse.ArgumentParser(); add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["run", "spec.py", "--preset", "full"]).preset
    'full'
    """
    run = subparsers.add_parser(
        "run",
        help="run a spec's experiments, store and report them",
        description="Compile SPEC's experiments into task graphs, run what is not "
        "stored yet, and write each run's report.",
    )
    run.add_argument(
        "spec", help="a spec file (Python) defining at least one @experiment, or a folder of them"
    )
    run.add_argument(
        "--preset", default="smoke", help="a preset the spec defines: smoke (minutes on a CPU), full (the study's size), or another it names (tiny, teeth, shift, ...)"
    )
    run.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    run.add_argument("--executor", default="local", choices=("local", "ray"), help="where tasks run")
    run.add_argument("--address", default=None, help="a Ray cluster's address (default: start a local Ray)")
    run.add_argument("--experiment", default=None, help="run only the experiment with this name")
    run.add_argument("--fresh", action="store_true", help="recompute every task (ignore stored results)")
    run.add_argument(
        "--repair", action="store_true", help="recompute tasks whose stored values are missing or inconsistent"
    )
    run.add_argument(
        "--take-over",
        action="store_true",
        help="compute tasks another process holds, even under a valid lease (when you know it is gone)",
    )
    run.add_argument(
        "--progress",
        default="auto",
        choices=("auto", "rich", "plain", "quiet"),
        help="progress display (auto: bars on a terminal, plain lines otherwise or under CI)",
    )
    run.add_argument("--no-report", action="store_true", help="do not write the report")
    _out(run)

    runs = subparsers.add_parser("runs", help="list the runs in a store")
    _out(runs)

    verify = subparsers.add_parser("verify", help="check a store's integrity (every artifact's SHA-256)")
    verify.add_argument(
        "run", nargs="?", default=None, help="only the tasks of this run (id, prefix or latest)"
    )
    _out(verify)

    report = subparsers.add_parser(
        "report", help="write a run's report (report.md, report.html, claims.json)"
    )
    report.add_argument("run", nargs="?", default="latest", help="run id, unique prefix, or latest (default)")
    report.add_argument(
        "--to", default=None, metavar="DIR", help="write the report here instead of the store"
    )
    _out(report)


def _err(msg: str) -> None:
    print(f"catdyn: {msg}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """``catdyn run``."""
    from catdyn.runner.compiler import compile_experiment
    from catdyn.runner.executors import make_executor
    from catdyn.runner.progress import make_progress
    from catdyn.runner.run import run_experiment
    from catdyn.runner.spec import experiments, load_spec
    from catdyn.runner.store import Store

    target = os.path.abspath(args.spec)
    if os.path.isdir(target):  # every spec of a folder that defines an experiment (as `check` picks them)
        from catdyn.checker.discovery import spec_files

        paths = [str(p) for p in spec_files(target)]
    else:
        paths = [target]
    found = []
    for path in paths:
        found += [(exp, path) for exp in experiments(load_spec(path))]
    if args.experiment is not None:
        found = [(e, p) for e, p in found if e.name == args.experiment]
    if not found:
        raise RunError.no_experiment(args.spec, args.experiment)
    for exp, _ in found:  # every experiment compiles before anything runs or is written
        compile_experiment(exp, args.preset, "cpu")
    from catdyn.runner.run import resolve_device

    args.device = resolve_device(args.device)  # an unavailable device is refused before the store exists
    executor = make_executor(args.executor, args.address)  # an unreachable --address too
    try:
        store = Store(args.out)
    except BaseException:
        executor.shutdown()
        raise
    code = 0
    try:
        for exp, spec_path in found:
            summary = run_experiment(
                exp,
                store,
                preset=args.preset,
                device=args.device,
                executor=executor,
                spec_path=spec_path,
                progress=make_progress(args.progress),
                report=not args.no_report,
                fresh=args.fresh,
                repair=args.repair,
                take_over=args.take_over,
            )
            counts = ", ".join(f"{v} {k}" for k, v in summary.counts().items())
            print(f"run {summary.run_id} of {exp.name}: {'ok' if summary.ok else 'FAILED'} ({counts})")
            for o in summary.outcomes:
                if o.state == "failed":
                    print(f"  failed: {o.arrow} ({o.morphism.rsplit(':', 1)[-1]}): {o.error}")
            for law in summary.failed_laws:
                print(f"  law not held: {law}")
            if summary.report:
                print(f"  report: {summary.report['html']}")
                print(f"  claims: {summary.report['claims']}")
            if not summary.ok:
                code = 1
    finally:
        executor.shutdown()
        store.close()
    return code


def cmd_runs(args: argparse.Namespace) -> int:
    """``catdyn runs``."""
    from catdyn.runner.store import Store, StoreError

    if not os.path.isdir(args.out):  # a file, or nothing: not a store (an empty folder is one with no runs)
        raise StoreError.not_a_store(os.path.abspath(args.out), Store.DB)
    store = Store(args.out, create=False) if os.path.exists(os.path.join(args.out, Store.DB)) else None
    runs = store.runs() if store is not None else []
    if not runs:
        print("no runs in this store yet")
        return 0
    rows = [("run", "experiment", "preset", "device", "executor", "status", "seconds", "spec")]
    for r in runs:
        rows.append(
            (
                r.id,
                r.experiment,
                r.preset,
                r.device,
                r.executor,
                r.status,
                "" if r.seconds is None else f"{r.seconds:.1f}",
                r.spec,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """``catdyn verify``: exit 0 when intact, 1 when damage was found."""
    from catdyn.runner.store import Store, StoreError

    try:
        store = Store(args.out, create=False)
    except StoreError as exc:
        if not isinstance(exc.__cause__, sqlite3.DatabaseError):
            raise
        print(f"DAMAGED: {exc.what}")  # the database exists but cannot be read: that is damage found
        print(f"store {os.path.abspath(args.out)}: its database is damaged; nothing in it can be trusted")
        return 1
    keys = None
    if args.run is not None:
        run = store.resolve_run(args.run)
        keys = [t["key"] for t in store.run_tasks(run.id)]
    result = store.verify(keys, None if args.run is None else [run.id])
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"DAMAGED: {problem}")
    if result.ok:
        print(f"store {store.root}: intact ({result.checked} artifact file(s) match their SHA-256)")
        return 0
    print(
        f"store {store.root}: {len(result.problems)} problem(s); `catdyn run SPEC --repair` recomputes "
        "the damaged tasks"
    )
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    """``catdyn report``."""
    from catdyn.runner.report import write_report
    from catdyn.runner.store import Store, StoreError

    store = Store(args.out, create=False)
    run = store.resolve_run(args.run)
    keys = [t["key"] for t in store.run_tasks(run.id)]
    check = store.verify(keys, [run.id])
    if not check.ok:  # a report vouches for the run's stored results: refuse to write one over damage
        damaged = store.damaged_keys(keys)
        if damaged:
            raise StoreError.damaged_run(run.id, damaged)
        raise StoreFailureError.unsound_run(run.id, check.problems)
    paths = write_report(store, run.id, args.to)
    for kind in ("markdown", "html", "claims"):
        print(f"{kind}: {paths[kind]}")
    return 0


COMMANDS = {"run": cmd_run, "runs": cmd_runs, "verify": cmd_verify, "report": cmd_report}


def dispatch(args: argparse.Namespace) -> int:
    """Run the command ``args.command``; a :class:`~catdyn.errors.CatdynError` becomes one
    paragraph on stderr and exit code 2 (with the traceback when ``args.debug``).

    >>> import tempfile
    >>> dispatch(argparse.Namespace(command="verify", out=tempfile.mkdtemp() + "/none", run=None, debug=False))
    2
    """
    handler = COMMANDS[args.command]
    try:
        if getattr(args, "out", None) == "":
            raise StoreFailureError.empty_out()
        return handler(args)
    except CatdynError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        _err(str(exc))
        return 2
    except (sqlite3.Error, OSError) as exc:  # the store's disk or database failed under the command
        failure = store_failure(exc, os.path.abspath(getattr(args, "out", "") or "."))
        if failure is None:
            raise
        if getattr(args, "debug", False):
            traceback.print_exc()
        _err(str(failure))
        return 2
    except KeyboardInterrupt:
        _err("interrupted; finished tasks are stored and a rerun resumes from them")
        return 130


def build_parser() -> argparse.ArgumentParser:
    """A parser with only the runner's commands (``catdyn.cli`` has the full one)."""
    parser = argparse.ArgumentParser(prog="catdyn")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return dispatch(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
