"""``SGD.folded_update_``'s ``unfolded`` triples ``(θ, ∇, b)`` get the whole momentum step:
``b ← ∇`` on the first step, else ``b ← μ·b + (1 − τ)·∇``, then ``θ ← θ − lr·b``.

With one learning rate and contiguous CPU tensors this is torch's fused SGD kernel (the
trainer's only use, its deferred first block); with one learning rate per member, or a tensor
that is not contiguous, it is the optimiser's own loop. Both are checked here against that
formula written out per member, over three steps, with momentum and dampening, and the
buffers the state keeps afterwards."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.training.optim import SGD  # noqa: E402

K = 3
LRS = {"one lr": 0.1, "lr per member": [0.1, 0.25, 0.05]}


def _reference(theta, grads, lr, momentum: float, dampening: float):
    """θ and b after each gradient in ``grads``, member by member, in float64."""
    theta = theta.double().clone()
    b = None
    rates = [lr] * K if isinstance(lr, float) else lr
    for g in grads:
        g = g.double()
        b = g.clone() if b is None else momentum * b + (1.0 - dampening) * g
        for k in range(K):
            theta[k] -= rates[k] * b[k]
    return theta, b


@pytest.mark.parametrize("lr", list(LRS.values()), ids=list(LRS))
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_unfolded_triples_get_the_whole_momentum_step(lr, layout: str) -> None:
    gen = torch.Generator().manual_seed(0)
    momentum, dampening = 0.9, 0.1
    opt = SGD(momentum=momentum, dampening=dampening)
    shape = (K, 4, 5)
    start = torch.randn(shape, generator=gen)
    grads = [torch.randn(shape, generator=gen) for _ in range(3)]
    if layout == "transposed":  # same values, a strided view: not the fused kernel's case
        theta = start.transpose(1, 2).contiguous().transpose(1, 2)
        buffer = torch.zeros(K, 5, 4).transpose(1, 2)
    else:
        theta, buffer = start.clone(), torch.zeros(shape)
    assert theta.is_contiguous() == (layout == "contiguous")
    state = opt.init([])
    for g in grads:
        opt.folded_update_([], [], state, lr, unfolded=[(theta, g.clone(), buffer)])
    want_theta, want_b = _reference(start, grads, lr, momentum, dampening)
    torch.testing.assert_close(theta.double(), want_theta, rtol=0, atol=1e-5)
    torch.testing.assert_close(buffer.double(), want_b, rtol=0, atol=1e-5)
    assert state.step == 3 and state.buffers["momentum"][-1] is buffer
