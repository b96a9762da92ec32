"""Which route computes a landscape: the method asked for is the one that runs, and ``auto``
follows its documented rule (affine for a plain MLP, batched for the families with a batched
route, vmap otherwise). The routes agree on values, so only a record of the calls can tell a
``vmap`` request served by the per-point loop (a benchmark of vmap would then time the loop)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import catdyn.backends.torch.landscapes.landscape as L  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, MLP  # noqa: E402

ROUTES = {"affine": "_affine_mlp", "batched": "batched_sums", "vmap": "_vmap", "loop": "_loop"}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap every route so that a call is recorded and the real route still computes."""
    seen: list[str] = []
    for method, name in ROUTES.items():
        real = getattr(L, name)

        def spy(*args, _real=real, _method=method, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(_method)
            return _real(*args, **kwargs)

        monkeypatch.setattr(L, name, spy)
    return seen


def _mlp(batch_norm: bool = False):  # type: ignore[no-untyped-def]
    arch = MLP((4, 5, 3), batch_norm=batch_norm)
    params = arch.init(torch.Generator().manual_seed(0))
    x = torch.randn(12, 4, generator=torch.Generator().manual_seed(1))
    y = torch.arange(12) % 3
    return arch, params, x, y


def _cnn():  # type: ignore[no-untyped-def]
    arch = CNN(input_shape=(1, 4, 4), channels=(2,), classes=3)
    params = arch.init(torch.Generator().manual_seed(0))
    x = torch.randn(6, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    y = torch.arange(6) % 3
    return arch, params, x, y


@pytest.mark.parametrize("method", ["affine", "vmap", "loop"])
def test_an_mlp_landscape_runs_the_route_asked_for(calls: list[str], method: str) -> None:
    arch, params, x, y = _mlp()
    out = L.loss_landscape(arch, params, x, y, steps=3, span=0.5, method=method)
    assert calls == [method]
    assert out.method == method


@pytest.mark.parametrize("method", ["batched", "vmap", "loop"])
def test_a_cnn_landscape_runs_the_route_asked_for(calls: list[str], method: str) -> None:
    arch, params, x, y = _cnn()
    L.loss_landscape(arch, params, x, y, steps=3, span=0.5, method=method)
    assert calls == [method]


def test_each_data_chunk_runs_the_same_route_once(calls: list[str]) -> None:
    arch, params, x, y = _mlp()
    L.loss_landscape(arch, params, x, y, steps=3, span=0.5, method="vmap", data_chunk=5)
    assert calls == ["vmap"] * 3  # 12 samples in chunks of 5, 5 and 2


@pytest.mark.parametrize(
    ("make", "expected"),
    [(_mlp, "affine"), (lambda: _mlp(batch_norm=True), "vmap"), (_cnn, "batched")],
    ids=["plain MLP", "MLP with batch norm", "CNN"],
)
def test_auto_follows_the_documented_rule(calls: list[str], make, expected: str) -> None:  # type: ignore[no-untyped-def]
    arch, params, x, y = make()
    out = L.loss_landscape(arch, params, x, y, steps=3, span=0.5, method="auto")
    assert calls == [expected]
    assert out.method == expected
