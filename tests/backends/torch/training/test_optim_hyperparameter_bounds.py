"""The optimisers' hyperparameter ranges at their ends, as torch.optim's: momentum in [0, 1),
dampening in [0, 1] (1 included: the buffer then only decays after its first step), betas in
[0, 1), eps ≥ 0; an accepted end value steps as torch.optim does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.training.optim import SGD, Adam, OptimiserError  # noqa: E402


def _steps_like_torch(opt) -> None:
    g = torch.Generator().manual_seed(0)
    theta = torch.randn(2, 4, generator=g, dtype=torch.float64)
    grads = [torch.randn(2, 4, generator=g, dtype=torch.float64) for _ in range(3)]
    params = [theta.clone()]
    state = opt.init(params)
    for grad in grads:
        opt.update_(params, [grad.clone()], state, torch.tensor([0.1, 0.2], dtype=torch.float64))
    for k, lr in enumerate((0.1, 0.2)):
        leaf = theta[k].clone().requires_grad_(True)
        ref = opt.torch_optimizer([leaf], lr=lr)
        for grad in grads:
            leaf.grad = grad[k].clone()
            ref.step()
        torch.testing.assert_close(params[0][k], leaf.detach(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(momentum=0.0),
        lambda: SGD(momentum=0.9, dampening=1.0),
        lambda: SGD(momentum=0.5, dampening=0.0, nesterov=True),
        lambda: Adam(betas=(0.0, 0.0)),
        lambda: Adam(betas=(0.0, 0.5), eps=0.0),
    ],
)
def test_end_values_are_accepted_and_step_like_torch(make) -> None:
    _steps_like_torch(make())


def test_dampening_one_keeps_only_the_first_gradient_decaying() -> None:
    """τ = 1: b ← ∇₁, then b ← μ·b: θ moves by lr·∇₁·(1 + μ + μ²) over three steps."""
    opt = SGD(momentum=0.5, dampening=1.0)
    params = [torch.zeros(1, 1, dtype=torch.float64)]
    state = opt.init(params)
    for grad in (2.0, 100.0, -50.0):
        opt.update_(
            params,
            [torch.full((1, 1), grad, dtype=torch.float64)],
            state,
            torch.tensor([0.1], dtype=torch.float64),
        )
    assert abs(params[0].item() - (-0.1 * 2.0 * 1.75)) < 1e-12


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(momentum=0.9, dampening=1.0 + 1e-9),
        lambda: SGD(momentum=0.9, dampening=-1e-9),
        lambda: SGD(momentum=1.0 - 1e-12, dampening=0.1, nesterov=True),
        lambda: Adam(betas=(0.9, 1.0)),
        lambda: Adam(betas=(-1e-9, 0.9)),
    ],
)
def test_just_outside_is_refused(make) -> None:
    with pytest.raises(OptimiserError, match="invalid"):
        make()
