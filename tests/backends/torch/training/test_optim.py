"""Batched SGD and Adam: each member's update equals torch.optim's on that member alone."""

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from catdyn.backends.torch.training.optim import SGD, Adam, OptimiserError, OptState, per_member  # noqa: E402

SHAPES = [(3, 2), (4,), (2, 1, 3)]  # one stacked tensor per shape: (K, *shape)


def _reference(opt_name: str, kwargs: dict, lr: float, wd: float, inits: list, grad_seq: list) -> list:
    """One member trained by torch.optim on its own (float64 leaves, gradients set by hand)."""
    params = [t.clone().requires_grad_(True) for t in inits]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[opt_name]
    opt = cls(params, lr=lr, weight_decay=wd, **kwargs)
    for grads in grad_seq:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
    return [p.detach() for p in params]


def _batched(opt, lrs: list, wds: list, inits: list, grad_seq: list) -> list:
    params = [torch.stack([m[i] for m in inits]) for i in range(len(SHAPES))]
    state = opt.init(params)
    for grads in grad_seq:
        stacked = [torch.stack([m[i] for m in grads]) for i in range(len(SHAPES))]
        opt.update_(params, stacked, state, torch.tensor(lrs, dtype=torch.float64), wds)
    return params


def _members(k: int, steps: int, seed: int) -> tuple[list, list]:
    g = torch.Generator().manual_seed(seed)
    inits = [[torch.randn(s, generator=g, dtype=torch.float64) for s in SHAPES] for _ in range(k)]
    # grad_seq[step][member][tensor]
    grads = [
        [[torch.randn(s, generator=g, dtype=torch.float64) for s in SHAPES] for _ in range(k)]
        for _ in range(steps)
    ]
    return inits, grads


hyper = st.lists(st.tuples(st.floats(1e-4, 0.5), st.sampled_from([0.0, 1e-3, 0.1])), min_size=1, max_size=4)


@given(
    members=hyper,
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    nesterov=st.booleans(),
    dampening=st.sampled_from([0.0, 0.3]),
    steps=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_sgd_member_equals_torch_sgd(members, momentum, nesterov, dampening, steps, seed) -> None:
    if nesterov and (momentum == 0 or dampening != 0):
        with pytest.raises(OptimiserError):
            SGD(momentum, nesterov, dampening)
        return
    opt = SGD(momentum, nesterov, dampening)
    lrs, wds = [m[0] for m in members], [m[1] for m in members]
    inits, grads = _members(len(members), steps, seed)
    out = _batched(opt, lrs, wds, inits, [[g for g in step] for step in grads])
    kwargs = dict(momentum=momentum, nesterov=nesterov, dampening=dampening)
    for k in range(len(members)):
        ref = _reference("sgd", kwargs, lrs[k], wds[k], inits[k], [step[k] for step in grads])
        for i in range(len(SHAPES)):
            torch.testing.assert_close(out[i][k], ref[i], rtol=1e-12, atol=1e-12)


@given(
    members=hyper,
    betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
    decoupled=st.booleans(),
    steps=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_adam_member_equals_torch_adam(members, betas, decoupled, steps, seed) -> None:
    opt = Adam(betas=betas, eps=1e-8, decoupled=decoupled)
    lrs, wds = [m[0] for m in members], [m[1] for m in members]
    inits, grads = _members(len(members), steps, seed)
    out = _batched(opt, lrs, wds, inits, grads)
    for k in range(len(members)):
        ref = _reference(
            "adamw" if decoupled else "adam",
            dict(betas=betas, eps=1e-8),
            lrs[k],
            wds[k],
            inits[k],
            [step[k] for step in grads],
        )
        for i in range(len(SHAPES)):
            torch.testing.assert_close(out[i][k], ref[i], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("opt", [SGD(0.9), SGD(0.9, nesterov=True), Adam(), Adam(decoupled=True)])
def test_pure_update_leaves_inputs_alone_and_matches_in_place(opt) -> None:
    inits, grads = _members(3, 3, seed=1)
    params = [torch.stack([m[i] for m in inits]) for i in range(len(SHAPES))]
    before = [p.clone() for p in params]
    state = opt.init(params)
    pure_params, pure_state = params, state
    for step in grads:
        g = [torch.stack([m[i] for m in step]) for i in range(len(SHAPES))]
        g_before = [t.clone() for t in g]
        pure_params, new_state = opt.update(pure_params, g, pure_state, [0.1, 0.2, 0.3], 0.01)
        assert all(torch.equal(a, b) for a, b in zip(g, g_before))
        assert new_state.step == pure_state.step + 1
        pure_state = new_state
    assert all(torch.equal(a, b) for a, b in zip(params, before))
    in_place = [p.clone() for p in params]
    s = opt.init(in_place)
    for step in grads:
        opt.update_(
            in_place,
            [torch.stack([m[i] for m in step]) for i in range(len(SHAPES))],
            s,
            [0.1, 0.2, 0.3],
            0.01,
        )
    for a, b in zip(pure_params, in_place):
        assert torch.equal(a, b)


def test_zero_learning_rate_member_does_not_move() -> None:
    p = [torch.ones(2, 3)]
    for opt in (SGD(0.9), Adam()):
        q = [p[0].clone()]
        s = opt.init(q)
        for _ in range(3):
            opt.update_(q, [torch.randn(2, 3)], s, torch.tensor([0.0, 0.1]), torch.tensor([0.5, 0.5]))
        assert torch.equal(q[0][0], p[0][0]) and not torch.equal(q[0][1], p[0][1])


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(momentum=1.0),
        lambda: SGD(momentum=-0.1),
        lambda: SGD(nesterov=True),
        lambda: SGD(dampening=2.0),
        lambda: Adam(betas=(1.0, 0.9)),
        lambda: Adam(eps=-1.0),
    ],
)
def test_invalid_hyperparameters(make) -> None:
    with pytest.raises(OptimiserError, match="invalid"):
        make()


def test_per_member_shapes() -> None:
    assert per_member([1.0, 2.0, 3.0], torch.zeros(3, 4, 5)).shape == (3, 1, 1)
    with pytest.raises(OptimiserError, match="one value or 3 values"):
        per_member([1.0, 2.0], torch.zeros(3, 4))


def test_state_clone_is_deep() -> None:
    s = OptState(2, {"momentum": [torch.zeros(2), None]})
    c = s.clone()
    c.buffers["momentum"][0].add_(1.0)
    assert s.buffers["momentum"][0].sum() == 0 and c.buffers["momentum"][1] is None and c.step == 2


def test_torch_optimizer_mirrors() -> None:
    w = torch.zeros(1, requires_grad=True)
    sgd = SGD(0.8, nesterov=True).torch_optimizer([w], lr=0.1, weight_decay=0.2)
    assert sgd.defaults["nesterov"] and sgd.defaults["weight_decay"] == 0.2
    assert isinstance(Adam().torch_optimizer([w], lr=0.1), torch.optim.Adam)
