"""The paper's 2-category prediction, measured: homotopic runs' representations differ at each
stage of training by an affine map ``φ_b ≈ A_k·φ_a + b_k``.

For two runs and a matched stage ``k`` (the same step count), take the features ``Z_a, Z_b``
(``(N, d)``, one row per probe input) of a layer, fit ``Z_b ≈ Z_a·A + 1·bᵀ`` by ridge-regularised
least squares on half of the probe rows and report the **held-out relative residual**

    ``r = ‖Z_b − Z_a·A − 1·bᵀ‖²_F / ‖Z_b − mean(Z_b)‖²_F``  on the other half

(0: an exact affine image; 1: no better than the mean). Fitting and scoring on disjoint halves
keeps ``r`` honest when ``d`` is large against ``N``. The residual is averaged over both
directions (``a → b`` and ``b → a``). :func:`affine_study` computes it for every pair at every
stage and splits the pairs into within-class and between-class, so the prediction "within-class
residuals are small, smaller than between-class ones" becomes a pair of numbers per stage.

A planted affine map is recovered exactly; unrelated features are not:

>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> za = torch.randn(200, 5, generator=g)
>>> zb = za @ torch.randn(5, 4, generator=g) + torch.randn(4, generator=g)
>>> affine_residual(za, zb, ridge=0.0) < 1e-10
True
>>> affine_residual(za, torch.randn(200, 4, generator=g)) > 0.9
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from catdyn.backends.torch.models.architectures import Architecture
from catdyn.errors import HomotopyError


def fit_affine(z_from: Tensor, z_to: Tensor, ridge: float = 1e-6) -> tuple[Tensor, Tensor]:
    """The least-squares ``(A, b)`` with ``z_to ≈ z_from·A + b`` (float64; ``ridge`` times the
    mean squared feature is added to the normal equations' diagonal, the intercept unpenalised).

    >>> import torch
    >>> x = torch.randn(50, 3, dtype=torch.float64)
    >>> A, b = fit_affine(x, 2 * x + 1, ridge=0.0)
    >>> bool(torch.allclose(A, 2 * torch.eye(3, dtype=torch.float64))), bool(torch.allclose(b, torch.ones(3, dtype=torch.float64)))
    (True, True)
    """
    x, y = z_from.double(), z_to.double()
    mx, my = x.mean(0), y.mean(0)
    xc, yc = x - mx, y - my
    gram = xc.T @ xc
    scale = float(gram.diagonal().mean()) if gram.numel() else 0.0
    gram = gram + ridge * max(scale, 1e-12) * torch.eye(x.shape[1], dtype=torch.float64, device=x.device)
    A = solve_gram(gram[None], (xc.T @ yc)[None])[0]
    return A, my - mx @ A


_GRAM_RTOL = 1e-12


def solve_gram(gram: Tensor, rhs: Tensor, factor: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Solve ``gram[k] · X[k] = rhs[k]`` for a batch of symmetric positive semi-definite Gram
    matrices: by Cholesky where the factor exists, otherwise by the minimum-norm pseudo-inverse
    built from the eigendecomposition, eigenvalues under ``1e-12`` of the largest counting as
    zero (the Gram matrix squares the features' condition number, so this drops feature
    directions under ``1e-6`` of the strongest). ``factor`` is ``torch.linalg.cholesky_ex(gram)``
    when the caller already has it.

    The fallback is written out rather than left to LAPACK's rank-revealing least squares
    (``gelsy``), whose rank decision on an exactly singular Gram matrix was seen to differ
    between a single and a batched call on another CPU, changing a residual by 3 %.

    >>> import torch
    >>> g = torch.tensor([[[2.0, 0.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> solve_gram(g, torch.tensor([[[4.0], [0.0]]], dtype=torch.float64)).flatten().tolist()
    [2.0, 0.0]
    """
    chol, info = torch.linalg.cholesky_ex(gram) if factor is None else factor
    solved = torch.cholesky_solve(rhs, chol)
    bad = info != 0
    if bool(bad.any()):
        w, v = torch.linalg.eigh(gram[bad])
        cut = _GRAM_RTOL * w.abs().amax(-1, keepdim=True).clamp_min(torch.finfo(w.dtype).tiny)
        inv_w = torch.where(w > cut, 1.0 / torch.where(w > cut, w, torch.ones_like(w)), torch.zeros_like(w))
        solved[bad] = v @ (inv_w[..., None] * (v.mT @ rhs[bad]))
    return solved


def affine_residual(z_a: Tensor, z_b: Tensor, *, ridge: float = 1e-6, holdout: bool = True) -> float:
    """The held-out relative residual of the affine fit ``z_a → z_b`` (see the module docstring;
    ``holdout=False`` fits and scores on all rows).

    >>> import torch
    >>> z = torch.randn(40, 3)
    >>> affine_residual(z, z, ridge=0.0) < 1e-10
    True
    """
    if z_a.shape[0] != z_b.shape[0]:
        raise HomotopyError.bad_option(
            "features", (tuple(z_a.shape), tuple(z_b.shape)), "the same probe rows"
        )
    n = z_a.shape[0]
    if holdout:
        fit_rows, test_rows = torch.arange(0, n, 2), torch.arange(1, n, 2)
    else:
        fit_rows = test_rows = torch.arange(n)
    A, b = fit_affine(z_a[fit_rows], z_b[fit_rows], ridge)
    yt = z_b[test_rows].double()
    pred = z_a[test_rows].double() @ A + b
    total = float(((yt - yt.mean(0)) ** 2).sum())
    if total <= 0:
        return 0.0 if float(((yt - pred) ** 2).sum()) <= 1e-20 else float("inf")
    return float(((yt - pred) ** 2).sum()) / total


def symmetric_residual(z_a: Tensor, z_b: Tensor, *, ridge: float = 1e-6) -> float:
    """The mean of the held-out residuals ``a → b`` and ``b → a``.

    >>> import torch
    >>> z = torch.randn(60, 4)
    >>> symmetric_residual(z, 3 * z - 2, ridge=0.0) < 1e-10
    True
    """
    return 0.5 * (affine_residual(z_a, z_b, ridge=ridge) + affine_residual(z_b, z_a, ridge=ridge))


def pair_residuals(
    feats: Tensor, pairs: Sequence[tuple[int, int]], *, ridge: float = 1e-6, chunk: int = 512
) -> np.ndarray:
    """:func:`symmetric_residual` of ``feats[i]`` and ``feats[j]`` for every ``(i, j)`` in ``pairs``
    (``feats``: ``(n, N, d)``, one feature table per member), computed for all pairs at once.

    Each member's centred fit rows and its regularised Gram matrix are computed once (not once
    per pair), its Cholesky factor too; each direction ``a → b`` is then one batched solve
    against the cross product ``X_aᵀ X_b`` and one batched residual. A Gram matrix that is not
    positive definite (``ridge=0`` on rank-deficient features) falls back to the minimum-norm
    pseudo-inverse, as :func:`fit_affine` does (:func:`solve_gram`). ``pairs`` are processed ``chunk`` directions at a time, which bounds
    the memory at ``chunk · d²`` numbers.

    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> f = torch.randn(3, 40, 4, generator=g)
    >>> fast = pair_residuals(f, [(0, 1), (1, 2)])
    >>> slow = [symmetric_residual(f[0], f[1]), symmetric_residual(f[1], f[2])]
    >>> bool(np.allclose(fast, slow, rtol=1e-9, atol=1e-12))
    True
    """
    if not pairs:
        return np.zeros(0)
    z = feats.double()
    n_rows = z.shape[1]
    fit, test = z[:, 0:n_rows:2], z[:, 1:n_rows:2]
    fit_mean = fit.mean(1, keepdim=True)
    xc = fit - fit_mean
    gram = xc.mT @ xc
    scale = gram.diagonal(dim1=1, dim2=2).mean(1).clamp_min(1e-12)
    eye = torch.eye(z.shape[2], dtype=z.dtype, device=z.device)
    gram = gram + (ridge * scale)[:, None, None] * eye
    chol, info = torch.linalg.cholesky_ex(gram)
    test_c = test - fit_mean
    test_total = ((test - test.mean(1, keepdim=True)) ** 2).sum((1, 2))
    src = torch.as_tensor([i for i, j in pairs] + [j for i, j in pairs], device=z.device)
    dst = torch.as_tensor([j for i, j in pairs] + [i for i, j in pairs], device=z.device)
    out = torch.empty(len(src), dtype=z.dtype, device=z.device)
    for lo in range(0, len(src), chunk):
        a, b = src[lo:lo + chunk], dst[lo:lo + chunk]
        out[lo:lo + chunk] = _direction_residuals(xc, gram, (chol, info), test_c, test_total, a, b)
    both = out.cpu().numpy()
    return 0.5 * (both[: len(pairs)] + both[len(pairs):])


def _direction_residuals(
    xc: Tensor,
    gram: Tensor,
    factor: tuple[Tensor, Tensor],
    test_c: Tensor,
    test_total: Tensor,
    a: Tensor,
    b: Tensor,
) -> Tensor:
    """The held-out residuals of the fits ``a[k] → b[k]`` (see :func:`pair_residuals`)."""
    cross = xc[a].mT @ xc[b]
    solved = solve_gram(gram[a], cross, (factor[0][a], factor[1][a]))
    err = ((test_c[b] - test_c[a] @ solved) ** 2).sum((1, 2))
    total = test_total[b]
    exact = torch.where(err <= 1e-20, torch.zeros_like(err), torch.full_like(err, float("inf")))
    return torch.where(total > 0, err / total.clamp_min(1e-300), exact)


@dataclass(frozen=True)
class AffineStudy:
    """Residuals for every pair at every stage: ``residuals[p, k]`` for ``pairs[p]`` at
    ``stages[k]``; ``same_class[p]`` says whether the pair shares a class.

    >>> import numpy as np
    >>> s = AffineStudy([0, 10], [(0, 1), (0, 2)], np.array([[0.1, 0.05], [0.5, 0.4]]), np.array([True, False]), "hidden0")
    >>> s.within().tolist(), s.between().tolist()
    ([0.1, 0.05], [0.5, 0.4])
    """

    stages: list[int]
    pairs: list[tuple[int, int]]
    residuals: np.ndarray
    same_class: np.ndarray
    layer: str

    def within(self) -> np.ndarray:
        """Mean residual over within-class pairs at each stage (NaN if none)."""
        return self._mean(self.same_class)

    def between(self) -> np.ndarray:
        """Mean residual over between-class pairs at each stage (NaN if none)."""
        return self._mean(~self.same_class)

    def _mean(self, mask: np.ndarray) -> np.ndarray:
        if not mask.any():
            return np.full(len(self.stages), np.nan)
        return self.residuals[mask].mean(0)


def affine_study(
    arch: Architecture,
    checkpoints: Mapping[int, Mapping[str, Tensor]],
    x: Tensor,
    labels: Sequence[int] | np.ndarray,
    *,
    layer: str,
    members: Sequence[int] | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    ridge: float = 1e-6,
) -> AffineStudy:
    """Residuals of the affine fit between runs at matched stages.

    ``checkpoints[step]`` is a stacked parameter dict of the ensemble at that step; ``members``
    picks which rows of the stacks are the studied models (default all, in order), and
    ``labels[i]`` is the class of the ``i``-th studied model; ``pairs`` index studied models
    (default all pairs).

    >>> import torch
    >>> from catdyn.backends.torch.models.architectures import MLP
    >>> from catdyn.backends.torch.paths.interpolation import stack
    >>> net = MLP((3, 6, 2))
    >>> ck = {0: stack([net.init(torch.Generator().manual_seed(s)) for s in range(3)])}
    >>> s = affine_study(net, ck, torch.randn(64, 3), [0, 0, 1], layer="hidden0")
    >>> s.residuals.shape, s.same_class.tolist()
    ((3, 1), [True, False, False])
    """
    stages = sorted(int(s) for s in checkpoints)
    first = next(iter(checkpoints[stages[0]].values()))
    rows = list(range(first.shape[0])) if members is None else [int(m) for m in members]
    lab = np.asarray(labels)
    if len(lab) != len(rows):
        raise HomotopyError.bad_option("labels", len(lab), f"one per studied model ({len(rows)})")
    pairs = (
        [(i, j) for i in range(len(rows)) for j in range(i + 1, len(rows))] if pairs is None else list(pairs)
    )
    res = np.zeros((len(pairs), len(stages)))
    with torch.no_grad():
        for k, step in enumerate(stages):
            stacked = checkpoints[step]
            feats = torch.func.vmap(lambda p: arch.features(p, x, layer))(
                {n: v[torch.as_tensor(rows)] for n, v in stacked.items()}
            )
            res[:, k] = pair_residuals(feats, pairs, ridge=ridge)
    same = np.array([lab[i] == lab[j] for i, j in pairs], dtype=bool)
    return AffineStudy(stages, pairs, res, same, layer)
