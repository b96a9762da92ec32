"""Sharpness by power iteration against exact Hessians."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from catdyn.backends.torch.landscapes.sharpness import hvp, sharpness, top_eigenvalue  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402


def _exact_top(arch, theta, x, y) -> float:  # type: ignore[no-untyped-def]
    names = [n for n in theta if n not in set(arch.buffers())]
    flat = torch.cat([theta[n].reshape(-1) for n in names])

    def f(v):  # type: ignore[no-untyped-def]
        p, o = dict(theta), 0
        for n in names:
            p[n] = v[o : o + theta[n].numel()].reshape(theta[n].shape)
            o += theta[n].numel()
        return F.cross_entropy(arch.apply(p, x), y)

    H = torch.autograd.functional.hessian(f, flat)
    return float(torch.linalg.eigvalsh(H)[-1])


@pytest.mark.parametrize(
    "arch", [MLP((3, 6, 3), activation="tanh"), MLP((4, 5, 4, 3)), MLP((3, 4, 3), batch_norm=True)]
)
def test_against_exact_hessian(arch) -> None:  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(0)
    theta = arch.init(g, dtype=torch.float64)
    x, y = torch.randn(30, arch.widths[0], generator=g, dtype=torch.float64), torch.arange(30) % 3
    r = sharpness(arch, theta, x, y, iters=600, tol=1e-11)
    assert r.eigenvalue == pytest.approx(_exact_top(arch, theta, x, y), rel=1e-4)


def test_quadratics_including_a_saddle() -> None:
    Q, _ = torch.linalg.qr(torch.randn(6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    for eig in ([4.0, 1.0, 0.5, 0.1, -0.3, 0.0], [2.0, -7.0, 1.0, 0.0, 0.5, -1.0]):
        A = Q @ torch.diag(torch.tensor(eig, dtype=torch.float64)) @ Q.T
        r = top_eigenvalue(
            lambda p, A=A: 0.5 * p["w"] @ A @ p["w"],
            {"w": torch.ones(6, dtype=torch.float64)},
            iters=5000,
            tol=1e-13,
        )
        assert r.eigenvalue == pytest.approx(max(eig), abs=1e-6)
        assert r.dominant == pytest.approx(max(eig, key=abs), abs=1e-6)


def test_hvp_against_exact() -> None:
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    v = torch.tensor([1.0, -2.0], dtype=torch.float64)
    out = hvp(lambda p: 0.5 * p["w"] @ A @ p["w"], {"w": torch.zeros(2, dtype=torch.float64)}, {"w": v})
    torch.testing.assert_close(out["w"], A @ v)
