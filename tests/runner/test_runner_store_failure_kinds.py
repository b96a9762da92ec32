"""``store_failure`` tells a full disk, a damaged database and another database failure apart,
also when the store's error is the cause or context of the one raised, and says ``None`` for
anything else (a chain that loops included)."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from catdyn.errors import StoreFailureError
from catdyn.runner.store import Store, store_failure

ROOT = "/the/store"
DB = os.path.join(ROOT, Store.DB)


@pytest.mark.parametrize(
    "exc, start",
    [
        (OSError(errno.ENOSPC, "No space left on device"), f"the disk holding the store {ROOT} is full (No space left"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), f"the disk holding the store {ROOT} is full (Disk quota"),
        (sqlite3.OperationalError("database or disk is full"), f"the disk holding the store {ROOT} is full (database"),
        (sqlite3.DatabaseError("file is not a database"), f"the store database {DB} is damaged (file is not"),
        (sqlite3.OperationalError("database disk image is malformed"), f"the store database {DB} is damaged ("),
        (sqlite3.OperationalError("file is not a database"), f"the store database {DB} is damaged ("),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), f"the store database {DB} is damaged (UNIQUE"),
        (sqlite3.OperationalError("database is locked"), f"the store database {DB} failed (database is locked)"),
        (sqlite3.OperationalError("disk I/O error"), f"the store database {DB} failed (disk I/O error)"),
    ],
)
def test_each_kind_of_failure(exc: BaseException, start: str) -> None:
    got = store_failure(exc, ROOT)
    assert isinstance(got, StoreFailureError)
    assert str(got).startswith(start), str(got)


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EACCES, "Permission denied"),
        OSError(errno.ENOENT, "No such file"),
        ValueError("database or disk is full"),  # the words alone are not a database error
        RuntimeError("x"),
    ],
)
def test_anything_else_is_none(exc: BaseException) -> None:
    assert store_failure(exc, ROOT) is None


def test_the_failure_is_found_as_a_cause_or_a_context() -> None:
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.Error as inner:
            raise RuntimeError("writing the task failed") from inner
    except RuntimeError as exc:
        caused = exc
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise KeyError("while handling it")  # noqa: B904 (the context, not a cause)
    except KeyError as exc:
        context = exc
    assert "is full" in str(store_failure(caused, ROOT))
    assert "is full" in str(store_failure(context, ROOT))
    assert store_failure(RuntimeError("no chain"), ROOT) is None


def test_a_chain_that_loops_ends() -> None:
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__cause__, b.__cause__ = b, a
    assert store_failure(a, ROOT) is None


def test_a_failure_deep_in_a_long_chain() -> None:
    """A chain dozens of errors long is followed to the failure at its end."""

    def chain(depth: int) -> BaseException:
        exc: BaseException = sqlite3.OperationalError("database or disk is full")
        for _ in range(depth):
            outer = RuntimeError("wrapper")
            outer.__cause__ = exc
            exc = outer
        return exc

    assert "is full" in str(store_failure(chain(40), ROOT))
