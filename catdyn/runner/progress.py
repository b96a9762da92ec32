"""Progress of a run: rich bars on a terminal, plain lines otherwise (and under CI).

:func:`make_progress` picks: ``rich`` when the stream is a terminal, ``CI`` is not set and
rich is installed; ``plain`` (one line per finished task) otherwise; ``quiet`` prints nothing.

>>> import io
>>> buf = io.StringIO()
>>> p = make_progress("plain", buf)
>>> p.start("demo", 2)
>>> p.task("draw", "NormalDraws", "computed", 0.01)
>>> p.close()
>>> print(buf.getvalue().strip())
demo: 2 task(s)
[1/2] draw (NormalDraws): computed in 0.01 s
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

DONE_STATES = ("computed", "reused", "failed", "blocked")


class Progress:
    """The interface (and the quiet implementation): a run reports its tasks through it.

    >>> Progress().task("a", "M", "computed", 1.0)
    """

    def start(self, experiment: str, n_tasks: int) -> None:
        """A run of ``n_tasks`` tasks begins."""

    def task(self, arrow: str, morphism: str, state: str, seconds: float | None = None, note: str = "") -> None:
        """A task changed state: ``started``, ``waiting``, ``ran`` (computed, being stored), or
        one of ``computed``, ``reused``, ``failed``, ``blocked`` (it is over)."""

    def advance(self, arrow: str, done: int, total: int) -> None:
        """Progress inside a running task (e.g. training steps)."""

    def close(self) -> None:
        """The run is over."""


class PlainProgress(Progress):
    """One line per finished task (and per task started, for long ones), no escape codes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.finished = 0

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def start(self, experiment: str, n_tasks: int) -> None:
        self.total, self.finished = n_tasks, 0
        self._print(f"{experiment}: {n_tasks} task(s)")

    def task(self, arrow: str, morphism: str, state: str, seconds: float | None = None, note: str = "") -> None:
        if state not in DONE_STATES:
            if state == "waiting":
                self._print(f"      {arrow} ({morphism}): another process is computing it; waiting")
            return
        self.finished += 1
        took = f" in {seconds:.2f} s" if seconds is not None and state == "computed" else ""
        extra = f": {note}" if note else ""
        self._print(f"[{self.finished}/{self.total}] {arrow} ({morphism}): {state}{took}{extra}")


class RichProgress(Progress):
    """A bar for the run's tasks and one for the running task's own steps."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RP

        self._rp = RP(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._tasks: Any = None
        self._inner: dict[str, Any] = {}
        self._console = self._rp.console

    def start(self, experiment: str, n_tasks: int) -> None:
        self._rp.start()
        self._tasks = self._rp.add_task(f"{experiment}", total=n_tasks)

    def task(self, arrow: str, morphism: str, state: str, seconds: float | None = None, note: str = "") -> None:
        if state == "started":
            self._inner[arrow] = self._rp.add_task(f"  {arrow}", total=None)
            return
        if state == "waiting":
            self._console.print(f"{arrow}: another process is computing it; waiting")
            return
        inner = self._inner.pop(arrow, None)
        if inner is not None:
            self._rp.remove_task(inner)
        if state == "ran":
            return
        self._rp.advance(self._tasks)
        took = f" in {seconds:.2f} s" if seconds is not None and state == "computed" else ""
        colour = {"failed": "red", "blocked": "yellow", "reused": "cyan"}.get(state, "green")
        self._console.print(f"[{colour}]{arrow}[/] ({morphism}): {state}{took}" + (f": {note}" if note else ""))

    def advance(self, arrow: str, done: int, total: int) -> None:
        inner = self._inner.get(arrow)
        if inner is not None:
            self._rp.update(inner, completed=done, total=total)

    def close(self) -> None:
        self._rp.stop()


class ThrottledAdvance(Progress):
    """Wraps a progress and lets through at most ~10 updates a second from inside a task (cheap
    callbacks from tight training loops)."""

    def __init__(self, inner: Progress, interval: float = 0.1) -> None:
        self.inner = inner
        self.interval = interval
        self._last = 0.0

    def start(self, experiment: str, n_tasks: int) -> None:
        self.inner.start(experiment, n_tasks)

    def task(self, arrow: str, morphism: str, state: str, seconds: float | None = None, note: str = "") -> None:
        self.inner.task(arrow, morphism, state, seconds, note)

    def advance(self, arrow: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval or done >= total:
            self._last = now
            self.inner.advance(arrow, done, total)

    def close(self) -> None:
        self.inner.close()


def make_progress(mode: str = "auto", stream: TextIO | None = None) -> Progress:
    """``auto``, ``rich``, ``plain`` or ``quiet`` (see the module docstring).

    >>> type(make_progress("quiet")).__name__
    'Progress'
    """
    stream = stream if stream is not None else sys.stderr
    if mode == "auto":
        tty = hasattr(stream, "isatty") and stream.isatty()
        mode = "rich" if tty and not os.environ.get("CI") else "plain"
    if mode == "rich":
        try:
            return ThrottledAdvance(RichProgress(stream))
        except ImportError:
            mode = "plain"
    if mode == "plain":
        return PlainProgress(stream)
    return Progress()
