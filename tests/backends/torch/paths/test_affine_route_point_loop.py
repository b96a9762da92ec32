"""The affine route (``backends/torch/paths/affine_route.py``) against a point-by-point loop:
for every MLP depth and activation, both float dtypes, with and without the endpoint shortcut,
alphas of 0 and 1 anywhere in the grid, pairs of a subset of the bank, non-finite parameters,
and block budgets that cut points, pairs and samples; also the worker wire format."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import catdyn.backends.torch.paths.affine_route as route
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.paths.interpolation import stack

ACTS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": F.gelu,
    "identity": lambda t: t,
}


def _point(widths, act, a, b, alpha, x, y):
    """Loss and error of the network ``(1 − α)·a + α·b`` on ``(x, y)``, layer by layer."""
    theta = {k: (1 - alpha) * a[k] + alpha * b[k] for k in a}
    h = x
    n_layers = len(widths) - 1
    for i in range(n_layers):
        h = h @ theta[f"fc{i}.weight"].T + theta[f"fc{i}.bias"]
        if i < n_layers - 1:
            h = ACTS[act](h)
    loss = F.cross_entropy(h, y).item()
    error = (h.argmax(1) != y).double().mean().item()
    return loss, error


def _loop(widths, act, bank, pairs, alphas, splits):
    out = {}
    for split, (x, y) in splits.items():
        for metric in ("loss", "error"):
            out[metric, split] = np.zeros((len(pairs), len(alphas)))
        for p, (i, j) in enumerate(pairs):
            a = {k: v[i] for k, v in bank.items()}
            b = {k: v[j] for k, v in bank.items()}
            for k, alpha in enumerate(alphas):
                loss, err = _point(widths, act, a, b, float(alpha), x, y)
                out["loss", split][p, k] = loss
                out["error", split][p, k] = err
    return out


def _setup(widths, act, dtype, n_models=5, seed=0):
    net = MLP(widths, activation=act)
    bank = stack([net.init(torch.Generator().manual_seed(seed + s), dtype=dtype) for s in range(n_models)])
    g = torch.Generator().manual_seed(seed + 100)
    splits = {
        "train": (
            torch.randn(13, widths[0], generator=g, dtype=dtype),
            torch.randint(0, widths[-1], (13,), generator=g),
        ),
        "test": (
            torch.randn(7, widths[0], generator=g, dtype=dtype),
            torch.randint(0, widths[-1], (7,), generator=g),
        ),
    }
    return net, bank, splits


def _check(got, ref, dtype):
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    assert set(got) == set(ref)
    for key, value in ref.items():
        assert got[key].dtype == dtype
        assert tuple(got[key].shape) == value.shape
        np.testing.assert_allclose(got[key].double().numpy(), value, rtol=tol, atol=tol, err_msg=str(key))


PAIRS = [(1, 3), (4, 1), (3, 3), (1, 4)]  # a subset of the bank (models 0 and 2 unused), reversed, equal ends
GRID = torch.tensor([0.3, 1.0, 0.0, 0.75, 1.0], dtype=torch.float64)  # the ends not at the ends


@pytest.mark.parametrize(
    "widths, act",
    [
        ((4, 5, 3), "relu"),
        ((4, 6, 5, 3), "tanh"),
        ((3, 4, 5, 4, 2), "sigmoid"),
        ((4, 5, 6, 3), "gelu"),
        ((4, 3, 5, 3), "identity"),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("endpoints", [True, False])
def test_affine_route_matches_a_point_by_point_loop(widths, act, dtype, endpoints) -> None:
    """Every (pair, alpha) entry of every split is the interpolated network's own mean
    cross-entropy and argmax error; the endpoint shortcut changes nothing."""
    net, bank, splits = _setup(widths, act, dtype)
    ia = torch.tensor([p[0] for p in PAIRS])
    ib = torch.tensor([p[1] for p in PAIRS])
    got = route._mlp_pair_paths(net, bank, ia, ib, GRID, splits, endpoints=endpoints)
    _check(got, _loop(widths, act, bank, PAIRS, GRID, splits), dtype)


@pytest.mark.parametrize("budgets", [(64, 40, 2**24), (7, 1, 2**24), (300, 5000, 50), (2**20, 2**19, 2**24)])
@pytest.mark.parametrize(
    "grid",
    [GRID, torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64)],
)
def test_deep_nets_under_every_block_layout(budgets, grid, monkeypatch) -> None:
    """Two and three hidden layers with blocks of one point, of one pair, of whole pairs,
    flushed logit buffers and sample blocks cut inside a split: the loop's numbers."""
    cpu_block, logits_block, bank_elements = budgets
    monkeypatch.setattr(route, "_CPU_BLOCK", cpu_block)
    monkeypatch.setattr(route, "_LOGITS_BLOCK", logits_block)
    monkeypatch.setattr(route, "_BANK_ELEMENTS", bank_elements)
    for widths, act in (((4, 6, 5, 3), "tanh"), ((3, 4, 5, 4, 2), "relu")):
        net, bank, splits = _setup(widths, act, torch.float64, seed=7)
        ia = torch.tensor([p[0] for p in PAIRS])
        ib = torch.tensor([p[1] for p in PAIRS])
        got = route._mlp_pair_paths(net, bank, ia, ib, grid, splits)
        _check(got, _loop(widths, act, bank, PAIRS, grid, splits), torch.float64)


