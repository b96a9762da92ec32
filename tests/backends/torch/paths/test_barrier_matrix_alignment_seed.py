"""The barrier matrix aligns each pair exactly as ``weight_matching`` does with the same seed.

Weight matching visits the permutation groups in an order drawn from its seed, and on a deep
enough net two seeds reach different permutations. A barrier matrix's alignment must be the one
``weight_matching`` gives with the matrix's ``seed`` (default 0, weight matching's own default),
or a matrix could not be reproduced from the study's recorded seed. The reference here calls
``weight_matching`` and ``barrier_matrix_loop`` (a plain per-pair loop) directly.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import permute  # noqa: E402
from catdyn.backends.torch.paths.alignment import weight_matching  # noqa: E402
from catdyn.backends.torch.paths.barrier_matrix import barrier_matrix, barrier_matrix_loop  # noqa: E402

NET = MLP((4, 5, 5, 5, 3))


def _models() -> list[dict]:
    return [NET.init(torch.Generator().manual_seed(s)) for s in range(2)]


def _data() -> tuple:
    g = torch.Generator().manual_seed(7)
    return torch.randn(24, 4, generator=g), torch.randint(0, 3, (24,), generator=g)


def _perms(alignment) -> list[np.ndarray]:
    return [np.asarray(q) for q in alignment.permutation.perms]


def test_the_two_seeds_used_below_reach_different_permutations() -> None:
    # otherwise the tests below could not tell one seed from another
    a, b = _models()
    p0, p1 = _perms(weight_matching(NET, a, b, seed=0)), _perms(weight_matching(NET, a, b, seed=1))
    assert any(not np.array_equal(x, y) for x, y in zip(p0, p1))


@pytest.mark.parametrize("seed", [None, 0, 1])
def test_pair_permutation_and_profile_are_weight_matchings_with_the_same_seed(seed: int | None) -> None:
    a, b = _models()
    data = _data()
    kwargs = {} if seed is None else {"seed": seed}
    bm = barrier_matrix(NET, [a, b], data, points=5, **kwargs)
    wm = weight_matching(NET, a, b, **kwargs)  # seed None: both at their defaults
    want = _perms(wm)
    got = [np.asarray(q) for q in bm.permutations[0]]
    assert len(got) == len(want) and all(np.array_equal(x, y) for x, y in zip(got, want))
    ref = barrier_matrix_loop(NET, [a, b], data, points=5, partners=[permute(NET, b, wm.permutation)])
    for metric in ("loss", "error"):
        assert np.abs(bm.matrix(metric, "test") - ref.matrix(metric, "test")).max() < 1e-5
