"""``weight_matching(max_sweeps=k)`` runs at most k sweeps of coordinate descent, and says
whether it stopped because a sweep changed nothing (``converged``) or because it ran out.

With no sweep allowed the alignment is the identity, unconverged, the objective untouched. On a
deep MLP whose unbounded run needs several sweeps, each smaller budget is used up exactly and
reported unconverged; the full budget converges in the same number of sweeps as the unbounded
run and reaches the same permutation."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.paths.alignment import weight_matching  # noqa: E402

NET = MLP((4, 6, 6, 6, 6, 3))


def _models() -> tuple[dict, dict]:
    a, b = (NET.init(torch.Generator().manual_seed(s)) for s in (0, 1))
    return a, b


def _perms(r) -> list[np.ndarray]:
    return [np.asarray(p) for p in r.permutation.perms]


def test_no_sweep_allowed_leaves_the_identity_unconverged() -> None:
    a, b = _models()
    r = weight_matching(NET, a, b, max_sweeps=0)
    assert (r.sweeps, r.converged) == (0, False)
    assert all(np.array_equal(p, np.arange(len(p))) for p in _perms(r))
    assert r.objective_after == r.objective_before


def test_a_budget_of_sweeps_is_never_exceeded() -> None:
    a, b = _models()
    full = weight_matching(NET, a, b)
    assert full.converged and full.sweeps >= 3  # otherwise the budgets below test little
    for k in range(1, full.sweeps):
        r = weight_matching(NET, a, b, max_sweeps=k)
        assert (r.sweeps, r.converged) == (k, False), k
    exact = weight_matching(NET, a, b, max_sweeps=full.sweeps)
    assert (exact.sweeps, exact.converged) == (full.sweeps, True)
    assert all(np.array_equal(x, y) for x, y in zip(_perms(exact), _perms(full)))
