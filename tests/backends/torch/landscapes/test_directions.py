"""k-D landscapes: top Hessian eigenpairs against an explicitly formed Hessian (closed-form
quadratics, torch.autograd.functional.hessian of a tiny MLP), the saddle shift shown to matter,
and 3-D grids along Hessian and random directions against a per-point nn.Module loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

import catdyn.backends.torch.landscapes.directions as D  # noqa: E402
from catdyn.backends.torch.landscapes.directions import (  # noqa: E402
    flatten,
    hessian_directions,
    top_eigenpairs,
    unflatten,
)
from catdyn.backends.torch.landscapes.landscape import loss_landscape, random_directions  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.errors import TopologyError  # noqa: E402

F64 = torch.float64


def _planted_quadratic(spectrum: list[float], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A symmetric matrix with the given spectrum in a random orthonormal basis (columns of Q)."""
    n = len(spectrum)
    q = torch.linalg.qr(torch.randn(n, n, generator=torch.Generator().manual_seed(seed), dtype=F64)).Q
    return q @ torch.diag(torch.tensor(spectrum, dtype=F64)) @ q.T, q


def _assert_same_vectors(found: list[torch.Tensor], expected: torch.Tensor, atol: float) -> None:
    for j, v in enumerate(found):
        cos = float(torch.dot(v, expected[:, j]).abs())
        assert cos == pytest.approx(1.0, abs=atol), (j, cos)


@pytest.mark.parametrize("saddle", [False, True])
def test_top_eigenpairs_of_a_planted_quadratic(saddle: bool) -> None:
    spectrum = [9.0, 6.0, 4.0, *np.linspace(-1.0, 1.0, 37).tolist()]
    if saddle:
        spectrum[-4:] = [-20.0, -19.0, -18.0, -17.0]  # the largest magnitudes are negative curvatures
    a, q = _planted_quadratic(spectrum)
    pairs = top_eigenpairs(
        lambda p: 0.5 * p["w"] @ a @ p["w"], {"w": torch.zeros(40, dtype=F64)}, k=3, tol=1e-9
    )
    assert pairs.converged
    assert list(pairs.eigenvalues) == pytest.approx([9.0, 6.0, 4.0], abs=1e-7)
    assert (pairs.shift < 0) == saddle
    _assert_same_vectors([v["w"] for v in pairs.vectors], q[:, :3], atol=1e-7)


def test_without_the_shift_a_saddle_gives_the_wrong_eigenvalues(monkeypatch: pytest.MonkeyPatch) -> None:
    # the block iteration alone finds magnitudes: −20 would be reported among the "top" three
    spectrum = [9.0, 6.0, 4.0] + [0.1] * 13 + [-20.0, -19.0, -18.0, -17.0]
    a, _ = _planted_quadratic(spectrum, seed=1)
    real = D._block_iteration
    calls = []

    def once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(D, "_block_iteration", once)
    right = top_eigenpairs(lambda p: 0.5 * p["w"] @ a @ p["w"], {"w": torch.zeros(20, dtype=F64)}, k=3)
    assert list(right.eigenvalues) == pytest.approx([9.0, 6.0, 4.0], abs=1e-5) and len(calls) == 2
    theta, _, _, _ = real(lambda v: a @ v, torch.randn(20, 6, dtype=F64), 3, 500, 1e-9)
    assert -20.0 in [round(float(t), 5) for t in theta]  # what an unshifted answer would contain


def _explicit_hessian(net: MLP, theta: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    names = list(theta)

    def loss_of_flat(v: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(net.apply(unflatten(v, theta, names), x), y)

    return torch.autograd.functional.hessian(loss_of_flat, flatten(theta, names))


def test_hessian_directions_match_the_explicit_hessian_of_a_tiny_mlp() -> None:
    net = MLP((3, 5, 3))
    theta = net.init(torch.Generator().manual_seed(2), dtype=F64)
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(3), dtype=F64)
    y = torch.arange(40) % 3
    h = _explicit_hessian(net, theta, x, y)
    assert torch.allclose(h, h.T, atol=1e-12)
    evals, evecs = torch.linalg.eigh(h)
    evals, evecs = evals.flip(0), evecs.flip(1)
    assert float(evals[2] - evals[3]) > 1e-3 * float(evals[0])  # a gap: the top three are well defined
    found = hessian_directions(net, theta, x, y, k=3, tol=1e-10)
    assert found.converged
    assert list(found.eigenvalues) == pytest.approx(evals[:3].tolist(), rel=1e-7, abs=1e-9)
    names = list(theta)
    _assert_same_vectors([flatten(v, names) for v in found.vectors], evecs[:, :3], atol=1e-6)
    assert all(float(flatten(v, names).norm()) == pytest.approx(1.0) for v in found.vectors)


def test_too_many_eigenvectors_is_refused() -> None:
    with pytest.raises(TopologyError, match="Hessian eigenvector"):
        top_eigenpairs(lambda p: (p["w"] ** 2).sum(), {"w": torch.zeros(2, dtype=F64)}, k=3)


def _module_loop(
    theta: dict, dirs: list[dict], x: torch.Tensor, y: torch.Tensor, coords: np.ndarray
) -> np.ndarray:
    """The per-point loop landscape tools run: write θ + Σ cₐDₐ into an nn.Module, call it."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    where = {"0.weight": "fc0.weight", "0.bias": "fc0.bias", "2.weight": "fc1.weight", "2.bias": "fc1.bias"}
    own = dict(model.named_parameters())
    out = np.zeros([len(coords)] * len(dirs))
    with torch.no_grad():
        for idx in itertools.product(range(len(coords)), repeat=len(dirs)):
            for m, p in where.items():
                own[m].copy_(theta[p] + sum(float(coords[i]) * d[p] for i, d in zip(idx, dirs)))
            out[idx] = F.cross_entropy(model(x), y).item()
    return out


@pytest.mark.parametrize("kind", ["random", "hessian"])
@pytest.mark.parametrize("method", ["affine", "vmap"])
def test_3d_landscape_matches_a_per_point_module_loop(kind: str, method: str) -> None:
    net = MLP((4, 6, 3))
    theta = net.init(torch.Generator().manual_seed(0))
    x = torch.randn(50, 4, generator=torch.Generator().manual_seed(1))
    y = torch.arange(50) % 3
    if kind == "random":
        dirs = random_directions(net, theta, 3, seed=4, bias_norm="normalise")
    else:
        dirs = hessian_directions(net, theta, x, y, k=3, tol=1e-5).vectors
    ls = loss_landscape(net, theta, x, y, directions=dirs, steps=5, span=0.8, method=method, chunk=16)
    assert ls.values.shape == (5, 5, 5)
    expected = _module_loop(theta, dirs, x, y, np.linspace(-0.8, 0.8, 5))
    assert float(np.abs(ls.values - expected).max()) < 1e-5
    assert float(np.ptp(expected)) > 1e-3  # the directions move the loss: the comparison can fail