def test_a_single_split_and_a_single_pair() -> None:
    """One split (no concatenation) and one pair: the loop's numbers, shape (1, A)."""
    widths = (4, 5, 6, 3)
    net, bank, splits = _setup(widths, "relu", torch.float64, seed=3)
    one = {"test": splits["test"]}
    got = route._mlp_pair_paths(net, bank, torch.tensor([2]), torch.tensor([0]), GRID, one)
    _check(got, _loop(widths, "relu", bank, [(2, 0)], GRID, one), torch.float64)


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_non_finite_parameters_turn_the_shortcut_off(bad) -> None:
    """A non-finite parameter in an end model: ``0·inf`` is NaN, so every point (the ends too)
    is computed along the path, as the loop does; a model's own end stays its own value."""
    widths = (4, 5, 3)
    net, bank, splits = _setup(widths, "relu", torch.float64, seed=5)
    bank["fc1.weight"][4, 0, 0] = bad
    ia = torch.tensor([p[0] for p in PAIRS])
    ib = torch.tensor([p[1] for p in PAIRS])
    got = route._mlp_pair_paths(net, bank, ia, ib, GRID, splits)
    ref = _loop(widths, "relu", bank, PAIRS, GRID, splits)
    for key, value in ref.items():
        np.testing.assert_allclose(
            got[key].numpy(), value, rtol=1e-10, atol=1e-10, equal_nan=True, err_msg=str(key)
        )
    # pair (1, 3) never touches model 4: its row stays finite
    assert np.isfinite(got["loss", "test"][0].numpy()).all()


def test_shard_job_renumbers_the_used_models_and_runs_the_same() -> None:
    """A worker's arguments hold only the models the shard uses (renumbered from 0) and give
    the route's numbers; the plain MLP keeps widths and activation."""
    widths = (4, 5, 6, 3)
    net, bank, splits = _setup(widths, "tanh", torch.float32, n_models=6, seed=11)
    ia, ib = torch.tensor([5, 2]), torch.tensor([2, 4])
    job = route._shard_job(net, bank, ia, ib, GRID, splits)
    plain, models, lia, lib = job[0], job[1], job[2], job[3]
    assert plain.widths == net.widths and plain.activation == "tanh"
    assert models["fc0.weight"].shape[0] == 3  # models 2, 4, 5
    np.testing.assert_array_equal(models["fc0.weight"], bank["fc0.weight"][[2, 4, 5]].numpy())
    assert list(lia) == [2, 0] and list(lib) == [0, 1]
    out = route._shard(*job)
    here = route._mlp_pair_paths(net, bank, ia, ib, GRID, splits)
    assert set(out) == set(here)
    for key in here:
        assert isinstance(out[key], np.ndarray)
        assert torch.equal(route._from_wire(out[key]), here[key])
    _check(here, _loop(widths, "tanh", bank, [(5, 2), (2, 4)], GRID, splits), torch.float32)


