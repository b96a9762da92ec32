"""Write a folder as a whole: into a hidden temporary folder beside it, then renamed into place.

A process killed while writing leaves the folder as it was (or, killed between the two renames
that replace an old folder, no folder at all), never an empty or half-written one. The
temporary folder's name carries the writer's owner tag, so a later writer removes the
leftovers of a dead one.

>>> import tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "report")
>>> with written_as_a_whole(target, "tag", {"a.txt"}) as staging:
...     with open(os.path.join(staging, "a.txt"), "w") as fh:
...         _ = fh.write("hello")
>>> os.listdir(target), len(os.listdir(os.path.dirname(target)))
(['a.txt'], 1)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator

from catdyn.errors import StoreFailureError

_STAGING, _OLD = ".staging", ".replaced"


def _clean_leftovers(parent: str, abandoned: Callable[[str, float], bool]) -> None:
    """Remove temporary and replaced folders in ``parent`` whose writer is gone."""
    for name in os.listdir(parent):
        if not (name.startswith(".") and name.endswith((_STAGING, _OLD))):
            continue
        parts = name.split(".")
        path = os.path.join(parent, name)
        with contextlib.suppress(OSError, IndexError):
            if abandoned(parts[-3], os.path.getmtime(path)):
                shutil.rmtree(path)


def _check_target(final: str, allowed: set[str]) -> None:
    if os.path.lexists(final) and not os.path.isdir(final):
        raise StoreFailureError.report_target(final, "it is a file, not a folder")
    if os.path.isdir(final):
        others = sorted(set(os.listdir(final)) - allowed)
        if others:
            shown = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
            raise StoreFailureError.report_target(
                final, f"the folder holds other files ({shown}), which writing it as a whole would remove"
            )


@contextlib.contextmanager
def written_as_a_whole(
    final: str,
    tag: str,
    allowed: set[str],
    abandoned: Callable[[str, float], bool] | None = None,
) -> Iterator[str]:
    """Yield a temporary folder beside ``final``; when the block ends without error, it replaces
    ``final`` (which may exist only holding names in ``allowed``: an earlier copy). ``tag``
    names the writer in the temporary folder's name; ``abandoned(tag, mtime)`` says whether
    another writer's leftover may be removed (default: only when older than a day)."""
    final = os.path.abspath(final)
    parent, base = os.path.split(final)
    _check_target(final, allowed)
    try:
        os.makedirs(parent, exist_ok=True)
        _clean_leftovers(parent, abandoned or (lambda _tag, mtime: time.time() - mtime > 86400))
        staging = os.path.join(parent, f".{base}.{tag}.{uuid.uuid4().hex[:8]}{_STAGING}")
        os.makedirs(staging)
    except OSError as exc:
        raise StoreFailureError.report_target(final, exc.strerror or str(exc)) from exc
    try:
        yield staging
        if os.path.isdir(final):
            old = os.path.join(parent, f".{base}.{tag}.{uuid.uuid4().hex[:8]}{_OLD}")
            os.rename(final, old)
            os.rename(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
