"""Who owns a task: a process identity, a lease it renews, and the test of whether it is gone.

A store's tasks are owned by *owners*: one per open :class:`~catdyn.runner.store.Store`, each
with a random id, its host name, PID, boot id, PID namespace and process start time, and a
heartbeat it renews every quarter of its lease. A task whose owner's heartbeat is older than
the lease may be taken over (the owner is *stale*). A host name proves nothing — containers,
CI caches and network file systems share stores under many names — and neither does a PID,
which another process may hold by now. Only one case is decided at once: an owner on this
very boot and in this PID namespace whose PID is free, or held by a process that started at
another time, is *dead*.

>>> me = this_process()
>>> state(me.row(heartbeat=0.0, lease_s=60.0), now=30.0)
'live'
>>> state(me.row(heartbeat=0.0, lease_s=60.0), now=61.0) in ("stale", "live")
True
>>> state(None, now=0.0)
'dead'
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

DEFAULT_LEASE_S = 60.0
"""How long an owner's heartbeat stays valid; ``CATDYN_LEASE_S`` overrides it."""


def lease_seconds() -> float:
    """The lease length of this process: ``CATDYN_LEASE_S`` when set to a positive number,
    else :data:`DEFAULT_LEASE_S`.

    >>> lease_seconds() > 0
    True
    """
    text = os.environ.get("CATDYN_LEASE_S", "")
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_LEASE_S
    return max(value, 0.2) if value == value and value > 0 else DEFAULT_LEASE_S


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _start_time(pid: int | str) -> str:
    """A process's start time in clock ticks since boot (field 22 of ``/proc/PID/stat``), with
    ``Z`` appended for a zombie; empty when there is no such process."""
    text = _read(f"/proc/{pid}/stat")
    try:
        fields = text.rsplit(")", 1)[1].split()
        return fields[19] + ("Z" if fields[0] == "Z" else "")
    except IndexError:
        return ""


def _pid_namespace() -> str:
    """This process's PID namespace, when ``/proc`` shows this namespace's PIDs (else empty:
    then no PID of this namespace can be looked up)."""
    try:
        if os.readlink("/proc/self") != str(os.getpid()):
            return ""
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


@dataclass(frozen=True)
class Owner:
    """One owner's identity (see the module docstring).

    >>> Owner("x", "h", 1, "", "", "").row(heartbeat=5.0, lease_s=1.0)["heartbeat"]
    5.0
    """

    id: str
    host: str
    pid: int
    boot: str
    pidns: str
    started: str

    def row(self, heartbeat: float, lease_s: float) -> dict[str, Any]:
        """This owner as a row of the ``owners`` table."""
        return {**self.__dict__, "heartbeat": heartbeat, "lease_s": lease_s, "released": 0}


def this_process() -> Owner:
    """A fresh owner identity for the calling process.

    >>> this_process().pid == os.getpid()
    True
    """
    return Owner(
        uuid.uuid4().hex,
        socket.gethostname(),
        os.getpid(),
        _read("/proc/sys/kernel/random/boot_id"),
        _pid_namespace(),
        _start_time("self"),
    )


_HERE: dict[str, str] = {}


def _here() -> tuple[str, str]:
    if not _HERE or _HERE.get("pid") != str(os.getpid()):
        _HERE.update(pid=str(os.getpid()), boot=_read("/proc/sys/kernel/random/boot_id"), ns=_pid_namespace())
    return _HERE["boot"], _HERE["ns"]


def certainly_dead(row: dict[str, Any]) -> bool:
    """Whether the owner ``row`` is known to be gone: it ran on this boot, in this PID
    namespace, and its PID is free or belongs to a process started at another time (or a
    zombie). Anything else (another machine, container or namespace) is left to the lease.

    >>> certainly_dead({**this_process().row(0.0, 1.0), "pid": 2**22 + 1})
    True
    >>> certainly_dead(this_process().row(0.0, 1.0))
    False
    """
    boot, ns = _here()
    if not (boot and ns and row.get("boot") == boot and row.get("pidns") == ns and row.get("started")):
        return False
    now = _start_time(row["pid"])
    return now != row["started"]


def state(row: dict[str, Any] | None, now: float | None = None) -> str:
    """``live``, ``stale`` (its lease ran out: it may be taken over) or ``dead`` (released,
    unknown, or :func:`certainly_dead`)."""
    if row is None or row.get("released"):
        return "dead"
    if certainly_dead(row):
        return "dead"
    now = time.time() if now is None else now
    return "stale" if row["heartbeat"] + row["lease_s"] < now else "live"


class Heartbeat:
    """A daemon thread that renews an owner's heartbeat in the database ``db`` every quarter of
    ``lease_s``, on its own connection; a failed renewal is retried at the next beat."""

    def __init__(self, db: str, owner_id: str, lease_s: float) -> None:
        self._db, self._id, self._every = db, owner_id, lease_s / 4
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="catdyn-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        conn = None
        while not self._stop.wait(self._every):
            with contextlib.suppress(sqlite3.Error):
                if conn is None:
                    conn = sqlite3.connect(self._db, timeout=self._every, isolation_level=None)
                conn.execute("UPDATE owners SET heartbeat = ? WHERE id = ?", (time.time(), self._id))
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        """Stop renewing (the lease then runs out unless the owner is released)."""
        self._stop.set()
        self._thread.join(timeout=5)
