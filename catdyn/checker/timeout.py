"""A time limit per law that actually stops the law.

In the main thread of a Unix process the limit is a real-time timer (``SIGALRM``) whose
handler raises :class:`LawTimeout` inside the running law, wherever it is (a Python loop, a
``time.sleep``, sympy): the law stops and the next one starts. ``LawTimeout`` derives from
``BaseException``, so a law's own ``except Exception`` cannot swallow it. Elsewhere (another
thread, or no ``SIGALRM``) the law runs in a daemon thread that is abandoned at the limit:
the check goes on and ends in bounded time, though the abandoned thread may keep a core busy
until the process exits. Code stuck inside one C call (a huge matrix product) is stopped
when the call returns.

>>> import time
>>> def forever():
...     while True:
...         time.sleep(0.01)
>>> try:
...     within(0.05, forever)
... except LawTimeout as stop:
...     print(stop)
no verdict within 0.05 s: stopped
>>> within(None, lambda: 3)
3
"""

from __future__ import annotations

import contextvars
import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class LawTimeout(BaseException):
    """A law ran past its time limit (``BaseException``: a law cannot catch it by accident)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"no verdict within {seconds:g} s: stopped")


def within(seconds: float | None, fn: Callable[[], T]) -> T:
    """``fn()``, stopped with :class:`LawTimeout` after ``seconds`` (``None``: no limit)."""
    if seconds is None:
        return fn()
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(seconds, fn)
    return _in_thread(seconds, fn)


def _with_alarm(seconds: float, fn: Callable[[], T]) -> T:
    def ring(signum: int, frame: Any) -> None:
        raise LawTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, ring)
    outer = signal.getitimer(signal.ITIMER_REAL)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0] > 0:  # pragma: no cover - someone else's timer was running: give it back
            signal.setitimer(signal.ITIMER_REAL, *outer)


def _in_thread(seconds: float, fn: Callable[[], T]) -> T:
    box: dict[str, Any] = {}
    context = contextvars.copy_context()

    def target() -> None:
        try:
            box["value"] = context.run(fn)
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=target, name="catdyn-law", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise LawTimeout(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]
