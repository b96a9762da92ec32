"""``align``'s default seed is weight matching's own (0), and a given seed reaches weight
matching unchanged.

``align(arch, a, b)`` is what merging and the studies call; its result must be the one
``weight_matching`` gives with the same seed, or an alignment could not be reproduced from the
seed recorded with it. On MLP(4,5,5,5,3) two seeds reach different permutations (checked
first), so a wrong default shows."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute  # noqa: E402
from catdyn.backends.torch.paths.alignment import align, weight_matching  # noqa: E402

NET = MLP((4, 5, 5, 5, 3))


def _models() -> tuple[dict, dict]:
    a, b = (NET.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    return a, b


def _perms(r) -> list[np.ndarray]:
    return [np.asarray(p) for p in r.permutation.perms]


def test_the_two_seeds_reach_different_permutations() -> None:
    a, b = _models()
    p0, p1 = _perms(weight_matching(NET, a, b, seed=0)), _perms(weight_matching(NET, a, b, seed=1))
    assert any(not np.array_equal(x, y) for x, y in zip(p0, p1))


@pytest.mark.parametrize("seed", [None, 0, 1])
def test_align_is_weight_matching_with_the_same_seed(seed: int | None) -> None:
    a, b = _models()
    kwargs = {} if seed is None else {"seed": seed}
    moved, r = align(NET, a, b, "weight", **kwargs)
    want = weight_matching(NET, a, b, seed=0 if seed is None else seed)
    assert r is not None and r.method == "weight"
    assert all(np.array_equal(x, y) for x, y in zip(_perms(r), _perms(want)))
    expected = permute(NET, b, want.permutation)
    assert set(moved) == set(expected) and all(torch.equal(moved[k], expected[k]) for k in expected)
