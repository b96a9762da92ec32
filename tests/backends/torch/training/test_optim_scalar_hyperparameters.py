"""SGD and Adam with *one* learning rate or weight decay for every member (Python numbers, as
the ensemble engine passes them when all members share a value).

``test_optim.py`` drives the optimisers with one learning rate per member (tensors); numbers
take other code: torch's fused SGD kernel on contiguous CPU tensors, the optimiser's own loop
with scalar ``alpha`` on strided ones, Adam's scalar ``addcdiv_`` and AdamW's scalar decay, and
a weight decay of ``0`` dropped altogether. Every member is checked here against
:mod:`torch.optim` run on that member alone, over four steps, in float64.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.training.optim import SGD, Adam, OptState  # noqa: E402

K = 3
SHAPES = [(4, 3), (5,)]
STEPS = 4

SGDS = [SGD(), SGD(0.9), SGD(0.8, dampening=0.3), SGD(0.7, nesterov=True)]
ADAMS = [Adam(), Adam(betas=(0.5, 0.9)), Adam(decoupled=True), Adam(betas=(0.6, 0.8), decoupled=True)]


def _data(seed: int):
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn((K, *s), generator=g, dtype=torch.float64) for s in SHAPES]
    grads = [[torch.randn((K, *s), generator=g, dtype=torch.float64) for s in SHAPES] for _ in range(STEPS)]
    return params, grads


def _torch_member(opt, params, grads, k: int, lr: float, wd: float):
    """Member ``k`` alone, trained by the torch.optim twin of ``opt``."""
    leaves = [p[k].clone().requires_grad_(True) for p in params]
    ref = opt.torch_optimizer(leaves, lr=lr, weight_decay=wd)
    for step in grads:
        for leaf, g in zip(leaves, step):
            leaf.grad = g[k].clone()
        ref.step()
    return [leaf.detach() for leaf in leaves]


def _strided(t):
    """``t``'s values in a tensor that is not contiguous (every other column of a wider one)."""
    wide = torch.zeros((*t.shape[:-1], 2 * t.shape[-1]), dtype=t.dtype)
    view = wide[..., ::2]
    view.copy_(t)
    assert not view.is_contiguous()
    return view


def _run(opt, params, grads, lr, wd, strided: bool):
    params = [(_strided(p) if strided else p.clone()) for p in params]
    state = opt.init(params)
    for step in grads:
        opt.update_(params, [(_strided(g) if strided else g.clone()) for g in step], state, lr, wd)
    assert state.step == STEPS
    return params


@pytest.mark.parametrize("opt", SGDS + ADAMS, ids=lambda o: repr(o))
@pytest.mark.parametrize("strided", [False, True], ids=["contiguous", "strided"])
@pytest.mark.parametrize("wd", [0.0, 0.1, None])
def test_one_learning_rate_and_weight_decay_for_all_members(opt, strided: bool, wd) -> None:
    params, grads = _data(seed=7)
    out = _run(opt, params, grads, 0.05, wd, strided)
    for k in range(K):
        ref = _torch_member(opt, params, grads, k, 0.05, wd or 0.0)
        for a, b in zip(out, ref):
            torch.testing.assert_close(a[k], b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("opt", SGDS + ADAMS, ids=lambda o: repr(o))
@pytest.mark.parametrize("strided", [False, True], ids=["contiguous", "strided"])
def test_mixed_one_value_and_one_per_member(opt, strided: bool) -> None:
    """One learning rate with a weight decay per member, and the other way round."""
    params, grads = _data(seed=8)
    lrs, wds = [0.05, 0.2, 0.01], [0.3, 0.0, 0.05]
    for lr, wd in (
        (0.05, torch.tensor(wds, dtype=torch.float64)),
        (torch.tensor(lrs, dtype=torch.float64), 0.1),
    ):
        out = _run(opt, params, grads, lr, wd, strided)
        for k in range(K):
            lr_k = lr if isinstance(lr, float) else lrs[k]
            wd_k = wd if isinstance(wd, float) else wds[k]
            ref = _torch_member(opt, params, grads, k, lr_k, wd_k)
            for a, b in zip(out, ref):
                torch.testing.assert_close(a[k], b, rtol=1e-12, atol=1e-12)


def test_sgd_first_step_by_hand() -> None:
    """One step with numbers checked by hand: θ = 1, ∇ = 2, wd = 0.5, lr = 0.1, μ = 0.9:
    g = 2 + 0.5·1 = 2.5; b = g; Nesterov d = g + μ·b = 4.75; θ ← 1 − 0.1·d."""
    for strided in (False, True):
        for opt, expected in ((SGD(0.9), 1 - 0.25), (SGD(0.9, nesterov=True), 1 - 0.475)):
            p = torch.ones(2, 3, dtype=torch.float64)
            g = torch.full((2, 3), 2.0, dtype=torch.float64)
            params = [_strided(p) if strided else p]
            opt.update_(params, [_strided(g) if strided else g], opt.init(params), 0.1, 0.5)
            torch.testing.assert_close(params[0], torch.full((2, 3), expected, dtype=torch.float64))


@pytest.mark.parametrize("strided", [False, True], ids=["contiguous", "strided"])
def test_momentum_buffer_starts_from_the_gradient_at_step_zero_or_when_missing(strided: bool) -> None:
    """``b ← ∇`` (no μ·b) when the state is at step 0, whatever buffer it holds, and when it
    holds no buffer (``None``), whatever its step: the fused kernel's and the loop's rule."""
    opt = SGD(0.5, dampening=0.25)
    g = torch.full((2, 3), 2.0, dtype=torch.float64)
    for state in (
        OptState(0, {"momentum": [torch.full((2, 3), 7.0, dtype=torch.float64)]}),
        OptState(5, {"momentum": [None]}),
    ):
        p = torch.ones(2, 3, dtype=torch.float64)
        params = [_strided(p) if strided else p]
        opt.update_(params, [_strided(g) if strided else g.clone()], state, 0.1)
        torch.testing.assert_close(params[0], torch.full((2, 3), 0.8, dtype=torch.float64))  # 1 − 0.1·2
        torch.testing.assert_close(state.buffers["momentum"][0], g)