def test_wire_format() -> None:
    """CPU tensors of a numpy dtype travel as arrays; others as tensors with compact storage
    (a view is cloned, a whole tensor sent as is); read-only arrays come back writeable."""
    t = torch.arange(6.0)
    assert isinstance(route._to_wire(t), np.ndarray)
    assert isinstance(route._to_wire(torch.arange(3)), np.ndarray)
    half = torch.arange(6.0).to(torch.bfloat16)
    assert route._to_wire(half) is half
    view = half[2:5]
    sent = route._to_wire(view)
    assert sent is not view and torch.equal(sent, view)
    assert sent.untyped_storage().nbytes() == 3 * sent.element_size()
    strided = torch.arange(8.0).to(torch.bfloat16)[::2]
    sent = route._to_wire(strided)
    assert sent is not strided and torch.equal(sent, strided) and sent.is_contiguous()
    offset = torch.arange(8.0).to(torch.bfloat16)[4:]
    assert route._to_wire(offset) is not offset
    arr = np.arange(4.0)
    arr.flags.writeable = False
    back = route._from_wire(arr)
    assert torch.equal(back, torch.arange(4.0, dtype=torch.float64))
    back[0] = 7.0  # writeable, and not the array's memory
    assert arr[0] == 0.0
    arr2 = np.arange(3.0)
    back2 = route._from_wire(arr2)
    back2[0] = 5.0
    assert arr2[0] == 5.0  # a writeable array is shared, not copied
    assert route._from_wire(half) is half


def test_affine_pair_paths_with_shards_matches_the_loop() -> None:
    """Two shards (threads and processes) of the pairs: the loop's numbers, pairs in order."""
    widths = (4, 5, 6, 3)
    net, bank, splits = _setup(widths, "relu", torch.float32, seed=13)
    pairs = [(1, 3), (4, 1), (0, 2), (2, 0)]
    ia = torch.tensor([p[0] for p in pairs])
    ib = torch.tensor([p[1] for p in pairs])
    ref = _loop(widths, "relu", bank, pairs, GRID, splits)
    for parallel in ("threads", "processes"):
        _check(
            route.affine_pair_paths(net, bank, ia, ib, GRID, splits, workers=2, parallel=parallel),
            ref,
            torch.float32,
        )


@pytest.mark.parametrize("cpu_block", [12, 60, 2**20])
def test_one_inner_point_of_one_pair_with_sample_blocks_inside_a_split(cpu_block, monkeypatch) -> None:
    """One pair and one inner point (a profile of one column per split) while a block of
    samples meets only one of two splits: each split gets its own samples' sums only."""
    monkeypatch.setattr(route, "_CPU_BLOCK", cpu_block)
    widths = (4, 6, 3)
    net, bank, splits = _setup(widths, "relu", torch.float64, seed=17)
    grid = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    got = route._mlp_pair_paths(net, bank, torch.tensor([1]), torch.tensor([3]), grid, splits)
    _check(got, _loop(widths, "relu", bank, [(1, 3)], grid, splits), torch.float64)


@pytest.mark.parametrize("grid", [[0.0, 0.4], [0.6, 1.0], [0.0], [1.0, 0.5], [0.5]])
def test_grids_with_one_end_or_none(grid) -> None:
    """Only the start, only the end, or no end in the grid: the shortcut serves the end
    columns it has, from the right models; the loop's numbers."""
    widths = (4, 5, 6, 3)
    net, bank, splits = _setup(widths, "tanh", torch.float64, seed=19)
    al = torch.tensor(grid, dtype=torch.float64)
    ia = torch.tensor([p[0] for p in PAIRS])
    ib = torch.tensor([p[1] for p in PAIRS])
    got = route._mlp_pair_paths(net, bank, ia, ib, al, splits)
    _check(got, _loop(widths, "tanh", bank, PAIRS, al, splits), torch.float64)
