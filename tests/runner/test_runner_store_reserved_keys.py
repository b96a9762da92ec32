"""A stored value whose dicts use the store's own marker names as keys ("__tuple__",
"__array__", "__float__", "__dict__") comes back as the same value, at the top level and nested,
through a real store (write, then load in a fresh one), not read as a tuple, array or float."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from catdyn.runner.store import Store

KEY = "k" * 64


def test_dicts_keyed_by_marker_names_round_trip(tmp_path: Path) -> None:
    value = {
        "__tuple__": [1, 2],
        "__array__": "not an array",
        "plain": (1, 2.5),
        "nested": [{"__float__": "nan", "__dict__": {"a": 1}}, {"ok": 3}],
        "arr": np.arange(3.0),
        "inf": math.inf,
    }
    s = Store(str(tmp_path / "store"))
    run = s.begin_run("spec.py", "", "smoke", "cpu", "local", {})
    assert s.claim_task(KEY, run, "step", "op") == "claimed"
    s.finish_task(KEY, run, value, [], 0.1)
    s.close()
    got = Store(str(tmp_path / "store")).load_value(KEY)
    assert set(got) == set(value)
    assert got["__tuple__"] == [1, 2] and got["__array__"] == "not an array"
    assert got["plain"] == (1, 2.5)
    assert got["nested"] == [{"__float__": "nan", "__dict__": {"a": 1}}, {"ok": 3}]
    assert np.array_equal(got["arr"], value["arr"]) and got["inf"] == math.inf
