"""Persistence features and basin depth against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from catdyn.topology.cubical import Diagram, sublevel_persistence
from catdyn.topology.features import (
    basin_depth,
    count_above,
    largest_lifetime,
    persistent_entropy,
    summarise,
    total_persistence,
)


def _diagram() -> Diagram:
    # f = [3, 1, 4, 0, 5, 2]: pairs (1, 4) and (2, 5), essential 0
    return sublevel_persistence(np.array([3.0, 1.0, 4.0, 0.0, 5.0, 2.0]), engine="union-find")


def test_features_by_hand() -> None:
    d = _diagram()
    assert total_persistence(d, 0) == 6.0  # 3 + 3
    assert total_persistence(d, 0, p=2) == 18.0
    assert largest_lifetime(d, 0) == 3.0
    assert count_above(d, 0, 2.9) == 2 and count_above(d, 0, 3.0) == 0
    assert persistent_entropy(d, 0) == pytest.approx(math.log(2))
    s = summarise(d, noise_floor=2.0, grid=np.array([3.0, 1.0, 4.0, 0.0, 5.0, 2.0]))
    assert s["total_persistence"] == 6.0 and s["essential_birth_h0"] == 0.0
    assert s["count_above_h0"] == 2.0
    assert math.isfinite(s["total_persistence"])  # the essential class never enters a sum


def test_unequal_entropy_by_hand() -> None:
    d = Diagram((np.array([[0.0, 1.0], [0.0, 3.0]]),), (np.zeros(1),), "vertex", "x", (4,))
    q = np.array([0.25, 0.75])
    assert persistent_entropy(d, 0) == pytest.approx(float(-(q * np.log(q)).sum()))
    empty = Diagram((np.zeros((0, 2)),), (np.zeros(1),), "vertex", "x", (4,))
    assert (total_persistence(empty, 0), largest_lifetime(empty, 0), persistent_entropy(empty, 0)) == (
        0,
        0,
        0,
    )


def test_basin_depth_by_hand() -> None:
    f = np.array([5.0, 0.0, 3.0, 1.0, 6.0])
    assert basin_depth(f, at=(2,)) == 5.0  # drains to 0, leaves over the left edge at 5
    assert basin_depth(f, at=(3,)) == 2.0  # its own well at 1 merges with the deeper one at 3
    assert basin_depth(f, at=(1,)) == 5.0
    x = np.linspace(-1.0, 1.0, 9)
    bowl = x[:, None] ** 2 + 2 * x[None, :] ** 2
    assert basin_depth(bowl) == pytest.approx(1.0)  # the lowest edge point is (±1, 0)
    assert basin_depth(bowl, construction="top-cell") == pytest.approx(1.0)


def test_basin_depth_construction_matters() -> None:
    # centre 0 with a diagonal path of 0.5 to the corner; axis neighbours are 9
    f = np.full((3, 3), 9.0)
    f[1, 1], f[0, 0] = 0.0, 0.5
    assert basin_depth(f, construction="top-cell") == 0.5
    assert basin_depth(f, construction="vertex") == 9.0
