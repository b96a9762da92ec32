"""Affine fits between representations: against numpy's least squares, and planted maps."""

import numpy as np
import pytest
import torch

from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.interpolation import stack
from catdyn.backends.torch.studies.homotopy.affine_fit import (
    affine_residual,
    affine_study,
    fit_affine,
    symmetric_residual,
)


def test_fit_matches_numpy_lstsq() -> None:
    g = np.random.default_rng(0)
    x, y = g.normal(size=(80, 6)), g.normal(size=(80, 4))
    A, b = fit_affine(torch.tensor(x), torch.tensor(y), ridge=0.0)
    design = np.hstack([x, np.ones((80, 1))])
    ref = np.linalg.lstsq(design, y, rcond=None)[0]
    assert np.allclose(A.numpy(), ref[:-1], atol=1e-10) and np.allclose(b.numpy(), ref[-1], atol=1e-10)
    # the held-out residual by hand
    fit_rows, test_rows = np.arange(0, 80, 2), np.arange(1, 80, 2)
    coef = np.linalg.lstsq(design[fit_rows], y[fit_rows], rcond=None)[0]
    err = y[test_rows] - design[test_rows] @ coef
    want = (err**2).sum() / ((y[test_rows] - y[test_rows].mean(0)) ** 2).sum()
    assert affine_residual(torch.tensor(x), torch.tensor(y), ridge=0.0) == pytest.approx(want, rel=1e-9)


def test_planted_affine_maps_and_permutations_have_zero_residual() -> None:
    g = torch.Generator().manual_seed(1)
    z = torch.randn(100, 5, generator=g, dtype=torch.float64)
    M = torch.randn(5, 5, generator=g, dtype=torch.float64)
    assert symmetric_residual(z, z @ M + 3.0, ridge=0.0) < 1e-12
    assert symmetric_residual(z, z[:, torch.randperm(5, generator=g)], ridge=0.0) < 1e-12
    assert symmetric_residual(z, torch.tanh(3 * z) ** 2, ridge=0.0) > 0.1


def test_study_splits_within_and_between() -> None:
    net = MLP((3, 6, 2))
    base = [net.init(torch.Generator().manual_seed(s)) for s in range(2)]
    # members 0, 1: a network and a scaled copy of it (hidden features scale: an affine image);
    # member 2: another network
    scaled = {k: (2 * v if k.startswith("fc0") else v) for k, v in base[0].items()}
    ck = {0: stack([base[0], scaled, base[1]]), 5: stack([base[0], scaled, base[1]])}
    s = affine_study(net, ck, torch.randn(200, 3), [0, 0, 1], layer="hidden0", ridge=0.0)
    assert s.stages == [0, 5]
    assert s.within().max() < 1e-9
    assert s.between().min() > 1e-3


@pytest.mark.parametrize("ridge", [1e-6, 0.0])
def test_batched_pair_residuals_equal_the_per_pair_loop(ridge: float) -> None:
    """The batched route against :func:`symmetric_residual` pair by pair: full-rank features,
    rank-deficient ones (dead units: with ``ridge=0`` the Gram matrix is singular and the route
    falls back to least squares), a constant member (zero held-out variance) and an odd number
    of probe rows."""
    from catdyn.backends.torch.studies.homotopy.affine_fit import pair_residuals

    g = torch.Generator().manual_seed(3)
    feats = torch.randn(6, 41, 5, generator=g, dtype=torch.float64)
    feats[1, :, 2:] = 0.0
    feats[2] = feats[0] @ torch.randn(5, 5, generator=g, dtype=torch.float64) + 1.0
    feats[4] = 7.0
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    fast = pair_residuals(feats, pairs, ridge=ridge, chunk=4)
    slow = np.array([symmetric_residual(feats[i], feats[j], ridge=ridge) for i, j in pairs])
    assert np.array_equal(np.isinf(fast), np.isinf(slow))
    finite = np.isfinite(slow)
    np.testing.assert_allclose(fast[finite], slow[finite], rtol=1e-8, atol=1e-10)
    assert fast[pairs.index((0, 2))] < 1e-8


def _numpy_held_out_residual(a: np.ndarray, b: np.ndarray) -> float:
    """The held-out residual by numpy's SVD least squares on the design matrix ``[a, 1]``: an
    independent reference that never forms the Gram matrix."""
    n = a.shape[0]
    fit, test = np.arange(0, n, 2), np.arange(1, n, 2)
    coef = np.linalg.lstsq(np.hstack([a[fit], np.ones((len(fit), 1))]), b[fit], rcond=None)[0]
    err = b[test] - np.hstack([a[test], np.ones((len(test), 1))]) @ coef
    return float((err**2).sum() / ((b[test] - b[test].mean(0)) ** 2).sum())


def test_rank_deficient_fits_equal_numpy_svd_least_squares() -> None:
    """With ``ridge=0`` and dead units the Gram matrix is singular; both the per-pair and the
    batched route must give the minimum-norm least-squares residual that numpy's SVD solver
    gives on the design matrix (the batched route once disagreed with the per-pair one on
    another CPU, where LAPACK's rank-revealing solver took a different rank)."""
    from catdyn.backends.torch.studies.homotopy.affine_fit import pair_residuals

    g = torch.Generator().manual_seed(3)
    feats = torch.randn(6, 41, 5, generator=g, dtype=torch.float64)
    feats[1, :, 2:] = 0.0
    feats[3, :, 0] = 2.0 * feats[3, :, 1] - 1.0  # a dependent column, not a dead one
    pairs = [(1, j) for j in range(6) if j != 1] + [(3, 5)]
    fast = pair_residuals(feats, pairs, ridge=0.0, chunk=1)
    for k, (i, j) in enumerate(pairs):
        a, b = feats[i].numpy(), feats[j].numpy()
        want = 0.5 * (_numpy_held_out_residual(a, b) + _numpy_held_out_residual(b, a))
        assert symmetric_residual(feats[i], feats[j], ridge=0.0) == pytest.approx(want, rel=1e-9)
        assert fast[k] == pytest.approx(want, rel=1e-9)


def test_singular_gram_solves_do_not_depend_on_the_batch() -> None:
    """One singular system solved alone and inside a batch gives the same answer."""
    from catdyn.backends.torch.studies.homotopy.affine_fit import solve_gram

    g = torch.Generator().manual_seed(0)
    x = torch.randn(30, 4, generator=g, dtype=torch.float64)
    x[:, 3] = 0.0
    gram = torch.stack([x.T @ x, x.T @ x + torch.eye(4, dtype=torch.float64), x.T @ x])
    rhs = torch.randn(3, 4, 2, generator=g, dtype=torch.float64)
    together = solve_gram(gram, rhs)
    for k in range(3):
        assert torch.allclose(solve_gram(gram[k : k + 1], rhs[k : k + 1])[0], together[k], rtol=1e-12, atol=1e-12)
    assert torch.all(together[0, 3] == 0.0)
