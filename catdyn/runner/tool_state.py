"""Where tools that catdyn drives keep their state during a run: under the store, not in the
working directory.

>>> saved = os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
>>> with tool_state_under("/tmp/store"):
...     print(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"])
/tmp/store/.hypothesis
>>> "HYPOTHESIS_STORAGE_DIRECTORY" in os.environ
False
>>> if saved is not None: os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = saved
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def tool_state_under(root: str) -> Iterator[None]:
    """Keep the state tools write while a run computes under ``root`` (the store), not in the
    working directory: hypothesis, which the law checks use, otherwise writes ``.hypothesis/``
    there. Its own ``HYPOTHESIS_STORAGE_DIRECTORY``, when set, is respected. (Example: the
    module docstring.)"""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    where = os.path.join(root, ".hypothesis")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = where  # read by hypothesis, also in worker processes
    configuration = None
    with contextlib.suppress(ImportError):
        from hypothesis import configuration
    previous = getattr(configuration, "__hypothesis_home_directory", None)
    if configuration is not None:
        configuration.set_hypothesis_home_dir(where)
    try:
        yield
    finally:
        os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        if configuration is not None:
            configuration.set_hypothesis_home_dir(previous)
